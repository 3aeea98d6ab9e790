"""Streaming queries on ember and on PySpark 4.3 (skipped without it): console text, per-batch foreachBatch
results, and the start-time checks."""
import os

import pytest

from differential import compare_error

FILES = [
    "event,user\nlogin,1\nview,2\nlogin,3\n",
    "event,user\nview,1\npurchase,a_very_long_user_name_beyond_twenty\n",
    "event,user\nlogout,4\nlogin,5\nview,6\n",
]


@pytest.fixture
def event_dir(tmp_path):
    d = tmp_path / "events"
    d.mkdir()
    for i, text in enumerate(FILES):
        p = d / f"part{i}.csv"
        p.write_text(text)
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    return str(d)


def _stream(s, path):
    return s.readStream.option("header", True).option("maxFilesPerTrigger", 1).schema("event STRING, user STRING").csv(path)


def test_console_output_is_byte_identical(event_dir, spark, pyspark_session, capsys):
    # PySpark's console sink prints from the JVM (not capturable here); it prints the batch header and
    # showString(numRows, truncate). Rebuild that text from PySpark's batches and compare with ember's console sink.
    import pyspark.sql.functions as PF
    import ember.sql.functions as EF

    def query(s, F):
        return (_stream(s, event_dir).groupBy("event").agg(F.count("*").alias("n"), F.max("user").alias("top"))
                .orderBy("event").writeStream.outputMode("complete").trigger(availableNow=True))

    dashes = "-" * 43
    expected = []

    def render(df, batch_id):
        expected.append(f"{dashes}\nBatch: {batch_id}\n{dashes}\n{df._jdf.showString(3, 20, False)}\n")

    query(pyspark_session, PF).foreachBatch(render).start().awaitTermination()
    capsys.readouterr()
    query(spark, EF).format("console").option("numRows", 3).option("truncate", True).start().awaitTermination()
    assert capsys.readouterr().out == "".join(expected)
    assert len(expected) == 3


def test_foreach_batch_results_match(event_dir, spark, pyspark_session):
    results = []
    for s in (spark, pyspark_session):
        got = []

        def collect(df, batch_id, got=got):
            got.append((batch_id, sorted(tuple(r) for r in df.collect())))

        q = _stream(s, event_dir).groupBy("event").count().writeStream.outputMode("update").foreachBatch(collect).trigger(availableNow=True).start()
        q.awaitTermination()
        results.append(got)
    assert results[0] == results[1]
    assert [b for b, _ in results[0]] == [0, 1, 2]


INVALID = {
    "append_with_aggregation": lambda df, F: df.groupBy("event").count().writeStream.outputMode("append"),
    "complete_without_aggregation": lambda df, F: df.writeStream.outputMode("complete"),
    "sort_without_aggregation": lambda df, F: df.orderBy("event").writeStream.outputMode("append"),
    "distinct_aggregation": lambda df, F: df.agg(F.countDistinct("user")).writeStream.outputMode("complete"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_queries_fail_on_both(name, event_dir, spark, pyspark_session):
    def build(s, F, T):
        return INVALID[name](_stream(s, event_dir), F)

    compare_error(build, spark, pyspark_session, action=lambda w: w.format("console").start().stop())


def test_batch_action_on_stream_fails_on_both(event_dir, spark, pyspark_session):
    compare_error(lambda s, F, T: _stream(s, event_dir), spark, pyspark_session, action=lambda df: df.count())


@pytest.mark.parametrize("how", ["inner", "left"])
def test_stream_static_join_batches_match(how, event_dir, spark, pyspark_session):
    results = []
    for s in (spark, pyspark_session):
        static = s.createDataFrame([("login", "in"), ("view", "look"), ("logout", "out")], "event STRING, kind STRING")
        got = []

        def collect(df, batch_id, got=got):
            got.append((batch_id, sorted(tuple(r) for r in df.collect())))

        q = (_stream(s, event_dir).join(static, "event", how).writeStream.foreachBatch(collect)
             .trigger(availableNow=True).start())
        q.awaitTermination()
        results.append(got)
    assert results[0] == results[1]
    assert len(results[0]) == 3


CONTINUOUS_INVALID = {
    "aggregation": (lambda s, path: s.readStream.format("rate").load().groupBy("value").count(), "complete"),
    "deduplication": (lambda s, path: s.readStream.format("rate").load().dropDuplicates(["value"]), "append"),
    "file_source": (lambda s, path: _stream(s, path), "append"),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS_INVALID))
def test_continuous_trigger_rejects_what_spark_rejects(name, event_dir, spark, pyspark_session):
    build, mode = CONTINUOUS_INVALID[name]
    compare_error(lambda s, F, T: build(s, event_dir), spark, pyspark_session,
                  action=lambda df: df.writeStream.format("console").outputMode(mode)
                  .trigger(continuous="1 second").start().stop())


def test_source_naming_checks_match(spark, pyspark_session):
    # Spark 4.2's DataStreamReader.name(): validated at once, refused at load() while source evolution is off.
    for build in (lambda s: s.readStream.format("rate").name("bad name"),
                  lambda s: s.readStream.format("rate").name(3),
                  lambda s: s.readStream.format("rate").name("src_1").load()):
        compare_error(lambda s, F, T: build(s), spark, pyspark_session, action=lambda x: x)


def test_cluster_by_returns_the_writer(spark, pyspark_session):
    for s in (spark, pyspark_session):
        w = s.readStream.format("rate").load().writeStream
        assert w.clusterBy("value") is w and w.clusterBy(["value", "timestamp"]) is w


def test_argument_errors_match(spark, pyspark_session):
    calls = [lambda s: s.range(3).filter(3),
             lambda s: s.streams.awaitAnyTermination(-1),
             lambda s: s.streams.awaitAnyTermination("x"),
             lambda s: s.readStream.format("rate").load().writeStream.trigger(realTime=5),
             lambda s: s.readStream.format("rate").load().writeStream.trigger(realTime="1 second", once=True)]
    for call in calls:
        texts = []
        for s in (spark, pyspark_session):
            try:
                call(s)
            except Exception as e:  # noqa: BLE001 - comparing what each raises
                texts.append((type(e).__name__, e.getCondition(), str(e)))
        assert len(texts) == 2 and texts[0] == texts[1]
