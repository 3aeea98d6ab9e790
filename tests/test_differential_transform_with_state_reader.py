"""The `statestore` reader over transformWithState's state on ember and on PySpark 4.3 (skipped without it): each
state variable by `stateVarName` (value, list and map; lists and maps flattened or not with
`flattenCollectionTypes`) and the timers (`readRegisteredTimers`), read from checkpoints of the same query; and the
operator's transformWithState counts in its progress's `customMetrics`."""
import json
import os

import pytest

pd = pytest.importorskip("pandas")

ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"

FILES = [
    [("a", "2024-01-01 00:00:01", 1), ("b", "2024-01-01 00:00:04", 2), ("a", "2024-01-01 00:00:12", 3)],
    [("a", "2024-01-01 00:00:25", 4), ("c", "2024-01-01 00:00:31", 5), ("b", "2024-01-01 00:00:32", 8)],
]


@pytest.fixture(scope="module")
def oracle(pyspark_session):
    key = "spark.sql.streaming.stateStore.providerClass"
    old = pyspark_session.conf.get(key)
    pyspark_session.conf.set(key, ROCKSDB)
    yield pyspark_session
    pyspark_session.conf.set(key, old)


class EveryKind:
    """A value, a list and a map per key, and an event-time timer 60 s after the key's latest row (the earlier one
    deleted)."""

    def init(self, handle):
        self.handle = handle
        self.total = handle.getValueState("total", "total LONG, n INT")
        self.seen = handle.getListState("seen", "v INT")
        self.parity = handle.getMapState("parity", "p STRING", "c LONG")

    def handleInputRows(self, key, rows, timerValues):
        total, n = self.total.get() if self.total.exists() else (0, 0)
        latest = 0
        for pdf in rows:
            for v, ts in zip(pdf["v"], pdf["ts"]):
                v = int(v)
                total, n = total + v, n + 1
                self.seen.appendValue((v,))
                p = ("even",) if v % 2 == 0 else ("odd",)
                c = self.parity.getValue(p)
                self.parity.updateValue(p, ((c[0] if c else 0) + 1,))
                latest = max(latest, int(ts.timestamp() * 1000))
        self.total.update((total, n))
        for t in list(self.handle.listTimers()):
            self.handle.deleteTimer(t)
        self.handle.registerTimer(latest + 60_000)
        yield pd.DataFrame({"k": [key[0]], "total": [total]})

    def close(self):
        pass


def _checkpoint(s, tmp_path, who):
    d = tmp_path / f"in_{who}"
    d.mkdir()
    for i, rows in enumerate(FILES):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "ts": ts, "v": v}) + "\n" for k, ts, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    ck = str(tmp_path / f"ck_{who}")
    df = (s.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1).json(str(d))
          .withWatermark("ts", "1 hour").groupBy("k")
          .transformWithStateInPandas(EveryKind(), "k STRING, total LONG", "Update", "EventTime"))
    q = df.writeStream.outputMode("update").format("noop").option("checkpointLocation", ck) \
        .trigger(availableNow=True).start()
    q.awaitTermination()
    metrics = [{k: v for k, v in p["stateOperators"][0]["customMetrics"].items() if k in COUNTS}
               for p in q.recentProgress]
    return ck, metrics


# The operator's custom metrics that count what the processor did (Spark also reports timings and its RocksDB
# store's figures, which ember's store has no counterpart of).
COUNTS = {"numValueStateVars", "numListStateVars", "numMapStateVars", "numDeletedStateVars", "numRegisteredTimers",
          "numDeletedTimers", "numExpiredTimers", "numValueStateWithTTLVars", "numListStateWithTTLVars",
          "numMapStateWithTTLVars", "numValuesRemovedDueToTTLExpiry"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, spark, oracle):
    """One checkpoint per engine for all the reads, and its progress's counts."""
    tmp_path = tmp_path_factory.mktemp("tws_reader")
    return [(s,) + _checkpoint(s, tmp_path, who) for s, who in ((spark, "ember"), (oracle, "spark"))]


@pytest.fixture(scope="module")
def checkpoints(runs):
    return [(s, ck) for s, ck, _ in runs]


def _canon(v):
    if isinstance(v, dict):
        return sorted((_canon(k), _canon(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return [_canon(x) for x in v]
    if hasattr(v, "asDict"):
        return _canon(tuple(v))
    return v


READS = {
    "value": {"stateVarName": "total"},
    "list": {"stateVarName": "seen"},
    "list_unflattened": {"stateVarName": "seen", "flattenCollectionTypes": "false"},
    "map": {"stateVarName": "parity"},
    "map_unflattened": {"stateVarName": "parity", "flattenCollectionTypes": "false"},
    "timers": {"readRegisteredTimers": "true"},
    "value_at_batch_0": {"stateVarName": "total", "batchId": "0"},
}


@pytest.mark.parametrize("name", sorted(READS))
def test_state_reader_matches(checkpoints, name):
    got = []
    for s, ck in checkpoints:
        df = s.read.format("statestore").options(**READS[name]).load(ck)
        got.append((df.schema.simpleString(), sorted(_canon(tuple(r)) for r in df.collect())))
    assert got[0] == got[1]
    assert got[0][1]


def test_custom_metrics_count_state_variables_and_timers(runs):
    (_, _, ours), (_, _, theirs) = runs
    assert ours == theirs
    assert ours[0]["numRegisteredTimers"] == 2 and ours[1]["numDeletedTimers"] == 2


def test_state_metadata_lists_the_state_variables(checkpoints):
    """One row for the operator, its properties naming the time mode, output mode and each state variable (the
    timers one of them); the variables compared as a set, the order of Spark's list being its map's."""
    got = []
    for s, ck in checkpoints:
        rows = []
        for r in s.read.format("state-metadata").load(ck).collect():
            props = json.loads(r.operatorProperties)
            props["stateVariables"] = sorted(props["stateVariables"], key=lambda v: v["stateName"])
            rows.append((r.operatorId, r.operatorName, r.stateStoreName, r.numPartitions, r.minBatchId, r.maxBatchId,
                         props))
        got.append(rows)
    assert got[0] == got[1]
    assert [v["stateName"] for v in got[0][0][6]["stateVariables"]] == [
        "$eventTimers_keyToTimestamp", "parity", "seen", "total"]


def test_reading_without_a_state_variable_name_fails(checkpoints):
    got = []
    for s, ck in checkpoints:
        with pytest.raises(Exception) as e:
            s.read.format("statestore").load(ck).collect()
        got.append((type(e.value).__name__, e.value.getCondition(), str(e.value)))
    assert got[0] == got[1]
    assert got[0][1] == "STDS_REQUIRED_OPTION_UNSPECIFIED"
