"""``df1.groupBy(...).cogroup(df2.groupBy(...)).applyInPandas(func, schema)`` against PySpark 4.3 on batch
DataFrames: keys on both sides or one side only (the other side's frame is empty but has its columns), the
``func(key, left, right)`` form, several grouping columns, and timestamps handed over as naive local times."""
import pandas as pd

from differential import compare

LEFT = [("a", 1, 1.5), ("b", 2, None), ("a", 3, 2.5), ("c", 4, 0.5)]
RIGHT = [("a", "x", 10), ("d", "y", 20), ("a", "z", 30), (None, "w", 40)]


def left(s):
    return s.createDataFrame(LEFT, "k string, n long, v double")


def right(s):
    return s.createDataFrame(RIGHT, "k string, tag string, w long")


def summary(lf: pd.DataFrame, rf: pd.DataFrame) -> pd.DataFrame:
    key = lf.k.iloc[0] if len(lf) else rf.k.iloc[0]
    return pd.DataFrame({"k": [key], "left_rows": [len(lf)], "right_rows": [len(rf)],
                         "n_sum": [int(lf.n.sum())], "tags": [",".join(sorted(rf.tag)) if len(rf) else ""],
                         "cols": [",".join(list(lf.columns) + list(rf.columns))]})


def keyed(key, lf: pd.DataFrame, rf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"key": [str(key[0])], "total": [float(lf.v.fillna(0).sum() + rf.w.sum())]})


def pairs(lf: pd.DataFrame, rf: pd.DataFrame) -> pd.DataFrame:
    merged = lf.merge(rf, on=["k"], how="inner")
    return merged[["k", "n", "w"]]


SCHEMA = "k string, left_rows long, right_rows long, n_sum long, tags string, cols string"


def test_cogroup_both_sides_and_one_sided_keys(spark, pyspark_session):
    compare(lambda s, F, T: left(s).groupBy("k").cogroup(right(s).groupBy("k")).applyInPandas(summary, SCHEMA),
            spark, pyspark_session)


def test_cogroup_with_the_key_argument(spark, pyspark_session):
    compare(lambda s, F, T: left(s).groupBy("k").cogroup(right(s).groupBy("k"))
            .applyInPandas(keyed, "key string, total double"), spark, pyspark_session)


def test_cogroup_rows_per_group_joined_in_pandas(spark, pyspark_session):
    compare(lambda s, F, T: left(s).groupBy(F.col("k")).cogroup(right(s).groupBy("k"))
            .applyInPandas(pairs, "k string, n long, w long"), spark, pyspark_session)


def stamps(lf: pd.DataFrame, rf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"first": [lf.t.min() if len(lf) else rf.t.min()], "count": [len(lf) + len(rf)]})


def test_cogroup_timestamps_and_two_keys(spark, pyspark_session):
    def build(s, F, T):
        a = s.createDataFrame([("a", 1, "2024-01-01 10:00:00"), ("a", 1, "2024-01-01 09:00:00")], "k string, g int, t string")
        b = s.createDataFrame([("a", 1, "2024-01-02 08:00:00"), ("b", 2, "2024-01-03 00:00:00")], "k string, g int, t string")
        a, b = (d.withColumn("t", F.to_timestamp("t")) for d in (a, b))
        return a.groupBy("k", "g").cogroup(b.groupBy("k", "g")).applyInPandas(stamps, "first timestamp, count long")

    compare(build, spark, pyspark_session)


def _stream_rows(session, build, src, name):
    q = build(session).writeStream.format("memory").queryName(name).outputMode("append").start()
    try:
        q.processAllAvailable()
    finally:
        q.stop()
    return sorted(tuple(r) for r in session.table(name).collect())


def _streams(tmp_path, spark, pyspark_session, build):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.json").write_text('{"k": "a", "n": 1}\n{"k": "b", "n": 2}\n{"k": "a", "n": 3}\n')
    ours = _stream_rows(spark, lambda s: build(s, str(src)), str(src), f"cg_e_{tmp_path.name}")
    theirs = _stream_rows(pyspark_session, lambda s: build(s, str(src)), str(src), f"cg_p_{tmp_path.name}")
    return ours, theirs


def tenfold(pdf: pd.DataFrame) -> pd.DataFrame:
    return pdf.assign(n=pdf.n * 10)


def test_apply_in_pandas_on_a_stream_maps_each_batchs_groups(spark, pyspark_session, tmp_path):
    ours, theirs = _streams(tmp_path, spark, pyspark_session, lambda s, src: s.readStream.schema("k string, n long")
                            .json(src).groupBy("k").applyInPandas(tenfold, "k string, n long"))
    assert ours == theirs == [("a", 10), ("a", 30), ("b", 20)]


def counts(lf: pd.DataFrame, rf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"k": [lf.k.iloc[0]], "rows": [len(lf) + len(rf)]})


def test_cogroup_of_two_streams(spark, pyspark_session, tmp_path):
    def build(s, src):
        a = s.readStream.schema("k string, n long").json(src)
        b = s.readStream.schema("k string, n long").json(src)
        return a.groupBy("k").cogroup(b.groupBy("k")).applyInPandas(counts, "k string, rows long")

    ours, theirs = _streams(tmp_path, spark, pyspark_session, build)
    assert ours == theirs == [("a", 4), ("b", 2)]
