"""Streaming core: sources, sinks, output modes, triggers and the query monitoring API."""
import os
import time

import pytest

from ember.errors import AnalysisException, IllegalArgumentException, StreamingQueryException
from ember.sql import Row, functions as F
from ember.testing import MemoryStream


def test_memory_stream_append_to_memory_sink(spark):
    ms = MemoryStream("id INT, word STRING", spark)
    df = ms.toDF()
    assert df.isStreaming
    q = df.select("id", F.upper("word").alias("w")).writeStream.format("memory").queryName("words_out").start()
    ms.addData([(1, "a"), (2, "b")])
    q.processAllAvailable()
    ms.addData([(3, "c")])
    q.processAllAvailable()
    assert sorted(spark.table("words_out").collect()) == [Row(id=1, w="A"), Row(id=2, w="B"), Row(id=3, w="C")]
    assert q.isActive
    q.stop()
    assert not q.isActive


def test_word_count_complete_and_update(spark):
    ms = MemoryStream("value STRING", spark)
    counts = ms.toDF().select(F.explode(F.split("value", " ")).alias("word")).groupBy("word").count()
    complete = counts.writeStream.outputMode("complete").format("memory").queryName("wc_complete").start()
    seen = []
    update = counts.writeStream.outputMode("update").foreachBatch(lambda df, bid: seen.append((bid, sorted(df.collect())))).start()
    ms.addData(["a b a"])
    complete.processAllAvailable()
    update.processAllAvailable()
    ms.addData(["b c"])
    complete.processAllAvailable()
    update.processAllAvailable()
    assert sorted(spark.table("wc_complete").collect()) == [Row(word="a", count=2), Row(word="b", count=2), Row(word="c", count=1)]
    # Update mode emits only the groups each batch changed.
    assert seen == [(0, [Row(word="a", count=2), Row(word="b", count=1)]), (1, [Row(word="b", count=2), Row(word="c", count=1)])]
    complete.stop()
    update.stop()


def test_console_sink_prints_spark_batches(spark, capsys):
    ms = MemoryStream("event STRING", spark)
    q = ms.toDF().groupBy("event").count().orderBy("event").writeStream.outputMode("complete").format("console").start()
    ms.addData(["login", "view", "login"])
    q.processAllAvailable()
    q.stop()
    out = capsys.readouterr().out
    assert out == (
        "-------------------------------------------\n"
        "Batch: 0\n"
        "-------------------------------------------\n"
        "+-----+-----+\n"
        "|event|count|\n"
        "+-----+-----+\n"
        "|login|    2|\n"
        "| view|    1|\n"
        "+-----+-----+\n\n"
    )


