"""applyInPandasWithState on ember and on PySpark 4.3 (skipped without it): per-batch foreachBatch output with
and without timeouts, and GroupState's contract."""
import json
import os

import pytest

pd = pytest.importorskip("pandas")

FILES = [
    [("a", "2024-01-01 00:00:01", 1), ("b", "2024-01-01 00:00:04", 2), ("a", "2024-01-01 00:00:12", 3)],
    [("a", "2024-01-01 00:00:25", 4), ("c", "2024-01-01 00:00:31", 5)],
    [("b", "2024-01-01 00:00:50", 7), ("a", "2024-01-01 00:00:02", 8)],
    [("c", "2024-01-01 00:01:30", 9)],
]


@pytest.fixture
def events(tmp_path):
    d = tmp_path / "events"
    d.mkdir()
    for i, rows in enumerate(FILES):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "ts": ts, "v": v}) + "\n" for k, ts, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    return str(d)


def running_total(key, frames, state):
    total, n = state.get if state.exists else (0, 0)
    for pdf in frames:
        total += int(pdf["v"].sum())
        n += len(pdf)
    state.update((total, n))
    yield pd.DataFrame({"k": [key[0]], "total": [total], "n": [n]})


def session_with_event_timeout(key, frames, state):
    if state.hasTimedOut:
        (n,) = state.get
        state.remove()
        yield pd.DataFrame({"k": [key[0]], "n": [n], "closed": [True]})
        return
    n = state.get[0] if state.exists else 0
    latest = 0
    for pdf in frames:
        n += len(pdf)
        latest = max(latest, int(pdf["ts"].max().timestamp() * 1000))
    state.update((n,))
    state.setTimeoutTimestamp(latest + 10_000)
    yield pd.DataFrame({"k": [key[0]], "n": [n], "closed": [False]})


CASES = {
    "no_timeout_update": (lambda df: df.groupBy("k").applyInPandasWithState(
        running_total, "k STRING, total LONG, n LONG", "total LONG, n LONG", "update", "NoTimeout"), "update"),
    "no_timeout_append": (lambda df: df.groupBy("k").applyInPandasWithState(
        running_total, "k STRING, total LONG, n LONG", "total LONG, n LONG", "append", "NoTimeout"), "append"),
    "event_time_timeout": (lambda df: df.withWatermark("ts", "5 seconds").groupBy("k").applyInPandasWithState(
        session_with_event_timeout, "k STRING, n LONG, closed BOOLEAN", "n LONG", "append", "EventTimeTimeout"),
        "append"),
}


def _run(s, df, mode):
    got = []

    def collect(batch, batch_id):
        got.append((batch_id, sorted(tuple(r) for r in batch.collect())))

    q = df.writeStream.outputMode(mode).foreachBatch(collect).trigger(availableNow=True).start()
    q.awaitTermination()
    states = [[(o["operatorName"], o["numRowsTotal"], o["numRowsUpdated"], o["numRowsRemoved"],
                o["numRowsDroppedByWatermark"], o["numShufflePartitions"], o["numStateStoreInstances"])
               for o in p["stateOperators"]] for p in q.recentProgress]
    return got, states


@pytest.mark.parametrize("name", sorted(CASES))
def test_group_state_batches_match(name, events, spark, pyspark_session):
    build, mode = CASES[name]
    results = []
    for s in (spark, pyspark_session):
        df = s.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1).json(events)
        results.append(_run(s, build(df), mode))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1]


def test_processing_time_timeout_calls_the_function_with_no_rows(spark):
    from ember.sql.streaming.state import GroupStateTimeout
    from ember.testing import MemoryStream

    calls = []

    def f(key, frames, state):
        rows = sum(len(p) for p in frames)
        calls.append((key[0], rows, state.hasTimedOut))
        if state.hasTimedOut:
            state.remove()
            yield pd.DataFrame({"k": [key[0]], "timed_out": [True]})
        else:
            state.update((rows,))
            state.setTimeoutDuration(1)
            yield pd.DataFrame({"k": [key[0]], "timed_out": [False]})

    src = MemoryStream("k STRING", spark)
    df = src.toDF().groupBy("k").applyInPandasWithState(
        f, "k STRING, timed_out BOOLEAN", "n LONG", "update", GroupStateTimeout.ProcessingTimeTimeout)
    q = df.writeStream.format("memory").queryName("pt_timeout").outputMode("update").start()
    src.addData([("x",), ("x",)])
    q.processAllAvailable()
    import time

    deadline = time.time() + 10
    while not any(t for _, _, t in calls) and time.time() < deadline:
        time.sleep(0.02)
    q.stop()
    assert calls[0] == ("x", 2, False)
    assert ("x", 0, True) in calls
    assert sorted(tuple(r) for r in spark.table("pt_timeout").collect()) == [("x", False), ("x", True)]


