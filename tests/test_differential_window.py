"""Window functions against PySpark 4.3: ranking, offsets, nth_value/first/last, aggregates over ROWS and RANGE
frames, SQL OVER, generated column names; and Spark's rejection on streaming DataFrames."""
import pytest

from differential import compare, compare_error

ROWS = [
    ("a", 1, 10.0), ("a", 2, None), ("a", 3, 30.0), ("a", 3, 5.0), ("a", 7, 1.0),
    ("b", 1, 2.0), ("b", 5, 4.0), ("b", None, 8.0),
    (None, 4, 1.5),
]
DDL = "k string, t int, v double"


def data(s):
    return s.createDataFrame(ROWS, DDL)


def W(s):
    if "ember" in type(s).__module__:
        from ember.sql.window import Window
    else:
        from pyspark.sql.window import Window
    return Window


def ordered(s):
    return W(s).partitionBy("k").orderBy("t", "v")


CASES = {
    "ranking": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.row_number().over(ordered(s)).alias("rn"),
        F.rank().over(W(s).partitionBy("k").orderBy("t")).alias("rk"),
        F.dense_rank().over(W(s).partitionBy("k").orderBy("t")).alias("drk"),
        F.percent_rank().over(W(s).partitionBy("k").orderBy("t")).alias("pr"),
        F.cume_dist().over(W(s).partitionBy("k").orderBy("t")).alias("cd")),
    "ntile": lambda s, F, T: data(s).select(
        "k", "t", "v", F.ntile(2).over(ordered(s)).alias("n2"), F.ntile(4).over(W(s).orderBy("t", "v", "k")).alias("n4")),
    "lag_lead": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.lag("v").over(ordered(s)).alias("prev"),
        F.lead("v", 2).over(ordered(s)).alias("next2"),
        F.lag("t", 1, -1).over(ordered(s)).alias("prev_t")),
    "nth_first_last": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.nth_value("v", 2).over(ordered(s)).alias("second"),
        F.first("v").over(ordered(s).rowsBetween(W(s).unboundedPreceding, W(s).unboundedFollowing)).alias("f"),
        F.last("v", ignorenulls=True).over(ordered(s).rowsBetween(W(s).unboundedPreceding, W(s).currentRow)).alias("l"),
        F.first("v", ignorenulls=True).over(ordered(s).rowsBetween(-1, 1)).alias("fi")),
    "running_aggregates": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.sum("v").over(W(s).partitionBy("k").orderBy("t")).alias("running"),
        F.count("v").over(W(s).partitionBy("k").orderBy("t")).alias("cnt"),
        F.avg("v").over(W(s).partitionBy("k")).alias("avg_all"),
        F.max("t").over(W(s).partitionBy("k")).alias("max_all")),
    "rows_frames": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.sum("v").over(ordered(s).rowsBetween(-1, 1)).alias("moving"),
        F.min("v").over(ordered(s).rowsBetween(W(s).currentRow, W(s).unboundedFollowing)).alias("rest_min"),
        F.collect_list("t").over(ordered(s).rowsBetween(-2, -1)).alias("before")),
    "range_frames": lambda s, F, T: data(s).select(
        "k", "t", "v",
        F.sum("v").over(W(s).partitionBy("k").orderBy("t").rangeBetween(-2, 0)).alias("last2"),
        F.count("*").over(W(s).partitionBy("k").orderBy(F.col("t").desc()).rangeBetween(-1, 1)).alias("near"),
        F.max("v").over(W(s).partitionBy("k").orderBy("t").rangeBetween(W(s).currentRow, W(s).unboundedFollowing))
        .alias("after")),
    "with_column_and_filter": lambda s, F, T: data(s)
    .withColumn("rn", F.row_number().over(ordered(s))).filter("rn = 1"),
    "expression_of_windows": lambda s, F, T: data(s).select(
        "k", "t", (F.col("v") - F.avg("v").over(W(s).partitionBy("k"))).alias("dev")),
    "sql_over": lambda s, F, T: data(s).selectExpr(
        "k", "t", "v", "row_number() OVER (PARTITION BY k ORDER BY t, v) AS rn",
        "sum(v) OVER (PARTITION BY k ORDER BY t) AS s",
        "avg(v) OVER (PARTITION BY k ORDER BY t, v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS m",
        "count(v) OVER (PARTITION BY k ORDER BY t RANGE BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING) AS c"),
    "generated_names": lambda s, F, T: data(s).select(
        F.row_number().over(ordered(s)), F.sum("v").over(W(s).partitionBy("k"))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_window_functions_match_pyspark(name, spark, pyspark_session):
    compare(CASES[name], spark, pyspark_session)


def test_window_in_foreach_batch(spark, tmp_path):
    from ember.sql import functions as F
    from ember.sql.window import Window
    from ember.testing import MemoryStream

    seen = []

    def handle(df, batch_id):
        seen.extend(df.select("k", F.row_number().over(Window.partitionBy("k").orderBy("t")).alias("rn")).collect())

    ms = MemoryStream("k STRING, t INT", spark)
    q = ms.toDF().writeStream.foreachBatch(handle).start()
    try:
        ms.addData([("a", 2), ("a", 1), ("b", 5)])
        q.processAllAvailable()
    finally:
        q.stop()
    assert sorted((r.k, r.rn) for r in seen) == [("a", 1), ("a", 2), ("b", 1)]


def test_window_on_a_stream_is_rejected_as_spark_does(spark):
    from ember.errors import AnalysisException
    from ember.sql import functions as F
    from ember.sql.window import Window
    from ember.testing import MemoryStream

    ms = MemoryStream("k STRING, t INT", spark)
    df = ms.toDF().select("k", F.row_number().over(Window.partitionBy("k").orderBy("t")).alias("rn"))
    with pytest.raises(AnalysisException) as info:
        df.writeStream.format("memory").queryName("win_stream").start()
    assert info.value.getCondition() == "NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING"
    assert str(info.value).startswith(
        "[NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING] Window function is not supported in ROW_NUMBER() (as column `rn`)"
        " on streaming DataFrames/Datasets.\nStructured Streaming only supports time-window aggregation using the WINDOW"
        " function. (window specification: (PARTITION BY K ORDER BY T ASC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING"
        " AND CURRENT ROW)) SQLSTATE: 42KDE")


def test_over_needs_a_window_spec(spark, pyspark_session):
    compare_error(lambda s, F, T: data(s).select(F.row_number().over("k")), spark, pyspark_session,
                  action=lambda df: df)
