"""transformWithStateInPandas / transformWithState on ember and on PySpark 4.3 (skipped without it), batch by
batch: value, list and map state, event-time timers, restart from a checkpoint; and the processor's contract on
ember alone (processing-time timers, TTL, errors)."""
import json
import os
import time

import pytest

pd = pytest.importorskip("pandas")

ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"

FILES = [
    [("a", "2024-01-01 00:00:01", 1), ("b", "2024-01-01 00:00:04", 2), ("a", "2024-01-01 00:00:12", 3)],
    [("a", "2024-01-01 00:00:25", 4), ("c", "2024-01-01 00:00:31", 5)],
    [("b", "2024-01-01 00:00:50", 7), ("a", "2024-01-01 00:00:02", 8)],
    [("c", "2024-01-01 00:01:30", 9)],
]


def _write(d, files, first=0):
    d.mkdir(exist_ok=True)
    for i, rows in enumerate(files, start=first):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "ts": ts, "v": v}) + "\n" for k, ts, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


@pytest.fixture
def events(tmp_path):
    _write(tmp_path / "events", FILES)
    return str(tmp_path / "events")


@pytest.fixture
def oracle(pyspark_session):
    """PySpark runs transformWithState only on the RocksDB state store."""
    key = "spark.sql.streaming.stateStore.providerClass"
    old = pyspark_session.conf.get(key)
    pyspark_session.conf.set(key, ROCKSDB)
    yield pyspark_session
    pyspark_session.conf.set(key, old)


class RunningTotal:
    """ValueState: the key's running total and row count."""

    def init(self, handle):
        self.total = handle.getValueState("total", "total LONG, n LONG")

    def handleInputRows(self, key, rows, timerValues):
        total, n = self.total.get() if self.total.exists() else (0, 0)
        for pdf in rows:
            total += int(pdf["v"].sum())
            n += len(pdf)
        self.total.update((total, n))
        yield pd.DataFrame({"k": [key[0]], "total": [total], "n": [n]})

    def close(self):
        pass


class LastValues:
    """ListState: the key's values so far, the last three kept; emits their count and sum."""

    def init(self, handle):
        self.seen = handle.getListState("seen", "v INT")

    def handleInputRows(self, key, rows, timerValues):
        for pdf in rows:
            self.seen.appendList([(int(v),) for v in pdf["v"]])
        kept = [v for (v,) in self.seen.get()][-3:]
        if len(kept) == 3:
            self.seen.put([(v,) for v in kept])
        yield pd.DataFrame({"k": [key[0]], "count": [len(kept)], "sum": [sum(kept)], "exists": [self.seen.exists()]})

    def close(self):
        pass


class ParityCounts:
    """MapState: per key, a count per parity of v; odd totals above 1 remove the entry."""

    def init(self, handle):
        self.counts = handle.getMapState("counts", "parity STRING", "c LONG")

    def handleInputRows(self, key, rows, timerValues):
        for pdf in rows:
            for v in pdf["v"]:
                p = ("even",) if int(v) % 2 == 0 else ("odd",)
                c = self.counts.getValue(p)
                self.counts.updateValue(p, ((c[0] if c else 0) + 1,))
        if (self.counts.getValue(("odd",)) or (0,))[0] > 2:
            self.counts.removeKey(("odd",))
        items = sorted((k[0], v[0]) for k, v in self.counts.iterator())
        yield pd.DataFrame({"k": [key[0]], "items": [str(items)], "has_even": [self.counts.containsKey(("even",))],
                            "keys": [len(list(self.counts.keys()))]})

    def close(self):
        pass


class SessionTimer:
    """Event-time timer: a session per key closed 10 seconds after its latest event."""

    def init(self, handle):
        self.handle = handle
        self.n = handle.getValueState("n", "n LONG")

    def handleInputRows(self, key, rows, timerValues):
        n = self.n.get()[0] if self.n.exists() else 0
        latest = 0
        for pdf in rows:
            n += len(pdf)
            latest = max(latest, int(pdf["ts"].max().timestamp() * 1000))
        self.n.update((n,))
        for t in list(self.handle.listTimers()):
            self.handle.deleteTimer(t)
        self.handle.registerTimer(latest + 10_000)
        yield pd.DataFrame({"k": [key[0]], "n": [n], "event": ["data"], "wm": [timerValues.getCurrentWatermarkInMs()],
                            "t": [latest + 10_000]})

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        n = self.n.get()[0] if self.n.exists() else -1
        self.n.clear()
        yield pd.DataFrame({"k": [key[0]], "n": [n], "event": ["timer"], "wm": [timerValues.getCurrentWatermarkInMs()],
                            "t": [expiredTimerInfo.getExpiryTimeInMs()]})

    def close(self):
        pass


