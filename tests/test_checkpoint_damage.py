"""Damaged checkpoints: every kind of damage either recovers correctly (as Spark does for a batch written ahead but
not committed) or fails the restart with an error naming the damaged file and what to do; never a silently wrong
result (rows read twice or skipped) and never a crash."""
import os
import re

import pytest

from ember.errors import PySparkException

ROWS_PER_FILE = 2


def _put(inp, i):
    (inp / f"f{i}.csv").write_text(f"{i}\n{i + 100}\n")
    os.utime(inp / f"f{i}.csv", (1_700_000_000 + i, 1_700_000_000 + i))


def _run(spark, inp, ck):
    """Run to the end of the input (availableNow, a file per batch); the count of all rows the query has seen."""
    counts = []
    q = (spark.readStream.schema("v INT").option("maxFilesPerTrigger", 1).csv(str(inp)).groupBy().count()
         .writeStream.outputMode("complete").option("checkpointLocation", ck)
         .foreachBatch(lambda df, _: counts.extend(r[0] for r in df.collect()))
         .trigger(availableNow=True).start())
    q.awaitTermination(60)
    return counts[-1] if counts else None


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def _newest_state_file(ck):
    d = os.path.join(ck, "state", "0", "0")
    return os.path.join(d, max(os.listdir(d), key=lambda n: int(n.split(".")[0])))


def _truncate_half(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def _set_offset(ck, value):
    with open(f"{ck}/offsets/2") as f:
        lines = f.read().splitlines()
    lines[-1] = value
    _write(f"{ck}/offsets/2", ("\n".join(lines) + "\n").encode())


# (damage, what it does to the checkpoint after batches 0-2, None = recovers / regex of the error naming the file)
DAMAGE = [
    ("uncommitted last batch", lambda ck: os.remove(f"{ck}/commits/2"), None),
    ("offsets deleted, commit kept", lambda ck: os.remove(f"{ck}/offsets/2"), r"commits/2 but no \S*offsets/2"),
    ("last source log entry deleted", lambda ck: os.remove(f"{ck}/sources/0/2"),
     r"file source log has no entry 2 .*checkpoint directory \S*sources/0"),
    ("middle source log entry deleted", lambda ck: os.remove(f"{ck}/sources/0/1"),
     r"file source log is missing entry 1 .*checkpoint directory \S*sources/0"),
    ("huge offset", lambda ck: _set_offset(ck, '{"logOffset":999999}'), r"file source log has no entry 3"),
    ("negative offset", lambda ck: _set_offset(ck, '{"logOffset":-5}'), r"offset .* covers no batch"),
    ("offsets not utf-8", lambda ck: _write(f"{ck}/offsets/2", b"v1\n\xff\xfe\n"), r"offsets/2 is corrupt: it is not UTF-8"),
    ("commits not utf-8", lambda ck: _write(f"{ck}/commits/2", b"v1\n\xff\n"), r"commits/2 is corrupt: it is not UTF-8"),
    ("metadata not utf-8", lambda ck: _write(f"{ck}/metadata", b"\xff"), r"metadata is corrupt: it is not UTF-8"),
    ("source log not utf-8", lambda ck: _write(f"{ck}/sources/0/1", b"v1\n\xff\n"), r"sources/0/1 is corrupt"),
    ("offsets empty", lambda ck: _write(f"{ck}/offsets/2", b""), r"offsets/2 is corrupt"),
    ("offsets truncated", lambda ck: _write(f"{ck}/offsets/2", b'v1\n{"batchWaterm'), r"offsets/2 is corrupt"),
    ("offsets garbage line", lambda ck: _set_offset(ck, "{garbage"), r"offsets/2 is corrupt"),
    ("commits wrong version", lambda ck: _write(f"{ck}/commits/2", b'v9\n{"nextBatchWatermarkMs":0}\n'),
     r"commits/2 is corrupt"),
    ("metadata garbage", lambda ck: _write(f"{ck}/metadata", b"{not json"), r"metadata is corrupt"),
    ("metadata empty", lambda ck: _write(f"{ck}/metadata", b""), r"metadata is corrupt"),
    ("source log truncated", lambda ck: _write(f"{ck}/sources/0/2", b'v1\n{"path":"fi'), r"entry 2 is corrupt"),
    ("state metadata truncated", lambda ck: _write(f"{ck}/state/0/_metadata", b'{"oper'), r"_metadata is corrupt"),
    ("state file garbage", lambda ck: _write(_newest_state_file(ck), b"garbage"), r"state/0/0/\S+ is corrupt"),
    ("state file empty", lambda ck: _write(_newest_state_file(ck), b""), r"state/0/0/\S+ is corrupt"),
    ("state file truncated", lambda ck: _truncate_half(_newest_state_file(ck)), r"state/0/0/\S+ is corrupt"),
    ("state change file deleted", lambda ck: os.remove(_newest_state_file(ck)),
     r"state change file \S*state/0/0/2.delta for batch 2 is missing"),
    ("state snapshot deleted", lambda ck: os.remove(f"{ck}/state/0/0/0.snapshot"),
     r"state for batch 2 is missing from the checkpoint: no snapshot at or below it in \S*state/0/0"),
]


@pytest.mark.parametrize("damage, error", [(d[1], d[2]) for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_damaged_checkpoint_recovers_or_names_the_file(spark, tmp_path, damage, error):
    inp, ck = tmp_path / "in", str(tmp_path / "ck")
    inp.mkdir()
    for i in range(3):
        _put(inp, i)
    assert _run(spark, inp, ck) == 3 * ROWS_PER_FILE
    damage(ck)
    _put(inp, 3)
    if error is None:
        assert _run(spark, inp, ck) == 4 * ROWS_PER_FILE
        return
    with pytest.raises(PySparkException) as e:
        _run(spark, inp, ck)
    assert re.search(error, str(e.value), re.S), str(e.value)
