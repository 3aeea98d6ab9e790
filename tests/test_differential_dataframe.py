"""Differential tests: the same DataFrame code on ember and on PySpark 4.3.0 must give the same columns, types,
rows and show() text (skipped when PySpark is not installed)."""
import datetime as dt
from decimal import Decimal

import pytest

from differential import compare, compare_error

EVENTS = [
    ("2024-01-01 10:00:01", 1, "login", 2.5),
    ("2024-01-01 10:00:02", 2, "view", None),
    ("2024-01-01 10:00:03", 1, "purchase", 10.0),
    ("2024-01-01 10:00:04", 3, "logout", 1.25),
    ("2024-01-01 10:00:05", None, "view", 3.0),
    ("2024-01-01 10:00:06", 2, "login", -1.5),
]
EVENTS_DDL = "ts string, user_id int, event string, amount double"


def events(s):
    return s.createDataFrame(EVENTS, EVENTS_DDL)


PEOPLE = [(1, "Alice", 34, "NY"), (2, "Bob", None, "SF"), (3, "Carol", 29, None), (4, "Dan", 41, "NY")]
ORDERS = [(1, 1, 9.99), (2, 1, 5.0), (3, 3, 12.5), (4, 5, 1.0)]


def people(s):
    return s.createDataFrame(PEOPLE, "id int, name string, age int, city string")


def orders(s):
    return s.createDataFrame(ORDERS, "order_id int, person_id int, total double")


