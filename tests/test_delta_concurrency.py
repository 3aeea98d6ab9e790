"""Delta's optimistic concurrency between processes: each commit `_delta_log/N.json` is created exclusively, a
blind append that loses the race for a version retries on top of the winner, and an overwrite whose commit races
an append into what it replaces fails with Delta's ConcurrentAppendException (checked with `deltalake`, the
oracle, that the log stays a valid table). The race is made deterministic with ember's commit failpoint
(EMBER_DELTA_PAUSE_BEFORE_COMMIT): the overwriting process waits after reading its snapshot and writing its files
until the test lets it commit."""
import json
import os
import subprocess
import sys
import time

import pytest

deltalake = pytest.importorskip("deltalake")

HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "helpers", "delta_writer.py")


def _env(**extra):
    return dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(HERE), "python"), **extra)


def _writer(table, mode, rows, replace_where="", repeat=1, start="", **env):
    return subprocess.Popen([sys.executable, WRITER, str(table), mode, json.dumps(rows), replace_where, str(repeat),
                             str(start)], env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(p):
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    return out.splitlines()


def _rows(path):
    t = deltalake.DeltaTable(str(path)).to_pyarrow_table()
    return sorted(tuple(r.values()) for r in t.to_pylist())


def _wait_for(path, p):
    while not os.path.exists(path):
        assert p.poll() is None, p.communicate()
        time.sleep(0.02)


def test_two_processes_appending_at_once_both_commit_every_write(tmp_path):
    table = tmp_path / "t"
    assert _finish(_writer(table, "append", [[0, "a"]])) == ["ok"]
    start = tmp_path / "go"
    n = 15
    a = _writer(table, "append", [[1, "a"]], repeat=n, start=start)
    b = _writer(table, "append", [[2, "b"]], repeat=n, start=start)
    start.write_text("")
    assert _finish(a) == ["ok"] * n
    assert _finish(b) == ["ok"] * n
    dt = deltalake.DeltaTable(str(table))
    assert dt.version() == 2 * n
    expected = [(0, "a")] + [(1 + i * 1000, "a") for i in range(n)] + [(2 + i * 1000, "b") for i in range(n)]
    assert _rows(table) == sorted(expected)
    log = sorted(f for f in os.listdir(table / "_delta_log") if f.endswith(".json"))
    assert log == [f"{v:020}.json" for v in range(2 * n + 1)]
    for f in log:  # every commit whole: one JSON action per line, a commitInfo each
        actions = [json.loads(line) for line in (table / "_delta_log" / f).read_text().splitlines()]
        assert sum("commitInfo" in a for a in actions) == 1
    # No temporary commit file left behind by a writer that lost a race.
    assert [f for f in os.listdir(table / "_delta_log") if f.endswith(".tmp")] == []
    # Whichever process committed versions 10, 20 and 30 checkpointed them; the last one alone rebuilds the table.
    checkpoints = sorted(f for f in os.listdir(table / "_delta_log") if f.endswith(".checkpoint.parquet"))
    assert checkpoints == [f"{v:020}.checkpoint.parquet" for v in (10, 20, 30)]
    for v in range(30):
        (table / "_delta_log" / f"{v:020}.json").unlink()
    assert _rows(table) == sorted(expected)


def _paused_overwrite(tmp_path, table, replace_where):
    release = tmp_path / "release"
    p = _writer(table, "overwrite", [[10, "a"]], replace_where, EMBER_DELTA_PAUSE_BEFORE_COMMIT=str(release))
    _wait_for(str(release) + ".paused", p)
    return p, release


def test_an_overwrite_racing_an_append_into_its_partition_fails_with_concurrent_append(tmp_path):
    table = tmp_path / "t"
    assert _finish(_writer(table, "append", [[1, "a"], [2, "b"]])) == ["ok"]
    overwrite, release = _paused_overwrite(tmp_path, table, "p = 'a'")
    # Another process appends into partition a between the overwrite's read and its commit.
    assert _finish(_writer(table, "append", [[3, "a"]])) == ["ok"]
    release.write_text("")
    [line] = _finish(overwrite)
    assert line.startswith("error ConcurrentAppendException [DELTA_CONCURRENT_APPEND] ConcurrentAppendException: "
                           "Files were added to partition [p=a] by a concurrent update. Please try the operation "
                           "again. Conflicting commit: {"), line
    # The winner's commitInfo is quoted, as Delta does.
    assert '"operation":"WRITE"' in line and '"isBlindAppend":true' in line, line
    # The log holds the append and nothing of the failed overwrite.
    assert deltalake.DeltaTable(str(table)).version() == 1
    assert _rows(table) == [(1, "a"), (2, "b"), (3, "a")]


def test_a_whole_table_overwrite_racing_an_append_fails_and_the_append_is_kept(tmp_path):
    table = tmp_path / "t"
    assert _finish(_writer(table, "append", [[1, "a"]])) == ["ok"]
    overwrite, release = _paused_overwrite(tmp_path, table, "")
    assert _finish(_writer(table, "append", [[3, "b"]])) == ["ok"]
    release.write_text("")
    [line] = _finish(overwrite)
    assert line.startswith("error ConcurrentAppendException "), line
    assert _rows(table) == [(1, "a"), (3, "b")]


def test_an_overwrite_racing_an_append_elsewhere_retries_and_commits(tmp_path):
    table = tmp_path / "t"
    assert _finish(_writer(table, "append", [[1, "a"], [2, "b"]])) == ["ok"]
    overwrite, release = _paused_overwrite(tmp_path, table, "p = 'a'")
    # An append into partition b does not touch what the overwrite replaces: it commits on top of it.
    assert _finish(_writer(table, "append", [[3, "b"]])) == ["ok"]
    release.write_text("")
    assert _finish(overwrite) == ["ok"]
    dt = deltalake.DeltaTable(str(table))
    assert dt.version() == 2
    assert _rows(table) == [(2, "b"), (3, "b"), (10, "a")]

