"""The ported seed scripts: they differ from the seeds only in the import line, and they run."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# shared/seeds beside the checkout (or beside the directory of worktrees), or where EMBER_SEEDS_DIR says.
SEEDS = os.environ.get("EMBER_SEEDS_DIR") or next(
    (d for d in (os.path.join(ROOT, "..", "shared", "seeds"), os.path.join(ROOT, "..", "..", "shared", "seeds"))
     if os.path.isdir(d)), os.path.join(ROOT, "..", "shared", "seeds"))


def _python_blocks(text: str):
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _seed(prefix: str) -> str:
    if not os.path.isdir(SEEDS):
        pytest.skip("shared/seeds is not beside the checkout")
    for name in os.listdir(SEEDS):
        if name.startswith(prefix):
            with open(os.path.join(SEEDS, name), encoding="utf-8") as f:
                return f.read()
    pytest.skip(f"seed {prefix} not found")


def _lines(code: str):
    return [ln.rstrip() for ln in code.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_seed000_code_matches_the_seed_but_the_import():
    seed = _seed("000_")
    ours = ""
    for rel in ("schema/csv_schema.py", "streaming/stream_processor.py", "generator/csv_writer.py"):
        with open(os.path.join(ROOT, "examples", "seed000", rel), encoding="utf-8") as f:
            ours += f.read()
    for block in _python_blocks(seed):
        for line in _lines(block.replace("pyspark.sql", "ember.sql")):
            assert line in ours, f"seed line missing from the port: {line!r}"


def test_seed000_processor_streams_new_files(tmp_path):
    root = tmp_path / "seed000"
    import shutil

    shutil.copytree(os.path.join(ROOT, "examples", "seed000"), root, ignore=shutil.ignore_patterns("data", "__pycache__"))
    (root / "data" / "input").mkdir(parents=True)
    (root / "data" / "input" / "event_batch_0.csv").write_text("timestamp,user_id,event\n2024-01-01T00:00:00,1,login\n2024-01-01T00:00:01,2,login\n")
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.Popen([sys.executable, "streaming/stream_processor.py"], cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    out = ""
    deadline = time.time() + 30
    while "Batch: 0" not in out and time.time() < deadline:
        out += p.stdout.readline()
    (root / "data" / "input" / "event_batch_1.csv").write_text("timestamp,user_id,event\n2024-01-01T00:00:02,3,view\n")
    while "|    view|    1|" not in out and "| view|    1|" not in out and time.time() < deadline:
        out += p.stdout.readline()
    p.send_signal(signal.SIGINT)
    rest, _ = p.communicate(timeout=30)
    out += rest
    assert p.returncode == 0
    assert "-------------------------------------------\nBatch: 0\n-------------------------------------------\n+-----+-----+\n|event|count|\n+-----+-----+\n|login|    2|\n+-----+-----+\n" in out
    assert "Batch: 1" in out and "| view|    1|" in out


def test_seed001_socket_example_matches_and_counts_words(tmp_path):
    seed = _seed("001_")
    with open(os.path.join(ROOT, "examples", "seed001", "01_socket_streaming.py"), encoding="utf-8") as f:
        ours = f.read()
    quick_start = _python_blocks(seed)[0]
    assert _lines(quick_start.replace("pyspark.sql", "ember.sql")) == _lines(ours)

    import socket

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", 9999))
    except OSError:
        pytest.skip("port 9999 (the seed's) is busy")
    server.listen(1)
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "examples", "seed001", "01_socket_streaming.py")],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    server.settimeout(30)
    conn, _ = server.accept()
    conn.sendall(b"hello world spark streaming\nhello spark\n")
    out = ""
    deadline = time.time() + 30
    while not ("|    hello|    2|" in out and "|    spark|    2|" in out) and time.time() < deadline:
        out += p.stdout.readline()
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    conn.close()
    server.close()
    assert "|    hello|    2|" in out and "|    spark|    2|" in out


# --- seed 001: the guide's other runnable examples -------------------------------------------------------------

SEED001_DIR = os.path.join(ROOT, "examples", "seed001")
# The guide's foreachBatch example appends to PostgreSQL at jdbc:postgresql://localhost/db; the port reads the URL
# from EMBER_JDBC_URL with that as the default (so the tests can point it at their server): this line is replaced.
SEED001_REPLACED = {
    "07_foreach_sink.py": {
        '        .option("url", "jdbc:postgresql://localhost/db") \\',
    },
    # The guide reads Kafka topics; the port reads JSON files. Its `user_id = user_id` is ambiguous in Spark too
    # (both streams have user_id): the port qualifies the two columns.
    "08_stream_stream_join.py": {
        'clicks = spark.readStream.format("kafka") \\',
        '    .option("subscribe", "clicks") \\',
        'purchases = spark.readStream.format("kafka") \\',
        '    .option("subscribe", "purchases") \\',
        '        expr("user_id = user_id AND purchase_time >= click_time AND purchase_time <= click_time + interval 1 hour"),',
    },
}
# The word each port's comment uses to say why those lines are replaced.
SEED001_REPLACED_WHY = {"07_foreach_sink.py": "JDBC", "08_stream_stream_join.py": "Kafka"}


def _seed_section(seed: str, title: str) -> str:
    """The text of the guide's `### <title>` section."""
    for section in re.split(r"\n(?=### )", seed):
        if section.startswith(f"### {title}"):
            return section
    raise AssertionError(f"section {title!r} not in the seed")