CASES = {
    "select_columns": lambda s, F, T: events(s).select("event", F.col("user_id"), events(s)["amount"] if False else F.col("amount")),
    "arithmetic": lambda s, F, T: events(s).select(F.col("user_id") + 1, F.col("user_id") * 2, F.col("amount") / 2, F.col("user_id") / F.col("user_id"), F.col("user_id") % 2, -F.col("amount")),
    "int_division_by_zero": lambda s, F, T: events(s).select(F.col("user_id") / 0, F.col("user_id") % 0, F.expr("user_id div 0")),
    "comparisons": lambda s, F, T: events(s).select(F.col("user_id") == 1, F.col("user_id") != 1, F.col("amount") > 2, F.col("user_id").eqNullSafe(None), F.col("user_id") >= F.lit("2")),
    "boolean_logic": lambda s, F, T: events(s).select((F.col("user_id") > 1) & (F.col("amount") > 0), (F.col("user_id") > 1) | F.col("amount").isNull(), ~(F.col("user_id") == 2)),
    "filter_where": lambda s, F, T: events(s).filter(F.col("amount") > 1).where(F.col("event") != "view"),
    "filter_sql_string": lambda s, F, T: events(s).filter("amount > 1 and event <> 'view'"),
    "with_column": lambda s, F, T: events(s).withColumn("double", F.col("amount") * 2).withColumn("amount", F.lit(1)),
    "with_column_renamed_drop": lambda s, F, T: events(s).withColumnRenamed("event", "kind").drop("ts", "missing"),
    "literals": lambda s, F, T: events(s).select(F.lit(1), F.lit("x"), F.lit(None), F.lit(True), F.lit(1.5), F.lit(2**40)),
    "null_tests": lambda s, F, T: events(s).select(F.col("user_id").isNull(), F.col("amount").isNotNull(), F.coalesce("user_id", F.lit(0))),
    "isin_between": lambda s, F, T: events(s).select(F.col("user_id").isin(1, 3), F.col("amount").between(0, 3), F.col("event").isin(["view"])),
    "when_otherwise": lambda s, F, T: events(s).select(F.when(F.col("amount") > 2, "big").when(F.col("amount") > 0, "small").otherwise("neg")),
    "when_without_otherwise": lambda s, F, T: events(s).select(F.when(F.col("user_id") == 1, F.col("amount"))),
    "cast": lambda s, F, T: events(s).select(F.col("user_id").cast("string"), F.col("amount").cast("int"), F.col("user_id").cast(T.DoubleType()), F.col("ts").cast("timestamp")),
    "groupby_count": lambda s, F, T: events(s).groupBy("event").count(),
    "groupby_agg": lambda s, F, T: events(s).groupBy("event").agg(F.sum("amount"), F.avg("amount"), F.min("user_id"), F.max("ts"), F.count("*"), F.count("user_id")),
    "groupby_agg_alias": lambda s, F, T: events(s).groupBy("event").agg(F.sum("amount").alias("total"), F.countDistinct("user_id").alias("users")),
    "global_agg": lambda s, F, T: events(s).agg(F.count("*"), F.sum("user_id"), F.avg("amount"), F.max("amount")),
    "global_agg_empty": lambda s, F, T: events(s).filter(F.col("user_id") > 100).agg(F.count("*"), F.sum("user_id"), F.max("event")),
    "agg_dict": lambda s, F, T: events(s).groupBy("event").agg({"amount": "max"}),
    "groupby_sum_all": lambda s, F, T: events(s).groupBy("event").sum(),
    "groupby_expression": lambda s, F, T: events(s).groupBy((F.col("user_id") % 2).alias("parity")).count(),
    "agg_of_expression": lambda s, F, T: events(s).groupBy("event").agg((F.sum("amount") * 2).alias("twice"), F.round(F.avg("amount"), 1)),
    "collect_list_set": lambda s, F, T: events(s).groupBy("event").agg(F.sort_array(F.collect_list("user_id")), F.sort_array(F.collect_set("user_id"))),
    "stddev_variance": lambda s, F, T: events(s).agg(F.stddev("amount"), F.variance("amount"), F.stddev_pop("amount"), F.var_pop("amount")),
    "first_last_ordered": lambda s, F, T: events(s).orderBy("ts").groupBy("event").agg(F.first("user_id"), F.last("amount")),
    "order_by": lambda s, F, T: events(s).orderBy("user_id", F.col("ts").desc()),
    "order_by_nulls": lambda s, F, T: events(s).orderBy(F.col("amount").desc_nulls_first(), "ts"),
    "sort_ascending_list": lambda s, F, T: events(s).sort(["event", "ts"], ascending=[False, True]),
    "limit": lambda s, F, T: events(s).orderBy("ts").limit(3),
    "distinct": lambda s, F, T: events(s).select("event").distinct(),
    "drop_duplicates_subset": lambda s, F, T: events(s).orderBy("ts").dropDuplicates(["event"]),
    "union": lambda s, F, T: events(s).union(events(s)),
    "union_widening": lambda s, F, T: s.createDataFrame([(1,)], "a int").union(s.createDataFrame([(2.5,)], "a double")),
    "union_by_name": lambda s, F, T: people(s).select("id", "name").unionByName(people(s).select("name", "id")),
    "union_by_name_missing": lambda s, F, T: people(s).select("id", "name").unionByName(people(s).select("id", "age"), allowMissingColumns=True),
    "intersect_subtract": lambda s, F, T: events(s).select("event").intersect(events(s).filter("user_id = 1").select("event")),
    "subtract": lambda s, F, T: events(s).select("event").subtract(events(s).filter("user_id = 1").select("event")),
    "except_all": lambda s, F, T: events(s).select("event").exceptAll(events(s).filter("user_id = 1").select("event")),
    "join_inner_on_name": lambda s, F, T: people(s).join(orders(s).withColumnRenamed("person_id", "id"), "id"),
    "join_left_on_list": lambda s, F, T: people(s).join(orders(s).withColumnRenamed("person_id", "id"), ["id"], "left"),
    "join_right": lambda s, F, T: people(s).join(orders(s).withColumnRenamed("person_id", "id"), "id", "right"),
    "join_full": lambda s, F, T: people(s).join(orders(s).withColumnRenamed("person_id", "id"), "id", "full"),
    "join_condition": lambda s, F, T: people(s).join(orders(s), F.col("id") == F.col("person_id"), "inner"),
    "join_condition_left": lambda s, F, T: people(s).join(orders(s), F.col("id") == F.col("person_id"), "left_outer"),
    "join_semi": lambda s, F, T: people(s).join(orders(s), F.col("id") == F.col("person_id"), "left_semi"),
    "join_anti": lambda s, F, T: people(s).join(orders(s), F.col("id") == F.col("person_id"), "left_anti"),
    "join_non_equi": lambda s, F, T: people(s).join(orders(s), (F.col("id") == F.col("person_id")) & (F.col("total") > 6), "left"),
    "cross_join": lambda s, F, T: people(s).select("id").crossJoin(orders(s).select("order_id")),
    "join_aliases": lambda s, F, T: people(s).alias("a").join(people(s).alias("b"), F.col("a.id") == F.col("b.id") + 1).select("a.name", F.col("b.name").alias("prev")),
    "explode_split": lambda s, F, T: s.createDataFrame([("hello world spark",), ("spark streaming",)], "value string").select(F.explode(F.split("value", " ")).alias("word")),
    "word_count": lambda s, F, T: s.createDataFrame([("hello world spark",), ("spark streaming",)], "value string").select(F.explode(F.split("value", " ")).alias("word")).groupBy("word").count(),
    "posexplode": lambda s, F, T: s.createDataFrame([([1, 2],), (None,)], "a array<int>").select(F.posexplode_outer("a")),
    "select_star": lambda s, F, T: events(s).select("*", (F.col("user_id") + 1).alias("next")),
    "select_expr": lambda s, F, T: events(s).selectExpr("event", "user_id + 1 as next", "amount * 2", "upper(event) as up"),
    "expr_case_when": lambda s, F, T: events(s).select(F.expr("CASE WHEN amount > 2 THEN 'big' ELSE 'small' END").alias("size")),
    "struct_access": lambda s, F, T: s.createDataFrame([((1, "x"),)], "s struct<a: int, b: string>").select(F.col("s.a"), F.col("s")["b"], F.col("s").getField("a")),
    "array_map_access": lambda s, F, T: s.createDataFrame([([1, 2, 3], {"k": 1})], "a array<int>, m map<string,int>").select(F.col("a")[0], F.col("a")[5], F.col("m")["k"], F.col("m").getItem("z")),
    "fillna": lambda s, F, T: events(s).fillna(0).fillna("none"),
    "fillna_subset": lambda s, F, T: events(s).na.fill({"amount": 0.0, "user_id": -1}),
    "dropna": lambda s, F, T: events(s).dropna(),
    "dropna_thresh": lambda s, F, T: events(s).dropna(thresh=4),
    "replace": lambda s, F, T: events(s).replace("view", "seen", "event"),
    "describe": lambda s, F, T: events(s).describe("amount", "user_id"),
    "range": lambda s, F, T: s.range(0, 10, 3),
    "range_select": lambda s, F, T: s.range(5).select((F.col("id") * 2).alias("x")),
    "create_from_rows": lambda s, F, T: s.createDataFrame([{"a": 1, "b": "x"}, {"a": 2, "b": None}]),
    "create_inferred_types": lambda s, F, T: s.createDataFrame([(1, 1.5, "x", True, dt.date(2024, 1, 2), Decimal("1.50"), [1, 2], {"k": "v"})]),
    "create_struct_type": lambda s, F, T: s.createDataFrame([(1, "x")], T.StructType([T.StructField("a", T.IntegerType()), T.StructField("b", T.StringType())])),
    "integer_overflow": lambda s, F, T: s.createDataFrame([(2147483647, 9223372036854775807)], "i int, l bigint").select(F.col("i") + 1, F.col("l") + 1, F.col("i") * 2),
    # `*` as a function's arguments stands for the input's columns, as Spark's analyzer expands it.
    "star_in_function_arguments": lambda s, F, T: people(s).select(F.struct("*"), F.to_json(F.struct("*")), F.hash("*"), F.concat_ws("-", "*"), F.struct("id", "*"), F.expr("to_json(struct(*))"), F.array(F.struct("*"))),
    "star_in_with_column_and_agg": lambda s, F, T: people(s).withColumn("j", F.to_json(F.struct("*"))).groupBy("city").agg(F.sort_array(F.collect_list(F.struct("*"))).alias("rows"), F.count("*")),
    "star_of_a_qualified_frame_in_struct": lambda s, F, T: people(s).alias("p").join(orders(s).alias("o"), F.col("p.id") == F.col("o.person_id")).select(F.struct("o.*").alias("order"), "p.name"),
    "decimal_arithmetic": lambda s, F, T: s.createDataFrame([(Decimal("1.50"), Decimal("3.25"))], "a decimal(10,2), b decimal(5,2)").select(F.col("a") + F.col("b"), F.col("a") * F.col("b"), F.col("a") / F.col("b"), F.col("a") + 1),
}