class RowTotal:
    """transformWithState (Rows): the running total per key."""

    def init(self, handle):
        self.total = handle.getValueState("total", "total LONG")

    def handleInputRows(self, key, rows, timerValues):
        total = self.total.get()[0] if self.total.exists() else 0
        for r in rows:
            total += r.v
        self.total.update((total,))
        # PySpark's Row on the oracle, ember's on ember: the class of the rows handed in.
        yield type(r)(k=key[0], total=total)

    def close(self):
        pass


CASES = {
    "value_update": (lambda df: df.groupBy("k").transformWithStateInPandas(
        RunningTotal(), "k STRING, total LONG, n LONG", "Update", "None"), "update"),
    "value_append": (lambda df: df.groupBy("k").transformWithStateInPandas(
        RunningTotal(), "k STRING, total LONG, n LONG", "Append", "None"), "append"),
    "list": (lambda df: df.groupBy("k").transformWithStateInPandas(
        LastValues(), "k STRING, count LONG, sum LONG, exists BOOLEAN", "Append", "None"), "append"),
    "map": (lambda df: df.groupBy("k").transformWithStateInPandas(
        ParityCounts(), "k STRING, items STRING, has_even BOOLEAN, keys LONG", "Update", "None"), "update"),
    "event_time_timer": (lambda df: df.withWatermark("ts", "5 seconds").groupBy("k").transformWithStateInPandas(
        SessionTimer(), "k STRING, n LONG, event STRING, wm LONG, t LONG", "Append", "EventTime"), "append"),
    "rows": (lambda df: df.groupBy("k").transformWithState(
        RowTotal(), "k STRING, total LONG", "Update", "None"), "update"),
}


def _run(df, mode, checkpoint=None):
    got = []

    def collect(batch, batch_id):
        got.append((batch_id, sorted(tuple(r) for r in batch.collect())))

    w = df.writeStream.outputMode(mode).foreachBatch(collect).trigger(availableNow=True)
    if checkpoint:
        w = w.option("checkpointLocation", checkpoint)
    q = w.start()
    q.awaitTermination()
    states = [[(o["operatorName"], o["numRowsTotal"]) for o in p["stateOperators"]] for p in q.recentProgress]
    return got, states


def _source(s, path):
    return s.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1).json(path)


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform_with_state_batches_match(name, events, spark, oracle):
    build, mode = CASES[name]
    ours = _run(build(_source(spark, events)), mode)
    theirs = _run(build(_source(oracle, events)), mode)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_restart_restores_value_list_map_state_and_timers(tmp_path, spark, oracle):
    """Two files, stop, two more files, restart from the checkpoint: the same batches as PySpark's run."""
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        d = tmp_path / f"in_{who}"
        _write(d, FILES[:2])
        ck = str(tmp_path / f"ck_{who}")
        runs = []
        first = _run(CASES["event_time_timer"][0](_source(s, str(d))), "append", ck)
        _write(d, FILES[2:], first=2)
        second = _run(CASES["event_time_timer"][0](_source(s, str(d))), "append", ck)
        runs.append((first[0], second[0]))
        for case in ("list", "map"):
            d2 = tmp_path / f"in_{who}_{case}"
            ck2 = str(tmp_path / f"ck_{who}_{case}")
            _write(d2, FILES[:2])
            a = _run(CASES[case][0](_source(s, str(d2))), CASES[case][1], ck2)
            _write(d2, FILES[2:], first=2)
            b = _run(CASES[case][0](_source(s, str(d2))), CASES[case][1], ck2)
            runs.append((a[0], b[0]))
        results.append(runs)
    assert results[0] == results[1]


def test_batch_dataframe_runs_each_key_once(spark, oracle):
    rows = [("a", 1), ("b", 2), ("a", 3)]
    out = []
    for s in (spark, oracle):
        df = s.createDataFrame(rows, "k STRING, v INT").groupBy("k").transformWithStateInPandas(
            RunningTotal(), "k STRING, total LONG, n LONG", "Append", "None")
        out.append(sorted(tuple(r) for r in df.collect()))
    assert out[0] == out[1] == [("a", 4, 2), ("b", 2, 1)]


class ProcessingTimer:
    """Processing-time timer one millisecond after the first row: fires in a later batch, with no rows."""

    def init(self, handle):
        self.handle = handle
        self.seen = handle.getValueState("seen", "n LONG")

    def handleInputRows(self, key, rows, timerValues):
        n = sum(len(p) for p in rows)
        self.seen.update((n,))
        self.handle.registerTimer(timerValues.getCurrentProcessingTimeInMs() + 1)
        yield pd.DataFrame({"k": [key[0]], "event": ["data"], "n": [n]})

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        assert expiredTimerInfo.getExpiryTimeInMs() <= timerValues.getCurrentProcessingTimeInMs()
        n = self.seen.get()[0]
        self.seen.clear()
        yield pd.DataFrame({"k": [key[0]], "event": ["timer"], "n": [n]})

    def close(self):
        pass


