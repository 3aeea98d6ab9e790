"""SparkSession: builder, conf, version, views, range, createDataFrame."""
import datetime as dt
from decimal import Decimal

import pytest

from ember.errors import AnalysisException, IllegalArgumentException, PySparkValueError
from ember.sql import Row, SparkSession
from ember.sql.types import IntegerType, LongType, StringType, StructField, StructType


def test_builder_returns_same_session_until_stop():
    a = SparkSession.builder.appName("a").master("local[2]").config("spark.sql.caseSensitive", "false").getOrCreate()
    b = SparkSession.builder.enableHiveSupport().getOrCreate()
    assert a is b
    assert a.conf.get("spark.app.name") == "a"
    assert SparkSession.getActiveSession() is a


def test_stop_then_new_session():
    s = SparkSession.builder.getOrCreate()
    s.stop()
    t = SparkSession.builder.getOrCreate()
    assert t is not s
    t.conf.set("spark.sql.session.timeZone", "UTC")


def test_conf_get_set_unset(spark):
    spark.conf.set("spark.sql.shuffle.partitions", 3)
    assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
    spark.conf.unset("spark.sql.shuffle.partitions")
    import os

    assert spark.conf.get("spark.sql.shuffle.partitions") == str(os.cpu_count())
    assert spark.conf.get("no.such.key", "dflt") == "dflt"
    assert spark.conf.isModifiable("spark.sql.shuffle.partitions")
    assert not spark.conf.isModifiable("spark.sql.warehouse.dir")
    with pytest.raises(IllegalArgumentException):
        spark.conf.set("spark.sql.shuffle.partitions", "0")
    with pytest.raises(Exception):
        spark.conf.get("no.such.key")


def test_time_zone_conf_is_validated(spark):
    with pytest.raises(IllegalArgumentException, match="INVALID_CONF_VALUE.TIME_ZONE"):
        spark.conf.set("spark.sql.session.timeZone", "Mars/Olympus")
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_version_and_context(spark):
    assert spark.version == "4.3.0"
    spark.sparkContext.setLogLevel("ERROR")
    with pytest.raises(PySparkValueError):
        spark.sparkContext.setLogLevel("LOUD")


def test_range(spark):
    assert [r.id for r in spark.range(5).collect()] == [0, 1, 2, 3, 4]
    assert [r.id for r in spark.range(2, 10, 3).collect()] == [2, 5, 8]
    assert [r.id for r in spark.range(5, 0, -2).collect()] == [5, 3, 1]
    assert spark.range(10, numPartitions=3).count() == 10
    assert spark.range(3).schema == StructType([StructField("id", LongType(), False)])


def test_create_dataframe_forms(spark):
    df = spark.createDataFrame([(1, "a"), (2, "b")], ["n", "s"])
    assert df.dtypes == [("n", "bigint"), ("s", "string")]
    df = spark.createDataFrame([Row(n=1, s="a")])
    assert df.collect() == [Row(n=1, s="a")]
    df = spark.createDataFrame([{"x": 1.5, "y": None}, {"x": 2.0, "y": "z"}])
    assert df.dtypes == [("x", "double"), ("y", "string")]
    df = spark.createDataFrame([(1,), (None,)], "v int")
    assert df.collect() == [Row(v=1), Row(v=None)]
    df = spark.createDataFrame([1, 2, 3], IntegerType())
    assert df.columns == ["value"] and df.count() == 3
    df = spark.createDataFrame([(dt.date(2024, 1, 2), Decimal("1.25"))], "d date, x decimal(5,2)")
    assert df.collect()[0] == (dt.date(2024, 1, 2), Decimal("1.25"))


def test_create_dataframe_errors(spark):
    with pytest.raises(PySparkValueError, match="CANNOT_INFER_EMPTY_SCHEMA"):
        spark.createDataFrame([])
    with pytest.raises(TypeError, match="FIELD_DATA_TYPE_UNACCEPTABLE"):
        spark.createDataFrame([("x",)], "v int")
    with pytest.raises(PySparkValueError, match="CANNOT_DETERMINE_TYPE"):
        spark.createDataFrame([(None,)], ["a"])


def test_temp_views_and_table(spark):
    spark.range(3).createOrReplaceTempView("nums")
    assert spark.table("nums").count() == 3
    spark.range(4).createOrReplaceGlobalTempView("gnums")
    assert spark.table("global_temp.gnums").count() == 4
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.table("nope")
    with pytest.raises(AnalysisException, match="TEMP_TABLE_OR_VIEW_ALREADY_EXISTS"):
        spark.range(1).createTempView("nums")
    assert spark.catalog.dropTempView("nums")


def test_eager_eval_repr(spark):
    df = spark.createDataFrame([(1, "a")], "n int, s string")
    assert repr(df) == "DataFrame[n: int, s: string]"
    spark.conf.set("spark.sql.repl.eagerEval.enabled", True)
    try:
        assert "|  n|  s|" in repr(df)
        assert "<table" in df._repr_html_()
    finally:
        spark.conf.set("spark.sql.repl.eagerEval.enabled", False)
    assert df._repr_html_() is None


def test_case_sensitive_conf(spark):
    from ember.errors import AnalysisException

    df = spark.createDataFrame([(1, 2)], "a int, A int")
    with pytest.raises(AnalysisException, match="AMBIGUOUS_REFERENCE"):
        df.select("a")
    spark.conf.set("spark.sql.caseSensitive", True)
    try:
        assert df.select("A").collect() == [Row(A=2)]
    finally:
        spark.conf.set("spark.sql.caseSensitive", False)


def test_default_time_zone_is_the_machines(monkeypatch):
    from ember import _native

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert _native.Session().conf_get("spark.sql.session.timeZone") == "Asia/Tokyo"


def test_session_time_zone_shapes_rendering(spark, capture):
    df = spark.range(1).selectExpr("timestamp_seconds(0) AS t")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    utc = capture(df.show)
    spark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        tokyo = capture(df.show)
        # The same instant, shown in each zone.
        assert "1970-01-01 00:00:00" in utc and "1970-01-01 09:00:00" in tokyo
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


@pytest.mark.parametrize("key", ["spark.executor.memory", "spark.ui.enabled", "spark.sql.warehouse.dir",
                                 "spark.sql.streaming.ui.enabled"])
def test_static_and_core_configs_are_refused_as_pyspark_refuses_them(key, spark, pyspark_session):
    from differential import compare_error

    for change in (lambda s: s.conf.set(key, "x"), lambda s: s.conf.unset(key)):
        compare_error(lambda s, F, T: s, spark, pyspark_session, action=change)
    errors = []
    for s in (spark, pyspark_session):
        try:
            s.conf.set(key, "x")
        except Exception as e:  # noqa: BLE001 - comparing what each raises
            errors.append(str(e))
    assert errors[0] == errors[1]


def test_unknown_and_sql_configs_are_set(spark, pyspark_session):
    for s in (spark, pyspark_session):
        s.conf.set("spark.myapp.flag", "on")
        assert s.conf.get("spark.myapp.flag") == "on"
        s.conf.unset("spark.myapp.flag")
