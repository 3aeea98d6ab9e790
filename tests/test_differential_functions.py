"""Every function of issue 2's list, evaluated on ember and on PySpark 4.3 over the same rows: same column name,
type and values (skipped when PySpark is not installed)."""
import datetime as dt

import pytest

from differential import compare

ROWS = [
    (1, -2.5, "Hello World", "a,b,,c", dt.datetime(2024, 3, 10, 9, 30, 15, 123000), dt.date(2024, 2, 29), '{"a": 1, "b": [1, 2], "c": {"d": "x"}}', [3, 1, 2], {"k": 1}),
    (2, 0.0, "  spark  ", "x", dt.datetime(2023, 12, 31, 23, 59, 59), dt.date(2023, 1, 1), '{"a": 2}', [], {"z": 2}),
    (None, None, None, None, None, None, None, None, None),
    (-7, 1e10, "ÄbC ünï", "1|2", dt.datetime(1999, 1, 1, 0, 0, 0), dt.date(1999, 12, 31), "not json", [None, 5], {}),
]
DDL = "i int, d double, s string, csv string, ts timestamp, day date, j string, arr array<int>, m map<string,int>"


def base(s):
    return s.createDataFrame(ROWS, DDL)


EXPRS = {
    # strings
    "concat": lambda F: F.concat("s", F.lit("-"), "csv"),
    "concat_ws": lambda F: F.concat_ws("|", "s", "csv"),
    "lower_upper": lambda F: F.upper(F.lower("s")),
    "length": lambda F: F.length("s"),
    "trim": lambda F: F.trim("s"),
    "ltrim": lambda F: F.ltrim("s"),
    "rtrim": lambda F: F.rtrim("s"),
    "lpad": lambda F: F.lpad("s", 14, "*"),
    "rpad": lambda F: F.rpad("s", 3, "ab"),
    "substring": lambda F: F.substring("s", 2, 4),
    "substring_negative": lambda F: F.substring("s", -3, 2),
    "split": lambda F: F.split("csv", ","),
    "split_limit": lambda F: F.split("csv", ",", 2),
    "regexp_replace": lambda F: F.regexp_replace("s", "[aeiou]", "_"),
    "regexp_extract": lambda F: F.regexp_extract("s", r"(\w+) (\w+)", 2),
    "format_string": lambda F: F.format_string("%s has %d", "s", "i"),
    "initcap": lambda F: F.initcap("s"),
    "instr": lambda F: F.instr("s", "o"),
    "translate": lambda F: F.translate("s", "lo", "01"),
    "like": lambda F: F.col("s").like("%o%"),
    "rlike": lambda F: F.col("s").rlike("^H"),
    "startswith": lambda F: F.col("s").startswith("He"),
    "endswith": lambda F: F.col("s").endswith("ld"),
    "contains": lambda F: F.col("s").contains("o W"),
    # collections
    "size": lambda F: F.size("arr"),
    "array": lambda F: F.array("i", F.lit(9)),
    "array_contains": lambda F: F.array_contains("arr", 1),
    "struct": lambda F: F.struct("i", "s"),
    "create_map": lambda F: F.create_map(F.lit("a"), "i"),
    "element_at_array": lambda F: F.element_at("arr", 1),
    "element_at_map": lambda F: F.element_at("m", F.lit("k")),
    # date/time
    "to_timestamp": lambda F: F.to_timestamp(F.lit("2024-01-02 03:04:05")),
    "to_timestamp_fmt": lambda F: F.to_timestamp(F.lit("02/01/2024 03:04"), "dd/MM/yyyy HH:mm"),
    "to_date": lambda F: F.to_date("ts"),
    "to_date_fmt": lambda F: F.to_date(F.lit("2024.05.06"), "yyyy.MM.dd"),
    "date_format": lambda F: F.date_format("ts", "yyyy-MM-dd HH:mm:ss.SSS EEE MMM"),
    "year": lambda F: F.year("ts"),
    "month": lambda F: F.month("day"),
    "dayofmonth": lambda F: F.dayofmonth("day"),
    "dayofweek": lambda F: F.dayofweek("day"),
    "hour": lambda F: F.hour("ts"),
    "minute": lambda F: F.minute("ts"),
    "second": lambda F: F.second("ts"),
    "unix_timestamp": lambda F: F.unix_timestamp("ts"),
    "unix_timestamp_str": lambda F: F.unix_timestamp(F.lit("2024-01-01 00:00:00")),
    "from_unixtime": lambda F: F.from_unixtime(F.lit(1700000000)),
    "date_add": lambda F: F.date_add("day", 1),
    "date_sub": lambda F: F.date_sub("day", 30),
    "datediff": lambda F: F.datediff("day", F.lit("2024-01-01")),
    "date_trunc": lambda F: F.date_trunc("hour", "ts"),
    "ts_plus_interval": lambda F: F.col("ts") + F.expr("interval 1 hour"),
    "ts_minus_interval": lambda F: F.expr("ts - INTERVAL '10' MINUTE"),
    # JSON
    "from_json": lambda F: F.from_json("j", "a INT, b ARRAY<INT>, c STRUCT<d: STRING>"),
    "to_json": lambda F: F.to_json(F.struct("i", "s")),
    "get_json_object": lambda F: F.get_json_object("j", "$.c.d"),
    "schema_of_json": lambda F: F.schema_of_json(F.lit('{"a": 1, "b": [1.5]}')),
    # math
    "round": lambda F: F.round("d", 0),
    "round_half": lambda F: F.round(F.lit(2.5)),
    "bround": lambda F: F.bround(F.lit(2.5)),
    "abs": lambda F: F.abs("d"),
    "floor_ceil": lambda F: F.floor("d") + F.ceil("d"),
    "sqrt": lambda F: F.sqrt(F.abs("d")),
    "exp": lambda F: F.exp(F.lit(1)),
    "log": lambda F: F.log("i"),
    "log_base": lambda F: F.log(2.0, F.col("i")),
    "pow": lambda F: F.pow("i", 2),
    "greatest_least": lambda F: F.greatest("i", F.lit(0)) - F.least("i", F.lit(0)),
    "coalesce": lambda F: F.coalesce("i", F.lit(-1)),
    "nanvl_isnan": lambda F: F.nanvl(F.lit(float("nan")), "d").isNull() | F.isnan("d"),
    # hashing
    "hash": lambda F: F.hash("i", "s"),
    "md5": lambda F: F.md5("s"),
    "sha1": lambda F: F.sha1("s"),
    "sha2": lambda F: F.sha2("s", 256),
    "crc32": lambda F: F.crc32("s"),
}