ORDERED = {"order_by", "order_by_nulls", "sort_ascending_list", "limit", "range", "range_select", "describe"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pyspark(name, spark, pyspark_session):
    compare(CASES[name], spark, pyspark_session, ordered=name in ORDERED)


ERRORS = {
    "unknown_column": lambda s, F, T: events(s).select("nope"),
    "unknown_column_in_expression": lambda s, F, T: events(s).select(F.col("user_id") + F.col("zz")),
    "unknown_function": lambda s, F, T: events(s).select(F.expr("foo(1)")),
    "ambiguous_column": lambda s, F, T: people(s).alias("a").join(people(s).alias("b"), F.col("a.id") == F.col("b.id")).select("id"),
    "bad_filter_type": lambda s, F, T: events(s).filter(F.col("user_id") + 1),
    "missing_aggregation": lambda s, F, T: events(s).groupBy("event").agg(F.col("amount")),
    "bad_binary_types": lambda s, F, T: events(s).select(F.lit(True) & F.col("event")),
    "union_column_count": lambda s, F, T: events(s).union(people(s).select("id")),
    "bad_join_type": lambda s, F, T: people(s).join(orders(s), F.col("id") == F.col("person_id"), "sideways"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pyspark(name, spark, pyspark_session):
    compare_error(ERRORS[name], spark, pyspark_session)


def test_show_truncation_and_vertical(spark, pyspark_session, capture):
    def build(s):
        return s.createDataFrame([("a" * 30, 1, None), ("short", 22, 3.5), ("日本語テキスト", 333, 1e20)], "s string, n int, d double")

    e, p = build(spark), build(pyspark_session)
    for args in [(), (2,), (20, False), (20, 5), (20, 2), (1,), (20, 20, True), (0,)]:
        assert capture(lambda: e.show(*args)) == capture(lambda: p.show(*args)), args


def test_print_schema_matches(spark, pyspark_session, capture):
    ddl = "a int, b string not null, c array<struct<x: double, y: map<string, bigint>>>, d decimal(10,2), e timestamp, f date, g boolean"
    e = spark.createDataFrame([], ddl)
    p = pyspark_session.createDataFrame([], ddl)
    assert capture(e.printSchema) == capture(p.printSchema)
    assert e.dtypes == p.dtypes


def test_summary_matches_pyspark(spark, pyspark_session):
    compare(lambda s, F, T: events(s).summary(), spark, pyspark_session, ordered=True)
    compare(lambda s, F, T: events(s).select("user_id", "amount").summary("count", "min", "50%", "max"), spark, pyspark_session, ordered=True)


MORE = {
    "select_expr_predicates": lambda s, F, T: people(s).selectExpr("name LIKE 'A%' AS a", "name RLIKE '^B' AS b", "age IS NOT NULL", "`name`", "city IN ('NY', 'LA')", "age BETWEEN 30 AND 40"),
    "select_expr_struct_star": lambda s, F, T: s.createDataFrame([((1, "x"),)], "s struct<a: int, b: string>").selectExpr("s.*"),
    "intersect_all": lambda s, F, T: events(s).select("event").intersectAll(events(s).select("event")),
    "repartition_coalesce": lambda s, F, T: events(s).repartition(3).coalesce(1).select("event"),
    "case_insensitive_names": lambda s, F, T: events(s).select("EVENT", F.col("User_Id")),
    "nested_functions": lambda s, F, T: events(s).select(F.concat_ws("-", F.upper("event"), F.col("user_id").cast("string")).alias("k"), F.length(F.trim(F.lit("  ab  ")))),
    "with_column_expression_chain": lambda s, F, T: events(s).withColumn("d", F.to_date(F.col("ts"))).withColumn("h", F.hour(F.to_timestamp("ts"))).groupBy("d", "h").count(),
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_matches_pyspark(name, spark, pyspark_session):
    compare(MORE[name], spark, pyspark_session)