def test_file_source_picks_up_new_files_once(spark, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text("timestamp,user_id,event\n2024-01-01T00:00:00,1,login\n")
    batches = []
    df = spark.readStream.option("header", True).schema("timestamp STRING, user_id INT, event STRING").csv(str(src))
    q = df.writeStream.foreachBatch(lambda d, i: batches.append((i, d.count()))).start()
    q.processAllAvailable()
    time.sleep(0.01)
    (src / "b.csv").write_text("timestamp,user_id,event\n2024-01-01T00:00:01,2,view\n2024-01-01T00:00:02,3,view\n")
    q.processAllAvailable()
    q.stop()
    assert batches == [(0, 1), (1, 2)]


def test_max_files_per_trigger_and_available_now(spark, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.json").write_text(f'{{"n": {i}}}\n')
        os.utime(src / f"f{i}.json", (1_700_000_000 + i, 1_700_000_000 + i))
    sizes = []
    q = (spark.readStream.schema("n INT").option("maxFilesPerTrigger", 2).json(str(src))
         .writeStream.trigger(availableNow=True)
         .foreachBatch(lambda d, i: sizes.append(sorted(r.n for r in d.collect()))).start())
    assert q.awaitTermination(10)
    assert sizes == [[0, 1], [2, 3], [4]]


def test_trigger_once_runs_one_batch(spark):
    ms = MemoryStream("x INT", spark)
    ms.addData([1, 2])
    got = []
    q = ms.toDF().writeStream.trigger(once=True).foreachBatch(lambda d, i: got.append(d.count())).start()
    assert q.awaitTermination(10) is True
    assert got == [2] and not q.isActive


def test_output_mode_checks(spark):
    ms = MemoryStream("x INT", spark)
    df = ms.toDF()
    with pytest.raises(AnalysisException, match=r"STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION\] Invalid streaming output mode: append"):
        df.groupBy("x").count().writeStream.format("console").start()
    with pytest.raises(AnalysisException, match="Invalid streaming output mode: complete"):
        df.writeStream.outputMode("complete").format("console").start()
    with pytest.raises(IllegalArgumentException, match="STREAMING_OUTPUT_MODE.INVALID"):
        df.writeStream.outputMode("bogus").format("console").start()
    with pytest.raises(AnalysisException, match="Sorting is not supported on streaming DataFrames/Datasets"):
        df.orderBy("x").writeStream.format("console").start()
    with pytest.raises(AnalysisException, match="Queries with streaming sources must be executed with writeStream.start()"):
        df.count()
    with pytest.raises(AnalysisException, match="Distinct aggregations are not supported"):
        df.agg(F.countDistinct("x")).writeStream.outputMode("complete").format("console").start()


def test_schema_required_for_file_sources(spark, tmp_path):
    with pytest.raises(IllegalArgumentException, match="Schema must be specified when creating a streaming source DataFrame"):
        spark.readStream.csv(str(tmp_path))


def test_foreach_batch_failure_stops_query(spark):
    ms = MemoryStream("x INT", spark)

    def boom(df, batch_id):
        raise ValueError("bad batch")

    q = ms.toDF().writeStream.foreachBatch(boom).start()
    ms.addData([1])
    with pytest.raises(StreamingQueryException, match="bad batch"):
        q.awaitTermination(10)
    assert not q.isActive
    assert "bad batch" in str(q.exception())


def test_monitoring_api(spark):
    ms = MemoryStream("x INT", spark)
    q = ms.toDF().writeStream.format("noop").queryName("monitored").start()
    assert q.lastProgress is None or isinstance(q.lastProgress, dict)
    ms.addData([1, 2, 3])
    q.processAllAvailable()
    p = q.lastProgress
    assert p["numInputRows"] == 3 and p["batchId"] == 0 and p["name"] == "monitored"
    # PySpark's StreamingQueryProgress field order (its constructor's), not the JSON's.
    assert list(p.keys())[:7] == ["id", "runId", "name", "timestamp", "batchId", "batchDuration", "durationMs"]
    assert p["id"] == q.id and p["runId"] == q.runId
    assert '"numInputRows": 3' in p.json and p.prettyJson.startswith("{\n")
    assert set(q.status) == {"message", "isDataAvailable", "isTriggerActive"}
    assert q in spark.streams.active and spark.streams.get(q.id) is q
    q.stop()
    assert q.status["message"] == "Stopped"
    assert spark.streams.get(q.id) is None
    assert q.awaitTermination(1) is True


def test_recent_progress_keeps_num_recent_progress_updates(spark):
    spark.conf.set("spark.sql.streaming.numRecentProgressUpdates", "3")
    try:
        ms = MemoryStream("x INT", spark)
        q = ms.toDF().writeStream.format("noop").start()
        for i in range(5):
            ms.addData([i])
            q.processAllAvailable()
        assert [p["batchId"] for p in q.recentProgress] == [2, 3, 4]
        q.stop()
    finally:
        spark.conf.unset("spark.sql.streaming.numRecentProgressUpdates")


def test_trigger_argument_errors(spark):
    from ember.errors import PySparkValueError

    w = MemoryStream("x INT", spark).toDF().writeStream
    with pytest.raises(PySparkValueError, match="ONLY_ALLOW_SINGLE_TRIGGER"):
        w.trigger(once=True, processingTime="1 second")
    with pytest.raises(PySparkValueError, match="ONLY_ALLOW_SINGLE_TRIGGER"):
        w.trigger()
    with pytest.raises(PySparkValueError):
        w.trigger(once=False)


def test_foreach_batch_is_refused_with_a_continuous_trigger(spark):
    rate = spark.readStream.format("rate").load()
    with pytest.raises(AnalysisException) as e:
        rate.writeStream.foreachBatch(lambda df, i: None).trigger(continuous="1 second").start()
    assert str(e.value) == "'foreachBatch' is not supported with continuous trigger."
    assert e.value.getCondition() == "_LEGACY_ERROR_TEMP_1195"
    # foreach (per row) is a continuous sink in Spark.
    q = rate.writeStream.foreach(lambda row: None).trigger(continuous="1 second").start()
    assert q.isActive
    q.stop()


def test_processing_time_trigger(spark):
    ms = MemoryStream("x INT", spark)
    got = []
    q = ms.toDF().writeStream.trigger(processingTime="100 milliseconds").foreachBatch(lambda d, i: got.append(i)).start()
    ms.addData([1])
    q.processAllAvailable()
    ms.addData([2])
    q.processAllAvailable()
    q.stop()
    assert got == [0, 1]


def test_rate_source_schema_and_values(spark):
    df = spark.readStream.format("rate").option("rowsPerSecond", 5).load()
    assert df.dtypes == [("timestamp", "timestamp"), ("value", "bigint")]
    with pytest.raises(AnalysisException, match="does not support a user-specified schema"):
        spark.readStream.format("rate").schema("x INT").load()
    got = []
    q = df.writeStream.foreachBatch(lambda d, i: got.extend(r.value for r in d.collect())).start()
    deadline = time.time() + 10
    while len(got) < 5 and time.time() < deadline:
        time.sleep(0.1)
    q.stop()
    assert got[:5] == [0, 1, 2, 3, 4]


def test_rate_micro_batch_source(spark):
    got = []
    q = (spark.readStream.format("rate-micro-batch").option("rowsPerBatch", 3).option("startTimestamp", 0).load()
         .writeStream.foreachBatch(lambda d, i: got.append((i, [r.value for r in d.collect()]))).start())
    deadline = time.time() + 10
    while len(got) < 2 and time.time() < deadline:
        time.sleep(0.02)
    q.stop()
    assert got[0] == (0, [0, 1, 2]) and got[1] == (1, [3, 4, 5])


def test_socket_word_count_and_dropped_connection(spark):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    lines = spark.readStream.format("socket").option("host", "127.0.0.1").option("port", port).load()
    counts = lines.select(F.explode(F.split("value", " ")).alias("word")).groupBy("word").count()
    q = counts.writeStream.outputMode("complete").format("memory").queryName("socket_wc").start()
    conn, _ = server.accept()
    conn.sendall(b"hello world\nhello spark\n")
    deadline = time.time() + 10
    while time.time() < deadline:
        q.processAllAvailable()
        rows = sorted(spark.table("socket_wc").collect()) if spark.catalog.tableExists("socket_wc") else []
        if sum(r["count"] for r in rows) == 4:
            break
        time.sleep(0.05)
    assert rows == [Row(word="hello", count=2), Row(word="spark", count=1), Row(word="world", count=1)]
    conn.close()
    server.close()
    with pytest.raises(StreamingQueryException, match="socket connection to 127.0.0.1"):
        q.awaitTermination(10)


def test_stream_static_joins(spark):
    ms = MemoryStream("k INT, v STRING", spark)
    static = spark.createDataFrame([(1, "one"), (2, "two")], "k INT, name STRING")
    out = []
    q = ms.toDF().join(static, "k", "left").writeStream.foreachBatch(lambda d, i: out.extend(sorted(d.collect()))).start()
    ms.addData([(1, "a"), (3, "c")])
    q.processAllAvailable()
    q.stop()
    assert out == [Row(k=1, v="a", name="one"), Row(k=3, v="c", name=None)]
    with pytest.raises(AnalysisException, match="RightOuter join with a streaming DataFrame/Dataset on the left"):
        ms.toDF().join(static, "k", "right").writeStream.format("console").start()
    with pytest.raises(AnalysisException, match="LeftOuter join with a streaming DataFrame/Dataset on the right"):
        static.join(ms.toDF(), "k", "left").writeStream.format("console").start()
    with pytest.raises(AnalysisException, match="FullOuter joins with streaming DataFrames/Datasets on the left"):
        ms.toDF().join(static, "k", "full").writeStream.format("console").start()


def test_listener_receives_lifecycle_events(spark):
    from ember.sql.streaming import StreamingQueryListener

    events = []

    class Recorder(StreamingQueryListener):
        def onQueryStarted(self, event):
            events.append(("started", str(event.id)))

        def onQueryProgress(self, event):
            events.append(("progress", event.progress["numInputRows"]))

        def onQueryIdle(self, event):
            events.append(("idle", str(event.id)))

        def onQueryTerminated(self, event):
            events.append(("terminated", event.exception))

    listener = Recorder()
    spark.streams.addListener(listener)
    try:
        ms = MemoryStream("x INT", spark)
        q = ms.toDF().writeStream.format("noop").start()
        ms.addData([1, 2])
        q.processAllAvailable()
        q.processAllAvailable()
        q.stop()
    finally:
        spark.streams.removeListener(listener)
    assert events[0] == ("started", q.id)
    assert ("progress", 2) in events
    assert ("idle", q.id) in events
    assert events[-1] == ("terminated", None)