def test_group_state_contract():
    from ember.errors import PySparkRuntimeError, PySparkTypeError, PySparkValueError
    from ember.sql.streaming.state import GroupState, GroupStateTimeout

    s = GroupState(None, 1000, -1, GroupStateTimeout.NoTimeout, False, False)
    assert not s.exists and s.getOption is None
    with pytest.raises(PySparkValueError, match="STATE_NOT_EXISTS"):
        s.get
    with pytest.raises(PySparkTypeError, match="CANNOT_BE_NONE"):
        s.update(None)
    with pytest.raises(PySparkRuntimeError, match="CANNOT_WITHOUT"):
        s.setTimeoutDuration(10)
    with pytest.raises(PySparkRuntimeError, match="get event time watermark timestamp"):
        s.getCurrentWatermarkMs()
    s.update((1, "a"))
    assert s.exists and s.get == (1, "a") and str(s) == "GroupState((1, 'a'))"
    s.remove()
    assert not s.exists
    p = GroupState(None, 1000, -1, GroupStateTimeout.ProcessingTimeTimeout, False, False)
    with pytest.raises(PySparkValueError, match="VALUE_NOT_POSITIVE"):
        p.setTimeoutDuration(0)
    p.setTimeoutDuration(500)
    assert p._timeout_timestamp == 1500 and p.getCurrentProcessingTimeMs() == 1000
    e = GroupState(None, 1000, 5000, GroupStateTimeout.EventTimeTimeout, False, True)
    with pytest.raises(PySparkValueError, match=r"Timeout timestamp \(4000\) cannot be earlier than the current watermark \(5000\)"):
        e.setTimeoutTimestamp(4000)
    e.setTimeoutTimestamp(6000)
    assert e.getCurrentWatermarkMs() == 5000


def test_checkpoint_of_the_earlier_state_layout_is_refused_with_its_reason(spark, tmp_path):
    """ember once kept applyInPandasWithState state in one partition keyed by row-format bytes, with the state's own
    fields as the values; such a checkpoint (recognised by its recorded shape) is refused, not misread, by a restart
    and by the state reader."""
    from ember.errors import StreamingQueryException
    from ember.testing import MemoryStream

    ck = tmp_path / "ck"
    src = MemoryStream("k STRING, v LONG", spark)

    def start():
        df = src.toDF().groupBy("k").applyInPandasWithState(
            running_total, "k STRING, total LONG, n LONG", "total LONG, n LONG", "update", "NoTimeout")
        return df.writeStream.format("noop").outputMode("update").option("checkpointLocation", str(ck)).start()

    q = start()
    src.addData([("a", 1), ("b", 2)])
    q.processAllAvailable()
    q.stop()
    from ember.checkpoint import inspect

    op = inspect(str(ck)).operators[0]
    assert (op.name, op.partitions, op.state_rows) == ("applyInPandasWithState", 2, 2)
    assert sorted(os.listdir(ck / "state" / "0")) == ["0", "1", "_metadata"]
    shape = json.loads((ck / "state" / "0" / "_metadata").read_text())
    assert shape["keys"] == ["k: string"] and shape["values"] == ["groupState: struct<total:bigint,n:bigint>"]
    # What the earlier layout recorded: key types only, the state's fields as values.
    (ck / "state" / "0" / "_metadata").write_text(json.dumps(
        {"operator": "applyInPandasWithState", "keys": ["string"], "values": ["total: bigint", "n: bigint"]}))
    q = start()
    with pytest.raises(StreamingQueryException, match="layout of an earlier ember .*new checkpoint location"):
        q.awaitTermination(300)
    with pytest.raises(Exception, match="layout of an earlier ember"):
        spark.read.format("statestore").load(str(ck)).collect()
