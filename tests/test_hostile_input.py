"""Hostile input never crashes the process: JSON nested past Jackson's depth limit (1000) is a malformed record in
every JSON parser, oversized string/array results fail with Spark's errors before anything is allocated, and
calls at the wrong moment (query.stop() inside the query's own foreachBatch) do what Spark does. Expected
behaviour captured from PySpark 4.3."""
import pytest

from ember.errors import ArithmeticException, ParseException, SparkRuntimeException

DEEP = 100_000
DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP
DEEP_ARRAY = "[" * DEEP + "]" * DEEP
# Jackson (and so Spark) accepts exactly 1000 open containers.
AT_LIMIT = '{"a":' * 999 + '"x"' + "}" * 999


def test_deep_json_in_functions_is_malformed_not_a_crash(spark):
    row = spark.sql(f"select from_json('{DEEP_OBJECT}', 'a string') j").collect()[0]
    assert row.j.a is None
    assert spark.sql(f"select get_json_object('{DEEP_OBJECT}', '$.a') v").collect()[0].v is None
    assert spark.sql(f"select json_tuple('{DEEP_OBJECT}', 'a')").collect()[0][0] is None
    with pytest.raises(SparkRuntimeException, match="MALFORMED_RECORD_IN_PARSING"):
        spark.sql(f"select schema_of_json('{DEEP_ARRAY}')").collect()
    with pytest.raises(SparkRuntimeException, match="MALFORMED_RECORD_IN_PARSING"):
        spark.sql(f"select from_json('{DEEP_OBJECT}', 'a string', map('mode','FAILFAST'))").collect()
    deep_type = "struct<a:" * DEEP + "int" + ">" * DEEP
    with pytest.raises(ParseException, match="PARSE_SYNTAX_ERROR"):
        spark.sql(f"select from_json('{{}}', '{deep_type}')").collect()
    # 1000 levels still parse.
    assert spark.sql(f"select from_json('{AT_LIMIT}', 'a string') j").collect()[0].j.a is not None


def test_deep_json_files_are_corrupt_records_in_batch_and_streaming(spark, tmp_path):
    (tmp_path / "a.json").write_text(DEEP_OBJECT + "\n" + '{"a":"x"}\n')
    inferred = spark.read.json(str(tmp_path))
    assert inferred.schema.simpleString() == "struct<_corrupt_record:string,a:string>"
    assert [r.a for r in spark.read.schema("a string").json(str(tmp_path)).collect()] == [None, "x"]
    q = (spark.readStream.schema("a string").json(str(tmp_path)).writeStream.format("memory")
         .queryName("deep_json").start())
    try:
        q.processAllAvailable()
        assert sorted(spark.sql("select a from deep_json").collect(), key=str) == sorted(
            spark.createDataFrame([(None,), ("x",)], "a string").collect(), key=str)
    finally:
        q.stop()


@pytest.mark.parametrize("sql, error, text", [
    ("repeat('x', 2147483647)", SparkRuntimeException, "repeat would create a value of 2147483647 bytes"),
    ("repeat(repeat('x', 100000), 100000)", ArithmeticException, "integer overflow"),
    ("lpad('x', 2147483647, 'ab')", SparkRuntimeException, "lpad would create a value of 2147483647 bytes"),
    ("rpad('x', 2147483647, 'ab')", SparkRuntimeException, "rpad would create a value"),
    ("rpad(x'01', 2147483647, x'02')", SparkRuntimeException, "rpad would create a value"),
    ("space(2147483647)", SparkRuntimeException, "space would create a value"),
    ("array_repeat('x', 2147483647)", SparkRuntimeException,
     "[COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER] Can't create array with 2147483647 elements which exceeding the "
     "array size limit 2147483632, the value of parameter(s) `count` in the function `array_repeat` is invalid. "
     "SQLSTATE: 54000"),
    ("sequence(1, 2147483647)", SparkRuntimeException,
     "[COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER] Can't create array with 2147483647 elements which exceeding the "
     "array size limit 2147483632, the value of parameter(s) `count` in the function `sequence` is invalid. "
     "SQLSTATE: 54000"),
    ("sequence(-9223372036854775808, 9223372036854775807)", SparkRuntimeException, "Can't create array with"),
])
def test_oversized_results_fail_before_allocating(spark, sql, error, text):
    with pytest.raises(error) as e:
        spark.sql(f"select {sql} v").collect()
    assert text in str(e.value)


def test_stop_inside_the_querys_own_foreach_batch_stops_it(spark):
    holder, seen = {}, []

    def each(df, batch_id):
        seen.append(batch_id)
        holder["q"].stop()

    q = spark.readStream.format("rate").option("rowsPerSecond", 5).load().writeStream.foreachBatch(each).start()
    holder["q"] = q
    assert q.awaitTermination(60)
    assert not q.isActive and q.exception() is None
    assert seen == [0]
