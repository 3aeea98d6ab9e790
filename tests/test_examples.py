"""The ported seed scripts: they differ from the seeds only in the import line, and they run."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The seeds live in /work/shared beside the main checkout, two levels up from a worktree in /work/wt/<name>.
SEEDS = next((d for d in (os.path.join(ROOT, "..", "shared", "seeds"), os.path.join(ROOT, "..", "..", "shared", "seeds"))
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
# The guide's foreachBatch example appends to PostgreSQL over JDBC; the port appends to a local Parquet directory
# (see the comment in 07_foreach_sink.py), so these three lines are replaced.
SEED001_REPLACED = {
    "07_foreach_sink.py": {
        '        .format("jdbc") \\',
        '        .option("url", "jdbc:postgresql://localhost/db") \\',
        '        .option("dbtable", "results") \\',
    },
}


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


@pytest.mark.parametrize("example", ["02_file_streaming.py", "07_foreach_sink.py", "09_trigger_modes.py",
                                     "10_monitoring.py"])
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
        assert "JDBC" in ours, "the port says why the JDBC write is replaced"


def _run_example(script: str, *args: str, timeout: float = 120) -> str:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, os.path.join(SEED001_DIR, script), *args], env=env, capture_output=True,
                       text=True, timeout=timeout)
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


def test_seed001_foreach_sink_example(tmp_path):
    out = _run_example("07_foreach_sink.py", str(tmp_path))
    assert "== foreachBatch ==\nProcessing batch 0\nProcessing batch 1\nProcessing batch 2\n" in out
    assert "results/ now holds:\n+--------+--------+------+\n|order_id|category|amount|\n" in out
    assert "|       6|   books|  30.0|\n+--------+--------+------+\n" in out
    assert "batch 0: 3 orders, 1 big\nbatch 1: 2 orders, 1 big\nbatch 2: 1 orders, 0 big\nbig_orders/: [2, 5]\n" in out
    assert "order 1: books 12.50\n" in out and "order 6: books 30.00\n" in out
    assert "epoch 0: books=20.50, games=60.00\nepoch 1: games=45.00, music=9.99\nepoch 2: books=30.00\n" in out
    assert "stored batch 0\nThe query failed with a StreamingQueryException; the sink's error is in its message: True\n" \
           "isActive: False | exception() set: True\n" in out
    assert (tmp_path / "results").is_dir() and (tmp_path / "all_orders").is_dir()


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
