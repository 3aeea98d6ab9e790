"""transformWithState's ``initialState`` and ``eventTimeColumnName`` on ember and on PySpark 4.3 (skipped without
it), batch by batch: the initial state applied in the first batch of a fresh query only (not after a restart), keys
with only initial state, the Row API, a batch DataFrame; an output event-time column feeding a downstream windowed
aggregation, and Spark's errors for it."""
import json
import os

import pytest

pd = pytest.importorskip("pandas")

ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"

FILES = [
    [("a", "2024-01-01 00:00:01", 1), ("b", "2024-01-01 00:00:04", 2)],
    [("a", "2024-01-01 00:00:25", 4), ("d", "2024-01-01 00:00:31", 5)],
    [("b", "2024-01-01 00:00:50", 7), ("e", "2024-01-01 00:00:52", 8)],
    [("c", "2024-01-01 00:01:30", 9), ("a", "2024-01-01 00:01:31", 1)],
]
INITIAL = [("a", 100), ("c", 30), ("c", 3), ("d", 7)]


def _write(d, files, first=0):
    d.mkdir(exist_ok=True)
    for i, rows in enumerate(files, start=first):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "ts": ts, "v": v}) + "\n" for k, ts, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


@pytest.fixture
def oracle(pyspark_session):
    """PySpark runs transformWithState only on the RocksDB state store."""
    key = "spark.sql.streaming.stateStore.providerClass"
    old = pyspark_session.conf.get(key)
    pyspark_session.conf.set(key, ROCKSDB)
    yield pyspark_session
    pyspark_session.conf.set(key, old)


class SeededTotal:
    """The running total per key, seeded by the initial state (its `init` values summed); emits the total and how
    many initial rows the key got."""

    def init(self, handle):
        self.total = handle.getValueState("total", "total LONG, seeded LONG")

    def handleInitialState(self, key, initialState, timerValues):
        total, seeded = self.total.get() if self.total.exists() else (0, 0)
        self.total.update((total + int(initialState["init"].sum()), seeded + len(initialState)))

    def handleInputRows(self, key, rows, timerValues):
        total, seeded = self.total.get() if self.total.exists() else (0, 0)
        for pdf in rows:
            total += int(pdf["v"].sum())
        self.total.update((total, seeded))
        yield pd.DataFrame({"k": [key[0]], "total": [total], "seeded": [seeded]})

    def close(self):
        pass


class SeededRowTotal:
    """As SeededTotal with the Row API: handleInitialState gets one Row per call."""

    def init(self, handle):
        self.total = handle.getValueState("total", "total LONG, seeded LONG")

    def handleInitialState(self, key, initialState, timerValues):
        total, seeded = self.total.get() if self.total.exists() else (0, 0)
        self.total.update((total + initialState.init, seeded + 1))

    def handleInputRows(self, key, rows, timerValues):
        total, seeded = self.total.get() if self.total.exists() else (0, 0)
        for r in rows:
            total += r.v
        self.total.update((total, seeded))
        yield type(r)(k=key[0], total=total, seeded=seeded)

    def close(self):
        pass


def _source(s, path):
    return s.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1).json(path)


def _initial(s):
    return s.createDataFrame(INITIAL, "k STRING, init LONG").groupBy("k")


def _seeded(s, path, rows_api=False):
    df = _source(s, path).groupBy("k")
    if rows_api:
        return df.transformWithState(SeededRowTotal(), "k STRING, total LONG, seeded LONG", "Update", "None",
                                     initialState=_initial(s))
    return df.transformWithStateInPandas(SeededTotal(), "k STRING, total LONG, seeded LONG", "Update", "None",
                                         initialState=_initial(s))


def _run(df, mode="update", checkpoint=None):
    got = []

    def collect(batch, batch_id):
        got.append((batch_id, sorted(tuple(r) for r in batch.collect())))

    w = df.writeStream.outputMode(mode).foreachBatch(collect).trigger(availableNow=True)
    if checkpoint:
        w = w.option("checkpointLocation", checkpoint)
    q = w.start()
    q.awaitTermination()
    return got


@pytest.mark.parametrize("rows_api", [False, True], ids=["pandas", "rows"])
def test_initial_state_seeds_the_first_batch_only(tmp_path, spark, oracle, rows_api):
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        d = tmp_path / f"in_{who}"
        _write(d, FILES)
        results.append(_run(_seeded(s, str(d), rows_api)))
    assert results[0] == results[1]
    # "a" starts at 100, "d" at 7 although its first row comes in the second batch, "c" at 33 from two rows.
    assert (0, [("a", 101, 1), ("b", 2, 0)]) in results[0]


