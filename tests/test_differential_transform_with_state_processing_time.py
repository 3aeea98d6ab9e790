"""transformWithState in ProcessingTime mode on ember and on PySpark 4.3 (skipped without it), batch by batch: TTL
on value, list and map state, and processing-time timers.

PySpark offers no way to drive a query's processing-time clock (Spark's manual clock is for its Scala tests), so
both engines run on the real clock and the comparison is built so the clock cannot change the result: one file is
added at a time and the test waits for its batch's rows, so each file is one batch with rows; a TTL of
1 ms is always over by the next batch (a batch's timestamp is taken after the previous one committed, so at least
1 ms later) and a TTL or timer an hour away never falls due during the test. The times themselves (batch
timestamps, expiry times) are not compared, only what follows from them.

Not compared: a timer that falls due during the run. PySpark 4.3 runs batches without data for a ProcessingTime
processor whenever its trigger fires (and an availableNow query of one never ends), so whether a due timer fires in
such a batch or together with the next file's rows — which changes what `handleInputRows` sees — depends on the
clock; ember's firing is covered on its own in test_differential_transform_with_state.py."""
import json
import os
import time

import pytest

pd = pytest.importorskip("pandas")

ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
HOUR = 3_600_000

FILES = [
    [("a", 1), ("b", 2), ("a", 3)],
    [("a", 4), ("c", 5)],
    [("b", 6), ("a", 7)],
]


def _write(d, files, first=0):
    d.mkdir(exist_ok=True)
    for i, rows in enumerate(files, start=first):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "v": v}) + "\n" for k, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


@pytest.fixture
def oracle(pyspark_session):
    key = "spark.sql.streaming.stateStore.providerClass"
    old = pyspark_session.conf.get(key)
    pyspark_session.conf.set(key, ROCKSDB)
    yield pyspark_session
    pyspark_session.conf.set(key, old)


class TTLState:
    """A value, a list and a map, each with a TTL: what each still holds from earlier batches, then this batch's
    rows added."""

    def __init__(self, ttl_ms):
        self.ttl_ms = ttl_ms

    def init(self, handle):
        self.count = handle.getValueState("count", "c LONG", self.ttl_ms)
        self.seen = handle.getListState("seen", "v INT", self.ttl_ms)
        self.parity = handle.getMapState("parity", "p STRING", "c LONG", self.ttl_ms)

    def handleInputRows(self, key, rows, timerValues):
        before = self.count.get()[0] if self.count.exists() else 0
        seen_before = sorted(v for (v,) in self.seen.get()) if self.seen.exists() else []
        parity_before = sorted((k[0], v[0]) for k, v in self.parity.iterator()) if self.parity.exists() else []
        n = before
        for pdf in rows:
            for v in pdf["v"]:
                v = int(v)
                n += 1
                self.seen.appendValue((v,))
                p = ("even",) if v % 2 == 0 else ("odd",)
                c = self.parity.getValue(p)
                self.parity.updateValue(p, ((c[0] if c else 0) + 1,))
        self.count.update((n,))
        yield pd.DataFrame({"k": [key[0]], "before": [before], "seen_before": [str(seen_before)],
                            "parity_before": [str(parity_before)], "n": [n]})

    def close(self):
        pass


class Reminder:
    """A processing-time timer `delay_ms` after the batch's timestamp per batch with rows; it reports the rows
    seen since the last firing."""

    def __init__(self, delay_ms):
        self.delay_ms = delay_ms

    def init(self, handle):
        self.handle = handle
        self.pending = handle.getValueState("pending", "n LONG")

    def handleInputRows(self, key, rows, timerValues):
        n = (self.pending.get()[0] if self.pending.exists() else 0) + sum(len(p) for p in rows)
        self.pending.update((n,))
        self.handle.registerTimer(timerValues.getCurrentProcessingTimeInMs() + self.delay_ms)
        yield pd.DataFrame({"k": [key[0]], "event": ["data"], "n": [n],
                            "timers": [len(list(self.handle.listTimers()))]})

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        due = expiredTimerInfo.getExpiryTimeInMs() <= timerValues.getCurrentProcessingTimeInMs()
        n = self.pending.get()[0] if self.pending.exists() else 0
        self.pending.clear()
        yield pd.DataFrame({"k": [key[0]], "event": ["timer" if due else "early"], "n": [n], "timers": [0]})

    def close(self):
        pass


def _run(make_df, d):
    """One file at a time, each waited for (its batch's rows seen by foreachBatch): the non-empty batches' rows.

    Not `processAllAvailable`: PySpark 4.3 keeps running batches without data for a ProcessingTime processor, and
    its processAllAvailable did not return in our runs. The wait has a generous deadline (a loaded 2-core machine)
    and only bounds a hang; what is asserted is the rows."""
    got = []

    def collect(batch, batch_id):
        rows = sorted(tuple(r) for r in batch.collect())
        if rows:
            got.append(rows)

    d.mkdir()
    q = make_df(str(d)).writeStream.outputMode("update").foreachBatch(collect).start()
    try:
        for i in range(len(FILES)):
            _write(d, FILES[i:i + 1], first=i)
            deadline = time.monotonic() + 300
            while len(got) <= i and q.isActive and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(got) == i + 1, (q.exception(), got)
    finally:
        q.stop()
    return got


def _source(s, path):
    return s.readStream.schema("k STRING, v INT").option("maxFilesPerTrigger", 1).json(path)


@pytest.mark.parametrize("ttl_ms", [1, HOUR], ids=["expires_every_batch", "never_expires"])
def test_ttl_on_value_list_and_map_state(tmp_path, spark, oracle, ttl_ms):
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        results.append(_run(lambda path: _source(s, path).groupBy("k").transformWithStateInPandas(
            TTLState(ttl_ms), "k STRING, before LONG, seen_before STRING, parity_before STRING, n LONG", "Update",
            "ProcessingTime"), tmp_path / who))
    assert results[0] == results[1]
    a_in_batch_2 = [r for r in results[0][1] if r[0] == "a"][0]
    assert a_in_batch_2[1] == (0 if ttl_ms == 1 else 2)


def test_processing_time_timers_not_yet_due(tmp_path, spark, oracle):
    results = []
    for s, who in ((spark, "ember"), (oracle, "spark")):
        results.append(_run(lambda path: _source(s, path).groupBy("k").transformWithStateInPandas(
            Reminder(HOUR), "k STRING, event STRING, n LONG, timers LONG", "Update", "ProcessingTime"),
            tmp_path / who))
    assert results[0] == results[1]
    # "a" registered a timer in each of its three batches (each at a later batch timestamp), none fired.
    assert ("a", "data", 4, 3) in results[0][2]
