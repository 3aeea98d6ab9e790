"""``pandas_udf`` GROUPED_AGG (``Series, … -> scalar``) against PySpark 4.3: in ``groupBy().agg()`` (refused next to built-in
aggregates, as Spark), over the whole frame in ``select``/``agg``, with type-hinted and ``PandasUDFType.GROUPED_AGG`` forms,
registered for SQL, and on empty and all-null groups."""
import pandas as pd

from differential import compare, compare_error, modules

ROWS = [("a", 1, 2.0), ("b", 2, None), ("a", 3, 4.5), ("c", None, 1.0), ("b", 5, 3.0), ("a", 6, None)]
DDL = "k string, n long, v double"


def frame(s):
    return s.createDataFrame(ROWS, DDL)


def mean(v: pd.Series) -> float:
    return v.mean()


def weighted(v: pd.Series, w: pd.Series) -> float:
    return float((v.fillna(0) * w.fillna(0)).sum())


def count_values(v: pd.Series) -> int:
    return int(v.count())


def test_group_by_agg(spark, pyspark_session):
    compare(lambda s, F, T: frame(s).groupBy("k").agg(
        F.pandas_udf(mean, "double")("n").alias("m"), F.pandas_udf(weighted, "double")("n", "v"),
        F.pandas_udf(count_values, "long")("v")),
        spark, pyspark_session)


def test_mixed_with_builtin_aggregates_is_refused(spark, pyspark_session):
    compare_error(lambda s, F, T: frame(s).groupBy("k").agg(F.pandas_udf(mean, "double")("n"), F.sum("n")),
                  spark, pyspark_session)


def test_whole_frame_select_and_agg(spark, pyspark_session):
    compare(lambda s, F, T: frame(s).select(F.pandas_udf(mean, "double")("v")), spark, pyspark_session,
            ordered=True)
    compare(lambda s, F, T: frame(s).agg(F.pandas_udf(count_values, "long")("n").alias("c"),
                                         F.pandas_udf(mean, "double")("v")),
            spark, pyspark_session, ordered=True)


def test_function_type_form_and_expression_around_it(spark, pyspark_session):
    def build(s, F, T):
        m = F.pandas_udf(mean, "double", F.PandasUDFType.GROUPED_AGG)
        return frame(s).groupBy("k").agg((m("n") * 2 + 1).alias("x"))

    compare(build, spark, pyspark_session)


def test_empty_and_all_null_groups(spark, pyspark_session):
    compare(lambda s, F, T: frame(s).filter("k = 'c'").groupBy("k").agg(F.pandas_udf(mean, "double")("n")),
            spark, pyspark_session)
    compare(lambda s, F, T: frame(s).filter("k = 'zz'").agg(F.pandas_udf(count_values, "long")("n")),
            spark, pyspark_session, ordered=True)


def test_registered_for_sql(spark, pyspark_session):
    def build(s, F, T):
        s.udf.register("mean_udf", F.pandas_udf(mean, "double"))
        frame(s).createOrReplaceTempView("grouped_agg_t")
        return s.sql("SELECT k, mean_udf(n) AS m FROM grouped_agg_t GROUP BY k")

    compare(build, spark, pyspark_session)


def test_a_streaming_aggregation_with_it_fails_when_it_runs(spark, pyspark_session, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.json").write_text('{"k": "a", "n": 1}\n{"k": "b", "n": 2}\n')
    failures = []
    for side, s in (("ember", spark), ("pyspark", pyspark_session)):
        F = modules(side)[0]
        q = (s.readStream.schema("k string, n long").json(str(src)).groupBy("k").agg(F.pandas_udf(mean, "double")("n"))
             .writeStream.format("memory").queryName(f"gagg_{side}").outputMode("update").start())
        try:
            q.awaitTermination(120)
        except Exception:  # noqa: BLE001 - awaitTermination re-raises the failure, which q.exception() holds
            pass
        finally:
            failures.append(q.exception())
            q.stop()
    assert [type(e).__name__ for e in failures] == ["StreamingQueryException"] * 2
    assert all("Streaming aggregation doesn't support group aggregate pandas UDF" in str(e) for e in failures)