def _seed001_blocks(seed: str, example: str):
    blocks = _python_blocks(_seed_section(seed, example))
    if example == "02_file_streaming.py":
        # The quick start's second example is the same file-streaming example.
        blocks += _python_blocks(_seed_section(seed, "2. File Streaming (CSV)"))
    return blocks


@pytest.mark.parametrize("example", ["02_file_streaming.py", "07_foreach_sink.py", "08_stream_stream_join.py",
                                     "09_trigger_modes.py", "10_monitoring.py"])
def test_seed001_examples_contain_the_guides_code_but_the_import(example):
    seed = _seed("001_")
    with open(os.path.join(SEED001_DIR, example), encoding="utf-8") as f:
        ours = f.read()
    replaced = SEED001_REPLACED.get(example, set())
    blocks = _seed001_blocks(seed, example)
    assert blocks, f"no code for {example} in the seed"
    for block in blocks:
        for line in _lines(block.replace("pyspark.sql", "ember.sql")):
            if line in replaced:
                continue
            assert line in ours, f"seed line missing from {example}: {line!r}"
    for line in replaced:
        assert line not in ours
    if replaced:
        assert SEED001_REPLACED_WHY[example] in ours, "the port says why the guide's lines are replaced"


def _run_example(script: str, *args: str, timeout: float = 120, env_extra=None) -> str:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"), **(env_extra or {}))
    p = subprocess.run([sys.executable, os.path.join(SEED001_DIR, script), *args], env=env, capture_output=True,
                       text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


# ---------------------------------------------------------------------------------------------------------------
# Seed 002: the generator and one script per feature (examples/seed002).

SEED002 = os.path.join(ROOT, "examples", "seed002")
STREAM_SCRIPTS = ("stream_passthrough.py", "stream_tumbling.py", "stream_sliding.py", "stream_watermark.py",
                  "stream_dedup.py", "stream_join.py", "stream_sessions.py")
# Which port holds each of the seed's code blocks, found by a line of the block.
SEED002_BLOCKS = {
    "builder = SparkSession.builder": STREAM_SCRIPTS,
    "def generate_events(": ("data_generator.py",),
    "schema = StructType([": ("stream_passthrough.py",),
    "tumbling = stream_df": ("stream_tumbling.py",),
    "sliding = stream_df": ("stream_sliding.py",),
    "windowed_with_watermark = stream_df": ("stream_watermark.py",),
    "deduplicated = stream_df": ("stream_dedup.py",),
    "users_df = spark.createDataFrame([": ("stream_join.py",),
    "sessions = stream_df": ("stream_sessions.py",),
}
# Seed lines a port changes beyond the imports, each explained in a comment of the port:
# seed line → the line standing in for it (None: left out).
DELTA_SETUP = {
    # ember.delta stands for delta-spark's package; the seed's Delta confs stay as they are.
    "from delta import *": "from ember.delta import *",
}
SEED002_CHANGES = {
    # Delta's sink refuses update mode; without a watermark append is impossible too: complete mode, each batch
    # replacing the table's rows.
    "stream_tumbling.py": {'.outputMode("update") \\': '.outputMode("complete") \\'},
    "stream_sliding.py": {'.outputMode("update") \\': '.outputMode("complete") \\'},
    # Update mode is refused by Delta's sink; with the watermark, append works.
    "stream_watermark.py": {'.outputMode("update") \\': '.outputMode("append") \\'},
    # Update mode is rejected for session windows (and by Delta's sink): append.
    "stream_sessions.py": {'.outputMode("update") \\': '.outputMode("append") \\'},
}


def _port_lines(name: str) -> set:
    with open(os.path.join(SEED002, name), encoding="utf-8") as f:
        return {ln.strip() for ln in f.read().splitlines() if ln.strip()}


def test_seed002_code_matches_the_seed_but_imports():
    seed = _seed("002_")
    checked = set()
    for block in _python_blocks(seed):
        targets = [files for marker, files in SEED002_BLOCKS.items() if marker in block]
        if not targets:
            # The "Common Challenges" one-liners illustrate options; they belong to no script.
            assert len(block.strip().splitlines()) <= 4, f"a seed block has no port:\n{block}"
            continue
        ported = block.replace("pyspark.sql", "ember.sql")
        for name in targets[0]:
            ours = _port_lines(name)
            changes = {**DELTA_SETUP, **SEED002_CHANGES.get(name, {})}
            for line in (ln.strip() for ln in ported.splitlines() if ln.strip()):
                if line in changes:
                    assert line not in ours or name not in SEED002_CHANGES, f"{name}: {line!r} should be changed"
                    if changes[line] is not None:
                        assert changes[line] in ours, f"{name}: {changes[line]!r} missing"
                    continue
                assert line in ours, f"{name}: seed line missing from the port: {line!r}"
            checked.add(name)
    assert checked == set(STREAM_SCRIPTS) | {"data_generator.py"}
    for name in checked:
        with open(os.path.join(SEED002, name), encoding="utf-8") as f:
            text = f.read()
        assert "pyspark" not in text
        if name in STREAM_SCRIPTS:
            assert 'format("delta")' in text and "parquet" not in text, f"{name} should write Delta as the seed does"
    # The generator is the seed's code as it is.
    gen = next(b for b in _python_blocks(seed) if "def generate_events(" in b)
    with open(os.path.join(SEED002, "data_generator.py"), encoding="utf-8") as f:
        assert f.read() == gen


@pytest.fixture(scope="module")
def seed002_project(tmp_path_factory):
    """examples/seed002 with 12 generated batches (100 events each, 10 minutes of event time apart)."""
    import shutil

    root = tmp_path_factory.mktemp("seed002")
    for name in os.listdir(SEED002):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SEED002, name), root)
    out = subprocess.run([sys.executable, "generate_batches.py", "--batches", "12", "--delay", "0.02",
                          "--start", "2024-01-01T12:00:00", "--step-minutes", "10", "--seed", "7"],
                         cwd=root, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "✓ Generated batch 11 (100 events) -> ./input/batch_000011.json" in out
    assert "✓ Generator stopped. Generated 12 batches." in out
    return root


def _input_events(root):
    """The generated events per batch file, in file order, with parsed timestamps."""
    import json
    from datetime import datetime

    batches = []
    for name in sorted(os.listdir(root / "input")):
        with open(root / "input" / name, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        for r in rows:
            r["timestamp"] = datetime.fromisoformat(r["timestamp"])
        batches.append(rows)
    return batches


def _run_script(root, name, timeout=120):
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"), TZ="UTC")
    p = subprocess.run([sys.executable, name], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_seed001_file_streaming_example(tmp_path):
    out = _run_example("02_file_streaming.py", str(tmp_path))
    table = ("+---+-----+-----+\n| id| name|value|\n+---+-----+-----+\n|  1|alice| 10.5|\n|  2|  bob| 20.0|\n"
             "|  3|carol| 7.25|\n|  4| dave|  1.0|\n|  5| erin|  3.5|\n+---+-----+-----+\n")
    assert f"CSV (with header) -> Parquet output/:\n{table}" in out
    assert f"CSV (no header) -> Parquet output/:\n{table}" in out
    assert "isStreaming: True\nroot\n |-- id: integer (nullable = true)\n" in out
    assert "Batch: 0\n-------------------------------------------\n+----+-----------+\n|rows|total_value|\n" \
           "+----+-----------+\n|   5|      42.25|\n" in out
    assert f"Parquet -> JSON output/ with maxFilesPerTrigger=1: 3 batches, rows per batch [2, 2, 1]\n{table}" in out


def _jdbc_env(pg):
    return {"EMBER_JDBC_URL": f"{pg.url}?user={pg.properties['user']}&password={pg.properties['password']}"}


def test_seed001_foreach_sink_example(tmp_path, postgres_server):
    out = _run_example("07_foreach_sink.py", str(tmp_path), env_extra=_jdbc_env(postgres_server))
    assert "== foreachBatch ==\nProcessing batch 0\nProcessing batch 1\nProcessing batch 2\n" in out
    assert "results now holds:\n+--------+--------+------+\n|order_id|category|amount|\n" in out
    assert "|       6|   books|  30.0|\n+--------+--------+------+\n" in out
    assert postgres_server.sql("SELECT count(*), sum(amount) FROM results") == "6|165.49\n"
    # Written twice (by the query and again as a replay), each batch is stored once.
    assert "results_by_batch rows per batch: [(0, 3), (1, 2), (2, 1)]\n" in out
    assert "batch 0: 3 orders, 1 big\nbatch 1: 2 orders, 1 big\nbatch 2: 1 orders, 0 big\nbig_orders/: [2, 5]\n" in out
    assert "order 1: books 12.50\n" in out and "order 6: books 30.00\n" in out
    assert "epoch 0: books=20.50, games=60.00\nepoch 1: games=45.00, music=9.99\nepoch 2: books=30.00\n" in out
    assert "stored batch 0\nThe query failed with a StreamingQueryException; the sink's error is in its message: True\n" \
           "isActive: False | exception() set: True\n" in out
    assert (tmp_path / "all_orders").is_dir()


def test_seed001_realtime_aggregation_pattern_example(tmp_path, postgres_server):
    out = _run_example("pattern_realtime_aggregation.py", str(tmp_path), env_extra=_jdbc_env(postgres_server))
    assert "aggregations (windows closed by the watermark):\n" in out
    # Windows end by 12:25 are closed by the last file's watermark (12:44 - 10 min = 12:34) and written once.
    rows = postgres_server.sql("SELECT to_char(window_start, 'HH24:MI'), category, count, total_amount, avg_amount "
                               "FROM aggregations ORDER BY window_start, category")
    assert rows == ("12:00|books|2|15|7.5\n12:00|games|1|30|30\n12:05|books|1|7.5|7.5\n12:10|games|2|60|30\n"
                    "12:20|music|1|9|9\n")
    assert "|2024-01-01 12:10:00|2024-01-01 12:15:00|games   |2    |60.0        |30.0      |" in out


@pytest.fixture(scope="module")
def trigger_modes_output(tmp_path_factory):
    return _run_example("09_trigger_modes.py", str(tmp_path_factory.mktemp("trigger_modes")))


def test_seed001_trigger_modes_example(trigger_modes_output):
    out = trigger_modes_output
    assert "== Default: as fast as possible ==\n3 batches, rows per batch [2, 2, 2]\n" in out
    assert re.search(r"== Fixed interval ==\n2 batches in \d+ s, one file each: rows per batch \[2, 2\]\n", out)
    assert "== Once: single batch then stop ==\nstopped by itself (isActive=False); 1 batch, rows per batch" in out
    assert "Batch: 2\n-------------------------------------------\n+----+-----+\n|file| word|\n" in out
    assert "stopped by itself (isActive=False); 3 batches, rows per batch [2, 2, 2]\n" in out
    assert "received some rows from the rate source; the first ones: [0, 1, 2, 3, 4]\n" in out


def test_seed001_trigger_once_reads_everything_available(trigger_modes_output):
    assert "1 batch, rows per batch [6]\n" in trigger_modes_output


def test_seed001_monitoring_example():
    out = _run_example("10_monitoring.py")
    assert "isStreaming: True\nroot\n |-- timestamp: timestamp (nullable = true)\n |-- value: long (nullable = true)\n" in out
    assert "\nactive queries: ['parity_counts', 'raw_rows']\nstatus: {'message': " in out
    assert re.search(r"recent progress \(batchId, numInputRows\): \[\(0, \d+\), \(1, \d+\), \(2, \d+\)", out)
    assert re.search(r"input rate: [\d.]+ rows/s, processing rate: [\d.]+ rows/s\n  batch duration: \d+ ms", out)
    assert "  state store stateStoreSave: 2 rows, 2 updated\n" in out
    assert re.search(r"\|parity\|count\|\n\+------\+-----\+\n\|     0\|\s+\d+\|\n\|     1\|\s+\d+\|\n", out)
    assert "after stop: isActive = False | status: Stopped\nstill active: ['raw_rows']\n" in out
    assert "active after stopping both: []\nlistener: started ['parity_counts', 'raw_rows']\n" in out
    counts = re.search(r"listener: progress reports per query \{'parity_counts': (\d+), 'raw_rows': (\d+)\}\n", out)
    assert counts and int(counts.group(1)) >= 3 and int(counts.group(2)) >= 1
    assert out.endswith("listener: terminated 2 queries, exceptions: [None, None]\n")


# --- seed 004: streaming word count (file, window and socket modes), its data generator and run script -------

SEED004_DIR = os.path.join(ROOT, "examples", "seed004")


def _seed004_copy(tmp_path):
    """The example directory (its scripts and input/ samples) in a scratch directory, as a user would run it."""
    import shutil

    root = tmp_path / "seed004"
    shutil.copytree(SEED004_DIR, root, ignore=shutil.ignore_patterns("output*", "checkpoint*", "__pycache__"))
    return root


def _env():
    return dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"))


def _word_counts(directory):
    """What the word count should say about the text files in `directory`."""
    from collections import Counter

    counts = Counter()
    for name in os.listdir(directory):
        if name.endswith(".txt"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                counts.update(w for w in re.split(r"[^a-z0-9']+", f.read().lower()) if w)
    return dict(counts)


def _read_until(p, out, done, timeout=60):
    deadline = time.time() + timeout
    while not done(out) and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        out += line
    return out


def _parquet_counts(path, key=("word",)):
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(str(path)).to_pylist()
    except Exception:
        return None
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r["count"] for r in table}


def test_seed004_file_mode_counts_new_files_and_saves_parquet(tmp_path):
    root = _seed004_copy(tmp_path)
    p = subprocess.Popen([sys.executable, "streaming_wordcount.py", "file", "input/", "output/", "1"], cwd=root,
                         env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = _read_until(p, "", lambda o: "only showing top 20 rows" in o)
        # The samples' counts, most frequent first, as the README shows them (left-aligned, not truncated).
        assert "File stream mode: watching input/, saving counts to output/, trigger every 1 seconds\n" in out
        assert ("Batch: 0\n-------------------------------------------\n+------------+-----+\n|word        |count|\n"
                "+------------+-----+\n|spark       |5    |\n|data        |4    |\n|processing  |4    |\n"
                "|streaming   |4    |\n|is          |3    |\n") in out
        gen = subprocess.run([sys.executable, "data_generator.py", "single", "input/", "4"], cwd=root, env=_env(),
                             capture_output=True, text=True, timeout=30)
        assert gen.returncode == 0 and re.match(r"Generated input/data_\S+\.txt \(4 lines\)\n", gen.stdout), gen.stdout
        out = _read_until(p, out, lambda o: "Batch: 1\n" in o)
        assert "Batch: 1\n" in out
        expected = _word_counts(root / "input")
        deadline = time.time() + 30
        while _parquet_counts(root / "output") != expected and time.time() < deadline:
            time.sleep(0.2)
        assert _parquet_counts(root / "output") == expected
    finally:
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out + rest
    assert rest.endswith("Interrupted, stopping\nStopped\n")


def test_seed004_socket_mode(tmp_path):
    import socket

    root = _seed004_copy(tmp_path)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(30)
    port = server.getsockname()[1]
    p = subprocess.Popen([sys.executable, "streaming_wordcount.py", "socket", "127.0.0.1", str(port)], cwd=root,
                         env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        conn, _ = server.accept()
        conn.sendall(b"Hello Spark, hello streaming!\nspark streaming counts words\n")
        table = ("+---------+-----+\n|word     |count|\n+---------+-----+\n|hello    |2    |\n|spark    |2    |\n"
                 "|streaming|2    |\n|counts   |1    |\n|words    |1    |\n+---------+-----+\n")
        out = _read_until(p, "", lambda o: table in o)
        assert f"Socket mode: reading lines from 127.0.0.1:{port}\n" in out
        assert table in out
        conn.sendall(b"more words\n")
        out = _read_until(p, out, lambda o: "|more     |1    |\n" in o)
        assert "|streaming|2    |\n|words    |2    |\n|counts   |1    |\n|more     |1    |\n" in out
        conn.close()
    finally:
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=30)
        server.close()
    assert p.returncode == 0, out + rest


def test_seed004_window_mode_ends_by_itself_with_timeout(tmp_path):
    root = _seed004_copy(tmp_path)
    p = subprocess.run([sys.executable, "streaming_wordcount.py", "window", "input/", "output/", "1 minute",
                        "30 seconds", "--timeout", "8"], cwd=root, env=_env(), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert out.startswith("Window mode: watching input/, window 1 minute sliding every 30 seconds\n")
    assert "|window_start       |window_end         |word        |count|\n" in out
    assert out.endswith("Stopped\n")
    # Every word falls into two 1-minute windows sliding by 30 seconds; the counts are the samples' counts.
    from datetime import timedelta

    saved = _parquet_counts(root / "output", key=("window_start", "window_end", "word"))
    expected = _word_counts(root / "input")
    assert saved and {end - start for start, end, _ in saved} == {timedelta(minutes=1)}
    starts = sorted({start for start, _, _ in saved})
    assert len(starts) == 2 and starts[1] - starts[0] == timedelta(seconds=30)
    for start in starts:
        assert {w: c for (s, _, w), c in saved.items() if s == start} == expected
    rows = re.findall(r"^\|(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\|(\S+ \S+)\s*\|(\S+)\s*\|(\d+)\s*\|$", out, re.M)
    # The console shows 50 rows (numRows) of the 2 * len(expected).
    assert len(rows) == 50 and "only showing top 50 rows\n" in out
    assert all(int(c) == expected[w] for _, _, w, c in rows)


def test_seed004_data_generator_modes(tmp_path):
    def run(*args):
        p = subprocess.run([sys.executable, os.path.join(SEED004_DIR, "data_generator.py"), *args], cwd=tmp_path,
                           env=_env(), capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    out = run("single", "single/", "3")
    [name] = os.listdir(tmp_path / "single")
    assert len((tmp_path / "single" / name).read_text().splitlines()) == 3 and "(3 lines)" in out
    out = run("batch", "batch/", "3", "0.1")
    assert len(os.listdir(tmp_path / "batch")) == 3 and out.endswith("Done: 3 file(s)\n")
    out = run("continuous", "cont/", "0.2", "0.5", "2")
    rounds = int(re.search(r"Done: (\d+) round\(s\), (\d+) file\(s\)", out).group(1))
    assert rounds >= 2 and len(os.listdir(tmp_path / "cont")) == 2 * rounds
    # No hidden temporary files are left behind.
    assert not [n for d in ("single", "batch", "cont") for n in os.listdir(tmp_path / d) if n.startswith(".")]


def test_seed004_run_script_help_and_file_mode(tmp_path):
    root = _seed004_copy(tmp_path)
    env = dict(_env(), PYTHON=sys.executable)
    p = subprocess.run(["bash", "run_streaming.sh", "-h"], cwd=root, env=env, capture_output=True, text=True)
    assert p.returncode == 0
    for flag in ("-m MODE", "-i DIR", "-o DIR", "-t SECONDS", "-w DURATION", "-s DURATION", "--host HOST",
                 "--port PORT", "-h, --help"):
        assert flag in p.stdout
    # File mode with the generator writing a file every second; WORDCOUNT_TIMEOUT ends the run.
    env.update(WORDCOUNT_TIMEOUT="8", GENERATOR_INTERVAL="1")
    p = subprocess.run(["bash", "run_streaming.sh", "-m", "file", "-i", "input/", "-o", "output/", "-t", "1"],
                       cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Starting the data generator" in p.stdout and "Generated input/data_" in p.stdout
    assert "Batch: 0\n" in p.stdout and "Batch: 1\n" in p.stdout and p.stdout.rstrip().endswith("Stopped")
    assert _parquet_counts(root / "output")["spark"] >= 5


def _read_parquet_rows(path):
    """The rows of a parquet directory as dicts, read with pyarrow (not ember); timestamps naive UTC."""
    import pyarrow.parquet as pq

    return _naive_rows(pq.read_table(str(path)).to_pylist())


def _read_delta_rows(path):
    """The rows of a Delta table's latest version as dicts, read with delta-rs (not ember); timestamps naive UTC."""
    import deltalake

    return _naive_rows(deltalake.DeltaTable(str(path)).to_pyarrow_table().to_pylist())


def _naive_rows(rows):
    from datetime import timezone

    def naive(v):
        if hasattr(v, "to_pydatetime"):  # INT96 timestamps (Spark's default) come back as pandas Timestamps
            v = v.to_pydatetime()
        if hasattr(v, "tzinfo") and v.tzinfo is not None:
            return v.astimezone(timezone.utc).replace(tzinfo=None)
        if isinstance(v, dict):
            return {k: naive(x) for k, x in v.items()}
        return v

    return [{k: naive(v) for k, v in r.items()} for r in rows]


def _windows(ts, size_min, slide_min):
    """Spark's windows [start, end) containing ts, aligned to the epoch."""
    from datetime import datetime, timedelta

    epoch = datetime(1970, 1, 1)
    size, slide = timedelta(minutes=size_min), timedelta(minutes=slide_min)
    last_start = ts - (ts - epoch) % slide
    out = []
    start = last_start
    while start + size > ts:
        out.append((start, start + size))
        start -= slide
    return out


def _watermarked(batches, delay, late_key):
    """Spark's watermark over micro-batches of one file each: rows whose `late_key(row)` is at or before the
    previous batch's watermark are dropped; returns the kept rows and the final watermark."""
    from datetime import datetime

    epoch = datetime(1970, 1, 1)
    wm_prev = wm = epoch
    latest = None
    kept = []
    for rows in batches:
        kept += [r for r in rows if late_key(r) > wm_prev]
        latest = max([latest] + [r["timestamp"] for r in rows] if latest else [r["timestamp"] for r in rows])
        wm_prev, wm = wm, max(wm, latest - delay)
    return kept, wm


def test_seed002_generator_stops_and_writes_json_lines(seed002_project):
    batches = _input_events(seed002_project)
    assert len(batches) == 12 and all(len(b) == 100 for b in batches)
    assert batches[3][0]["event_id"] == "3_0"
    assert {r["event_type"] for b in batches for r in b} == {"click", "view", "purchase", "add_to_cart"}


def test_seed002_passthrough_writes_every_event(seed002_project):
    out = _run_script(seed002_project, "stream_passthrough.py")
    assert "✓ Streaming query started" in out and "✓ Processed 1200 events" in out
    rows = _read_delta_rows(seed002_project / "data" / "events")
    want = {r["event_id"]: r for b in _input_events(seed002_project) for r in b}
    assert len(rows) == 1200 and {r["event_id"]: r for r in rows} == want


@pytest.mark.parametrize("script,table,size,slide,sums", [
    ("stream_tumbling.py", "tumbling_aggregates", 5, 5, True),
    ("stream_sliding.py", "sliding_aggregates", 5, 1, False),
])
def test_seed002_window_tables_hold_every_window(seed002_project, script, table, size, slide, sums):
    out = _run_script(seed002_project, script)
    from collections import defaultdict

    want = defaultdict(list)
    for r in (r for b in _input_events(seed002_project) for r in b):
        for w in _windows(r["timestamp"], size, slide):
            want[(w, r["event_type"])].append(r["value"])
    rows = _read_delta_rows(seed002_project / "data" / table)
    got = {((r["window"]["start"], r["window"]["end"]), r["event_type"]): r for r in rows}
    assert set(got) == set(want) and len(rows) == len(want)
    for key, values in want.items():
        assert got[key]["event_count"] == len(values)
        assert got[key]["avg_value"] == pytest.approx(sum(values) / len(values), rel=1e-12)
        if sums:
            assert got[key]["total_value"] == pytest.approx(sum(values), rel=1e-12)
    assert f"✓ {len(want)} (window, event_type) rows" in out


def test_seed002_watermark_writes_windows_once_final(seed002_project):
    from collections import defaultdict
    from datetime import timedelta

    out = _run_script(seed002_project, "stream_watermark.py")
    batches = _input_events(seed002_project)
    ends = lambda r: _windows(r["timestamp"], 5, 5)[0][1]  # noqa: E731
    kept, final_wm = _watermarked(batches, timedelta(minutes=10), ends)
    want = defaultdict(list)
    for r in kept:
        if ends(r) <= final_wm:
            want[(_windows(r["timestamp"], 5, 5)[0], r["event_type"])].append(r["value"])
    rows = _read_delta_rows(seed002_project / "data" / "watermarked_aggregates")
    got = {((r["window"]["start"], r["window"]["end"]), r["event_type"]): r for r in rows}
    assert want and len(rows) == len(got) == len(want)  # each window written once
    for key, values in want.items():
        assert got[key]["event_count"] == len(values)
        assert got[key]["avg_value"] == pytest.approx(sum(values) / len(values), rel=1e-12)
    assert f"✓ {len(want)} final windows written, {sum(map(len, batches)) - len(kept)} late rows dropped" in out
    assert f"✓ Watermark now {final_wm.isoformat()}.000Z" in out


def test_seed002_dedup_keeps_each_event_once(seed002_project):
    from datetime import timedelta

    out = _run_script(seed002_project, "stream_dedup.py")
    kept, _ = _watermarked(_input_events(seed002_project), timedelta(hours=1), lambda r: r["timestamp"])
    rows = _read_delta_rows(seed002_project / "data" / "deduplicated_events")
    assert sorted(r["event_id"] for r in rows) == sorted(r["event_id"] for r in kept)
    assert f"✓ {len(kept)} distinct events written" in out


def test_seed002_join_enriches_known_users(seed002_project):
    out = _run_script(seed002_project, "stream_join.py")
    users = {1: ("Alice", "Premium"), 2: ("Bob", "Standard"), 3: ("Charlie", "Premium")}
    want = sorted((r["event_id"], *users[r["user_id"]]) for b in _input_events(seed002_project) for r in b
                  if r["user_id"] in users)
    rows = _read_delta_rows(seed002_project / "data" / "enriched_events")
    assert want and sorted((r["event_id"], r["name"], r["tier"]) for r in rows) == want
    assert list(rows[0])[:2] == ["user_id", "event_id"]  # the join key first, as in Spark
    assert f"✓ {len(want)} events of known users written" in out


def test_seed002_sessions_are_written_when_closed(seed002_project):
    from collections import defaultdict
    from datetime import timedelta

    out = _run_script(seed002_project, "stream_sessions.py")
    gap = timedelta(minutes=30)
    kept, final_wm = _watermarked(_input_events(seed002_project), timedelta(hours=1), lambda r: r["timestamp"])
    by_user = defaultdict(list)
    for r in kept:
        by_user[r["user_id"]].append(r)
    want = {}
    for user, rows in by_user.items():
        rows.sort(key=lambda r: r["timestamp"])
        session = None
        for r in rows:
            if session and r["timestamp"] <= session["end"]:
                session["end"] = max(session["end"], r["timestamp"] + gap)
                session["rows"].append(r)
            else:
                session = {"start": r["timestamp"], "end": r["timestamp"] + gap, "rows": [r]}
                want.setdefault(user, []).append(session)
    closed = {(user, s["start"], s["end"]): s["rows"] for user, ss in want.items() for s in ss if s["end"] <= final_wm}
    rows = _read_delta_rows(seed002_project / "data" / "user_sessions")
    got = {(r["user_id"], r["session_window"]["start"], r["session_window"]["end"]): r for r in rows}
    assert closed and len(rows) == len(got) and set(got) == set(closed)
    for key, members in closed.items():
        assert got[key]["events_in_session"] == len(members)
        assert got[key]["session_value"] == pytest.approx(sum(r["value"] for r in members), rel=1e-12)
    assert f"✓ {len(closed)} closed sessions written" in out


# ---------------------------------------------------------------------------------------------------------------
# Seed 001, examples 04 (windowing) and 05 (watermarking): the seed's lines, made runnable on sample files.

SEED001 = os.path.join(ROOT, "examples", "seed001")


def _seed001_port(name: str) -> set:
    with open(os.path.join(SEED001, name), encoding="utf-8") as f:
        return {ln.strip() for ln in f.read().splitlines() if ln.strip()}


@pytest.mark.parametrize("name,markers", [
    ("04_windowing.py", ("windowed_counts = df", "session_window(col(")),
    ("05_watermarking.py", ("df_with_watermark = df",)),
])
def test_seed001_windowing_examples_hold_the_seed_lines(name, markers):
    blocks = _python_blocks(_seed("001_"))
    ours = _seed001_port(name)
    for marker in markers:
        block = next(b for b in blocks if marker in b)
        for line in (ln.strip() for ln in block.replace("pyspark.sql", "ember.sql").splitlines() if ln.strip()):
            # The session_window snippet is an expression: the port passes it to groupBy, with a comma after it.
            assert line in ours or line + "," in ours, f"{name}: seed line missing: {line!r}"
    assert not any("pyspark" in ln for ln in ours)


def _console_tables(out: str):
    """Console-sink output as [(batch id, rows)], each row the list of its cells."""
    tables = []
    for m in re.finditer(r"-{43}\nBatch: (\d+)\n-{43}\n((?:[+|].*\n)+)", out):
        lines = [ln for ln in m.group(2).splitlines() if ln.startswith("|")]
        rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[1:]]
        tables.append((int(m.group(1)), [lines[0]] + sorted(map(tuple, rows))))
    return tables


def _run_windowing_example(path, cwd, pyspark=False, timeout=120):
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"), TZ="UTC")
    if pyspark:
        # Spark's 200 shuffle partitions make each stateful micro-batch take seconds; the results do not depend on it.
        env["PYSPARK_SUBMIT_ARGS"] = ("--master local[2] --conf spark.sql.shuffle.partitions=2 "
                                      "--conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false pyspark-shell")
        with open(path, encoding="utf-8") as f:
            code = f.read().replace("ember.sql", "pyspark.sql")
        path = os.path.join(cwd, "pyspark_" + os.path.basename(path))
        with open(path, "w", encoding="utf-8") as f:
            f.write(code)
    p = subprocess.run([sys.executable, path], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_seed001_windowing_example_runs(tmp_path):
    out = _run_windowing_example(os.path.join(SEED001, "04_windowing.py"), tmp_path)
    tables = _console_tables(out)
    assert [t[0] for t in tables] == [0, 1] * 3
    # After both files: tumbling, sliding and session windows of users 1 and 2.
    assert "|{2024-01-01 12:00:00, 2024-01-01 12:05:00}|1      |2    |" in out
    assert "|{2024-01-01 11:55:00, 2024-01-01 12:05:00}|1      |2    |" in out
    assert "|{2024-01-01 12:00:30, 2024-01-01 12:11:00}|1      |3    |" in out
    assert out.index("=== Tumbling windows ===") < out.index("=== Sliding windows ===") < \
        out.index("=== Session windows ===")


def test_seed001_watermarking_example_drops_the_late_event(tmp_path):
    out = _run_windowing_example(os.path.join(SEED001, "05_watermarking.py"), tmp_path)
    tables = _console_tables(out)
    assert [t[0] for t in tables] == [0, 1, 2, 3]
    assert tables[1][1][1:] == [("{2024-01-01 12:00:00, 2024-01-01 12:05:00}", "1", "2"),
                                ("{2024-01-01 12:00:00, 2024-01-01 12:05:00}", "2", "1")]
    assert len(tables[3][1]) == 6 and tables[2][1][1:] == []
    assert "Batch 1: watermark 2024-01-01T12:05:00.000Z, 2 rows read, 0 dropped as too late" in out
    assert "Batch 2: watermark 2024-01-01T12:05:00.000Z, 3 rows read, 1 dropped as too late" in out
    assert "Batch 3: watermark 2024-01-01T12:21:00.000Z, 0 rows read, 0 dropped as too late" in out


def test_seed001_stream_stream_join_example_releases_unmatched_rows(tmp_path):
    out = _run_windowing_example(os.path.join(SEED001, "08_stream_stream_join.py"), tmp_path)
    sections = {m.group(1): m.group(2) for m in re.finditer(r"=== (\w+) ===\n(.*?)(?==== |\Z)", out, re.S)}
    assert list(sections) == ["inner", "leftOuter", "rightOuter", "fullOuter"]
    tables = {how: _console_tables(text) for how, text in sections.items()}
    match = [("1", "2024-01-01 12:00:00", "1", "2024-01-01 12:20:00")]
    assert all(t[0][1][1:] == match for t in tables.values())
    # Clicks of users 2 and 3 never matched: released null-padded once the watermark passed 13:10 (batch 2).
    unmatched_clicks = [("2", "2024-01-01 12:05:00", "NULL", "NULL"), ("3", "2024-01-01 12:10:00", "NULL", "NULL")]
    assert tables["inner"][2][1][1:] == []
    assert tables["leftOuter"][2][1][1:] == unmatched_clicks
    assert tables["rightOuter"][2][1][1:] == [("NULL", "NULL", "2", "2024-01-01 14:05:00")]
    assert tables["fullOuter"][2][1][1:] == sorted(unmatched_clicks + [("NULL", "NULL", "2", "2024-01-01 14:05:00")])
    assert "Batch 2: watermark 2024-01-01T14:50:00.000Z, 2 rows buffered in the join's state" in out


@pytest.mark.parametrize("name", ["04_windowing.py", "05_watermarking.py", "08_stream_stream_join.py"])
def test_seed001_windowing_examples_print_what_pyspark_prints(name, tmp_path):
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed")
    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    (tmp_path / "ember").mkdir()
    (tmp_path / "pyspark").mkdir()
    ours = _run_windowing_example(os.path.join(SEED001, name), tmp_path / "ember")
    theirs = _run_windowing_example(os.path.join(SEED001, name), tmp_path / "pyspark", pyspark=True, timeout=300)
    assert _console_tables(ours) == _console_tables(theirs)
    assert [ln for ln in ours.splitlines() if ln.startswith(("Batch ", "==="))] == \
        [ln for ln in theirs.splitlines() if ln.startswith(("Batch ", "==="))]


def test_seed002_output_modes_the_ports_change_are_rejected_as_the_comments_say(spark, tmp_path):
    """The seed's `outputMode("update")` on its (parquet) sinks raises what the scripts' comments quote."""
    import ember.sql.functions as F
    from ember.errors import AnalysisException

    df = spark.readStream.schema("timestamp TIMESTAMP, user_id INT, event_type STRING, value DOUBLE") \
        .json(str(tmp_path))
    tumbling = df.groupBy(F.window(F.col("timestamp"), "5 minutes"), F.col("event_type")).agg(F.count("*"))
    watermarked = df.withWatermark("timestamp", "10 minutes") \
        .groupBy(F.window(F.col("timestamp"), "5 minutes"), F.col("event_type")).agg(F.count("*"))
    sessions = df.withWatermark("timestamp", "1 hour") \
        .groupBy(F.session_window(F.col("timestamp"), "30 minutes"), F.col("user_id")).agg(F.count("*"))
    cases = [(tumbling, "parquet", "STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE"),
             (watermarked, "parquet", "STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE"),
             (sessions, "parquet", "STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE"),
             (sessions, "console", "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION")]
    for query, fmt, condition in cases:
        with pytest.raises(AnalysisException) as err:
            query.writeStream.format(fmt).outputMode("update") \
                .option("checkpointLocation", str(tmp_path / "ck")).start(str(tmp_path / "out"))
        assert err.value.getCondition() == condition
    assert "session window" in str(err.value)
    # Without a watermark, append is refused too: hence complete mode for the tumbling and sliding tables.
    with pytest.raises(AnalysisException) as err:
        tumbling.writeStream.format("parquet").outputMode("append") \
            .option("checkpointLocation", str(tmp_path / "ck")).start(str(tmp_path / "out"))
    assert err.value.getCondition() == "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION"