def test_processing_time_timer_fires_in_a_later_batch(spark):
    from ember.testing import MemoryStream

    src = MemoryStream("k STRING", spark)
    df = src.toDF().groupBy("k").transformWithStateInPandas(
        ProcessingTimer(), "k STRING, event STRING, n LONG", "Update", "ProcessingTime")
    q = df.writeStream.format("memory").queryName("tws_pt").outputMode("update").start()
    src.addData([("x",), ("x",)])
    q.processAllAvailable()
    deadline = time.time() + 10
    while len(spark.table("tws_pt").collect()) < 2 and time.time() < deadline:
        time.sleep(0.02)
    q.stop()
    assert sorted(tuple(r) for r in spark.table("tws_pt").collect()) == [("x", "data", 2), ("x", "timer", 2)]


class TTLCounter:
    """A ValueState with a 1 ms TTL: gone in any later batch."""

    def init(self, handle):
        self.count = handle.getValueState("count", "c LONG", 1)

    def handleInputRows(self, key, rows, timerValues):
        before = self.count.get()[0] if self.count.exists() else 0
        n = before + sum(len(p) for p in rows)
        self.count.update((n,))
        yield pd.DataFrame({"k": [key[0]], "before": [before], "n": [n]})

    def close(self):
        pass


def test_ttl_expires_values_in_a_later_batch(spark):
    from ember.testing import MemoryStream

    src = MemoryStream("k STRING", spark)
    df = src.toDF().groupBy("k").transformWithStateInPandas(
        TTLCounter(), "k STRING, before LONG, n LONG", "Update", "ProcessingTime")
    q = df.writeStream.format("memory").queryName("tws_ttl").outputMode("update").start()
    src.addData([("x",)])
    q.processAllAvailable()
    time.sleep(0.01)
    src.addData([("x",)])
    q.processAllAvailable()
    q.stop()
    assert sorted(tuple(r) for r in spark.table("tws_ttl").collect()) == [("x", 0, 1), ("x", 0, 1)]


class Misdeclared:
    def __init__(self, how):
        self.how = how

    def init(self, handle):
        if self.how == "duplicate":
            handle.getValueState("v", "x LONG")
            handle.getListState("v", "x LONG")
        elif self.how == "ttl":
            handle.getValueState("v", "x LONG", 0)
        elif self.how == "timer":
            handle.registerTimer(10)

    def handleInputRows(self, key, rows, timerValues):
        return iter([])

    def close(self):
        pass


@pytest.mark.parametrize("how,condition", [
    ("duplicate", "STATEFUL_PROCESSOR_DUPLICATE_STATE_VARIABLE_DEFINED"),
    ("ttl", "STATEFUL_PROCESSOR_TTL_DURATION_MUST_BE_POSITIVE"),
    ("timer", "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_TIME_MODE"),
])
def test_processor_declaration_errors(spark, how, condition):
    """Raised when the processor's init runs (the DataFrame runs), not when the DataFrame is built; as PySpark's
    Python worker reports them, a PythonException naming the condition."""
    from ember.errors import PythonException

    df = spark.createDataFrame([("a", 1)], "k STRING, v INT")
    df = df.groupBy("k").transformWithStateInPandas(Misdeclared(how), "k STRING", "Append", "None")
    with pytest.raises(PythonException) as e:
        df.collect()
    assert f"[{condition}]" in str(e.value)


def test_unknown_time_mode(spark):
    from ember.errors import PySparkException

    df = spark.createDataFrame([("a", 1)], "k STRING, v INT")
    with pytest.raises(PySparkException) as e:
        df.groupBy("k").transformWithStateInPandas(RunningTotal(), "k STRING, total LONG, n LONG", "Append", "Later")
    assert e.value.getCondition() == "STATEFUL_PROCESSOR_UNKNOWN_TIME_MODE"


@pytest.mark.parametrize("min_deltas", ["1", "10"])
def test_restart_from_snapshots_or_change_files_continues_every_state_kind(tmp_path, spark, min_deltas):
    """Restarted from snapshots of every table (minDeltasForSnapshot 1) or from change files: the batches after the
    restart are those of an uninterrupted run."""
    key = "spark.sql.streaming.stateStore.minDeltasForSnapshot"
    old = spark.conf.get(key, "10")
    spark.conf.set(key, min_deltas)
    try:
        for case in ("value_update", "list", "map", "rows"):
            build, mode = CASES[case]
            whole = tmp_path / f"whole_{case}"
            _write(whole, FILES)
            expected = _run(build(_source(spark, str(whole))), mode)[0]
            d = tmp_path / f"in_{case}"
            ck = str(tmp_path / f"ck_{case}")
            _write(d, FILES[:2])
            first = _run(build(_source(spark, str(d))), mode, ck)[0]
            _write(d, FILES[2:], first=2)
            second = _run(build(_source(spark, str(d))), mode, ck)[0]
            assert first + second == expected, case
    finally:
        spark.conf.set(key, old)