AGGS = {
    "count": lambda F: F.count("i"),
    "count_star": lambda F: F.count("*"),
    "sum": lambda F: F.sum("i"),
    "avg": lambda F: F.avg("d"),
    "mean": lambda F: F.mean("i"),
    "min_max": lambda F: F.max("s"),
    "count_distinct": lambda F: F.countDistinct("s"),
    "approx_count_distinct": lambda F: F.approx_count_distinct("s"),
    "first": lambda F: F.first("s"),
    "last_ignorenulls": lambda F: F.last("s", ignorenulls=True),
    "collect_list": lambda F: F.collect_list("i"),
    "collect_set": lambda F: F.size(F.collect_set("s")),
    "stddev": lambda F: F.stddev("d"),
    "variance": lambda F: F.variance("i"),
    "sum_distinct": lambda F: F.sum_distinct("i"),
}


# Java's Math and the C library may differ in the last bit of transcendental results.
TRANSCENDENTAL = {"exp", "log", "log_base", "pow", "sqrt"}


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_scalar_function(name, spark, pyspark_session):
    compare(lambda s, F, T: base(s).select(EXPRS[name](F)), spark, pyspark_session, approx=name in TRANSCENDENTAL)


@pytest.mark.parametrize("name", sorted(AGGS))
def test_aggregate_function(name, spark, pyspark_session):
    compare(lambda s, F, T: base(s).agg(AGGS[name](F)), spark, pyspark_session)


def test_explode_family(spark, pyspark_session):
    compare(lambda s, F, T: base(s).select("i", F.explode("arr")), spark, pyspark_session)
    compare(lambda s, F, T: base(s).select("i", F.explode_outer("m")), spark, pyspark_session)
    compare(lambda s, F, T: base(s).select(F.posexplode("arr")), spark, pyspark_session)


def test_json_tuple(spark, pyspark_session):
    compare(lambda s, F, T: base(s).select(F.json_tuple("j", "a", "b")), spark, pyspark_session)


def test_monotonically_increasing_id_and_broadcast(spark):
    from ember.sql import functions as F

    df = spark.range(5, numPartitions=1)
    ids = [r[0] for r in df.select(F.monotonically_increasing_id()).collect()]
    assert ids == [0, 1, 2, 3, 4]
    assert F.broadcast(df).count() == 5