def test_initial_state_is_not_applied_again_after_a_restart(tmp_path, spark, oracle):
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        d = tmp_path / f"in_{who}"
        ck = str(tmp_path / f"ck_{who}")
        _write(d, FILES[:2])
        first = _run(_seeded(s, str(d)), checkpoint=ck)
        _write(d, FILES[2:], first=2)
        second = _run(_seeded(s, str(d)), checkpoint=ck)
        results.append((first, second))
    assert results[0] == results[1]


def test_initial_state_on_a_batch_dataframe(spark, oracle):
    out = []
    for s in (spark, oracle):
        df = s.createDataFrame([("a", 1), ("b", 2), ("a", 3)], "k STRING, v INT").groupBy("k")
        df = df.transformWithStateInPandas(SeededTotal(), "k STRING, total LONG, seeded LONG", "Append", "None",
                                           initialState=_initial(s))
        out.append(sorted(tuple(r) for r in df.collect()))
    assert out[0] == out[1] == [("a", 104, 1), ("b", 2, 0)]


class Sessions:
    """Event-time timers: a key's session closes 10 seconds after its latest event, emitted with the session's
    end as its event time (`end`), then counted per 30-second window downstream."""

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
        return iter([])

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        n = self.n.get()[0]
        self.n.clear()
        end = pd.Timestamp(expiredTimerInfo.getExpiryTimeInMs(), unit="ms")
        yield pd.DataFrame({"k": [key[0]], "n": [n], "end": [end]})

    def close(self):
        pass


class Stale:
    """Emits every row with the epoch as its event time: older than any watermark."""

    def init(self, handle):
        pass

    def handleInputRows(self, key, rows, timerValues):
        for pdf in rows:
            yield pd.DataFrame({"k": [key[0]] * len(pdf), "end": [pd.Timestamp(1, unit="ms")] * len(pdf)})

    def close(self):
        pass


def test_event_time_column_feeds_a_downstream_window(tmp_path, spark, oracle):
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        from importlib import import_module

        F = import_module(s.__class__.__module__.rsplit(".", 1)[0] + ".functions")
        d = tmp_path / f"in_{who}"
        _write(d, FILES)
        sessions = (_source(s, str(d)).withWatermark("ts", "5 seconds").groupBy("k")
                    .transformWithStateInPandas(Sessions(), "k STRING, n LONG, end TIMESTAMP", "Append",
                                                "EventTime", eventTimeColumnName="end"))
        counted = sessions.groupBy(F.window("end", "30 seconds")).agg(F.sum("n").alias("n"), F.count("*").alias("c"))
        results.append(_run(counted.select(F.col("window.start").cast("string"), "n", "c"), "append"))
    assert results[0] == results[1]


def _error(build, action):
    try:
        action(build())
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    raise AssertionError("no error")


@pytest.mark.parametrize("case", ["no_watermark", "unknown_column"])
def test_event_time_column_errors(tmp_path, spark, oracle, case):
    _write(tmp_path / "in", FILES[:1])

    def build(s):
        df = _source(s, str(tmp_path / "in"))
        if case == "no_watermark":
            return df.groupBy("k").transformWithStateInPandas(Stale(), "k STRING, end TIMESTAMP", "Append", "None",
                                                              eventTimeColumnName="end")
        return df.withWatermark("ts", "5 seconds").groupBy("k").transformWithStateInPandas(
            Stale(), "k STRING, end TIMESTAMP", "Append", "None", eventTimeColumnName="zz")

    errors = []
    for s in (spark, oracle):
        # Both are raised while the DataFrame is built: the query never starts.
        e = _error(lambda: build(s), lambda df: None)
        errors.append((type(e).__name__, e.getCondition(), str(e).split("\n")[0].split(" Did you mean")[0]))
    assert errors[0] == errors[1]


def test_rows_older_than_the_watermark_fail_the_query(tmp_path, spark, oracle):
    _write(tmp_path / "in", FILES)
    errors = []
    for s in (spark, oracle):
        df = (_source(s, str(tmp_path / "in")).withWatermark("ts", "5 seconds").groupBy("k")
              .transformWithStateInPandas(Stale(), "k STRING, end TIMESTAMP", "Append", "None",
                                          eventTimeColumnName="end"))
        q = df.writeStream.format("noop").trigger(availableNow=True).start()
        with pytest.raises(Exception) as e:
            q.awaitTermination()
        errors.append((type(e.value).__name__, str(e.value)))
    assert errors[0][0] == errors[1][0] == "StreamingQueryException"
    for _, message in errors:
        assert "[EMITTING_ROWS_OLDER_THAN_WATERMARK_NOT_ALLOWED] Previous node emitted a row with eventTime=1000 " \
               "which is older than current_watermark_value=1704067199000" in message
