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


# Run in a child process: before the fix these inputs killed the interpreter with SIGSEGV (stack overflow in the
# parser, resolver, evaluator or the expression's clone), which would take pytest down with them.
DEEP_EXPRESSIONS = r'''
import sys
from ember.sql import SparkSession, functions as F
from ember.errors import ParseException
spark = SparkSession.builder.getOrCreate()

def outcome(f):
    try:
        return repr(f())
    except ParseException as e:
        return e.getErrorClass()

for n in (1000, 2900):
    plus = "1+" * n + "1"
    print(n, "sql", outcome(lambda: spark.sql("select " + plus + " v").collect()[0].v))
    print(n, "expr", outcome(lambda: spark.range(1).select(F.expr(plus).alias("v")).collect()[0].v))
    c = F.lit(1)
    for _ in range(n):
        c = c + 1
    print(n, "column", outcome(lambda: spark.range(1).select(c.alias("v")).collect()[0].v))
for n in (3100, 100000):
    plus = "1+" * n + "1"
    print(n, "sql", outcome(lambda: spark.sql("select " + plus + " v").collect()))
    print(n, "selectExpr", outcome(lambda: spark.range(1).selectExpr(plus).collect()))
    print(n, "nested", outcome(lambda: F.expr("abs(" * n + "1" + ")" * n)))
def deep_column():
    c = F.lit(1)
    for _ in range(3100):
        c = c + 1
    return c
print("column 3100", outcome(deep_column))
# A chain of ORs is balanced as Spark's parser balances it, so thousands of terms stay shallow.
print("or", outcome(lambda: spark.sql("select " + " or ".join(["false"] * 20000) + " v").collect()[0].v))
# Deep plans: thousands of chained DataFrame operations, batch and streaming.
df = spark.range(3)
for i in range(20000):
    df = df.filter(F.col("id") >= 0) if i % 2 else df.withColumn("id", F.col("id") + 0)
print("plan", df.count())
# A file source, not rate: processAllAvailable on an endless source only returns once a batch finds nothing new,
# which a slow machine's batches (each over a second) would never allow.
import tempfile
src = tempfile.mkdtemp()
with open(src + "/a.json", "w") as f:
    f.write("".join('{"value": %d}\n' % i for i in range(100)))
sdf = spark.readStream.schema("value long").json(src)
for _ in range(5000):
    sdf = sdf.filter(F.col("value") >= 0)
q = sdf.writeStream.format("memory").queryName("deep_plan").start()
q.processAllAvailable()
q.stop()
print("stream", q.exception())
'''


def test_deep_expressions_and_plans_fail_or_run_but_never_crash(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "deep.py"
    script.write_text(DEEP_EXPRESSIONS)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    too_complex = "FAILED_TO_PARSE_TOO_COMPLEX"
    assert run.stdout.splitlines() == [
        "1000 sql 1001", "1000 expr 1001", "1000 column 1001",
        "2900 sql 2901", "2900 expr 2901", "2900 column 2901",
        f"3100 sql {too_complex}", f"3100 selectExpr {too_complex}", f"3100 nested {too_complex}",
        f"100000 sql {too_complex}", f"100000 selectExpr {too_complex}", f"100000 nested {too_complex}",
        f"column 3100 {too_complex}",
        "or False",
        "plan 3",
        "stream None",
    ]


@pytest.mark.parametrize("path", ["s3://bucket/x", "s3a://bucket/x", "gs://bucket/x", "hdfs://nn:8020/x",
                                  "abfss://c@acct.dfs.core.windows.net/x"])
def test_paths_on_file_systems_ember_cannot_reach_fail_and_write_nothing(spark, tmp_path, monkeypatch, path):
    # PySpark fails these with Hadoop's UnsupportedFileSystemException (an IOException); before, ember read and
    # wrote them as a local folder named "s3:" under the working directory.
    monkeypatch.chdir(tmp_path)
    scheme = path.split(":")[0]
    text = f'No FileSystem for scheme "{scheme}"'
    attempts = [
        lambda: spark.read.csv(path),
        lambda: spark.range(1).write.parquet(path),
        lambda: spark.readStream.schema("a int").json(path),
        lambda: spark.readStream.format("rate").load().writeStream.format("parquet")
        .option("checkpointLocation", str(tmp_path / "ck")).start(path),
        lambda: spark.readStream.format("rate").load().writeStream.format("noop")
        .option("checkpointLocation", path).start(),
    ]
    for attempt in attempts:
        with pytest.raises(OSError, match=text):
            attempt()
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "ck"])
    assert not any(p.name.endswith(":") for p in tmp_path.rglob("*"))
