"""One run per query: Spark's rules for a second start with an active query's name or checkpoint (behaviour checked
against PySpark 4.3: a duplicate name is refused; a new run on an active run's checkpoint stops the older run)."""
import pytest

from ember.errors import IllegalArgumentException
from ember.testing import MemoryStream


def test_a_second_active_query_with_the_same_name_is_refused(spark):
    src = MemoryStream("k STRING", spark)
    first = src.toDF().writeStream.format("memory").queryName("same_name").start()
    try:
        with pytest.raises(IllegalArgumentException) as e:
            src.toDF().writeStream.format("memory").queryName("same_name").start()
        assert str(e.value) == ("Cannot start query with name same_name as a query with that name is already active "
                                "in this SparkSession")
        assert first.isActive
    finally:
        first.stop()
    # Once the first has stopped, the name is free again.
    again = src.toDF().writeStream.format("memory").queryName("same_name").start()
    again.stop()


def test_a_new_run_on_an_active_runs_checkpoint_stops_the_older_run(spark, tmp_path):
    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING", spark)
    seen = []

    def start(tag):
        return (src.toDF().writeStream.option("checkpointLocation", ck)
                .foreachBatch(lambda df, batch_id: seen.append((tag, batch_id, sorted(r.k for r in df.collect()))))
                .start())

    older = start("older")
    src.addData(["a"])
    older.processAllAvailable()
    newer = start("newer")
    try:
        assert not older.isActive and older.exception() is None
        assert newer.isActive and newer.id == older.id and newer.runId != older.runId
        src.addData(["b"])
        newer.processAllAvailable()
    finally:
        newer.stop()
    # Each batch was delivered once, by one run.
    assert seen == [("older", 0, ["a"]), ("newer", 1, ["b"])]


def test_approx_count_distinct_with_an_impossible_precision_fails_when_defined(spark):
    # rsd 0 (and rsd so small Spark's JVM crashes) once reached the engine thread and panicked there; it now fails
    # when the aggregation is defined. A panic on the engine thread still ends the query with its error rather than
    # leaving it active: query.rs's a_panic_on_the_engine_thread_ends_the_query_with_its_error.
    from ember.errors import AnalysisException
    from ember.sql import functions as F

    src = MemoryStream("x INT", spark)
    for rsd in (0.0, 0.00001):
        with pytest.raises(AnalysisException, match="FAILED_FUNCTION_CALL"):
            src.toDF().agg(F.approx_count_distinct("x", rsd))
    with pytest.raises(AnalysisException, match="The second argument should be a double literal"):
        spark.range(1).selectExpr("approx_count_distinct(id, 1)")
    assert spark.range(1).selectExpr("approx_count_distinct(id, 0.1) n").collect()[0].n == 1
    # The Python function passes rsd as a double, as PySpark does: an int is a bad precision, not a bad type.
    with pytest.raises(AnalysisException, match="FAILED_FUNCTION_CALL"):
        spark.range(3).agg(F.approx_count_distinct("id", 1))


def test_a_short_query_id_in_the_checkpoint_starts(spark, tmp_path):
    # The query id comes from the checkpoint's metadata file; one shorter than a UUID made start() panic.
    ck = tmp_path / "ck"
    ck.mkdir()
    (ck / "metadata").write_text('{"id":"abc"}')
    src = MemoryStream("k STRING", spark)
    q = src.toDF().writeStream.format("noop").option("checkpointLocation", str(ck)).start()
    try:
        src.addData(["a"])
        q.processAllAvailable()
        assert q.id == "abc" and q.isActive
    finally:
        q.stop()


def test_a_restarted_rate_query_continues_without_repeats_or_gaps(spark, tmp_path):
    # The rate source's offset is seconds since the query first started. A restart used to count from the new run's
    # start: it read backwards (an empty batch) and then delivered the same values again.
    import time

    ck = str(tmp_path / "ck")
    values = []

    def start():
        return (spark.readStream.format("rate").option("rowsPerSecond", 5).load().writeStream
                .option("checkpointLocation", ck)
                .foreachBatch(lambda df, _: values.extend(r.value for r in df.collect())).start())

    for _ in range(2):
        q = start()
        deadline = time.time() + 30
        before = len(values)
        # Run until this run has delivered more than two seconds of rows.
        while len(values) - before <= 10 and time.time() < deadline:
            q.processAllAvailable()
            time.sleep(0.2)
        q.stop()
    assert len(values) > 20
    assert values == list(range(len(values)))


RUN_ELSEWHERE = """
import sys, time
from ember.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
q = (spark.readStream.format("rate").option("rowsPerSecond", 5).load()
     .writeStream.format("noop").option("checkpointLocation", sys.argv[1]).start())
print("started", flush=True)
while not q.lastProgress:
    time.sleep(0.05)
print("running", flush=True)
time.sleep(600)
"""


def test_a_second_process_on_an_active_checkpoint_fails_and_a_restart_after_it_resumes(spark, tmp_path):
    import subprocess
    import sys

    from ember.errors import StreamingQueryException

    ckpt = str(tmp_path / "ckpt")
    other = subprocess.Popen([sys.executable, "-c", RUN_ELSEWHERE, ckpt], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "started"
        assert other.stdout.readline().strip() == "running"
        stream = spark.readStream.format("rate").option("rowsPerSecond", 5).load()
        q = stream.writeStream.format("noop").option("checkpointLocation", ckpt).start()
        with pytest.raises(StreamingQueryException) as e:
            q.awaitTermination(30)
        assert "CONCURRENT_STREAM_LOG_UPDATE" in str(e.value), str(e.value)
        assert not q.isActive
        assert other.poll() is None, "the first run keeps running"
    finally:
        other.kill()
        other.wait()
    # The lock dies with the process that held it.
    q = spark.readStream.format("rate").option("rowsPerSecond", 5).load().writeStream.format("noop").option(
        "checkpointLocation", ckpt
    ).start()
    try:
        import time

        deadline = time.time() + 30
        while not q.lastProgress and time.time() < deadline:
            time.sleep(0.05)
        assert q.isActive and q.exception() is None
        assert q.lastProgress["batchId"] > 0, "resumed after the batches the killed run logged"
    finally:
        q.stop()
