"""The ported seed scripts: they differ from the seeds only in the import line, and they run."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "..", "shared", "seeds")


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
