"""The JDBC data source against a real PostgreSQL 15 server (started once per run by the `postgres_server`
fixture) and SQLite files: writer modes and options, reader options and partitioned reads, the type round trip over
Spark's PostgreSQL mapping, the database's errors, and foreachBatch writing micro-batches exactly as committed.
PySpark cannot be the oracle here (it needs a JDBC driver jar), so the expectations are Spark's documented
behaviour."""
import datetime
import decimal
import os
import subprocess
import sys

import pytest

from ember.errors import AnalysisException, IllegalArgumentException, SparkRuntimeException, StreamingQueryException
from ember.sql import Row, functions as F
from ember.sql.types import (ArrayType, BinaryType, BooleanType, ByteType, DateType, DecimalType, DoubleType,
                             FloatType, IntegerType, LongType, ShortType, StringType, StructField, StructType,
                             TimestampType)
from ember.testing import MemoryStream


@pytest.fixture(scope="module")
def pg(postgres_server):
    return postgres_server


def _writer(df, pg, table):
    return (df.write.format("jdbc").option("url", pg.url).option("dbtable", table)
            .option("user", pg.properties["user"]).option("password", pg.properties["password"]))


def _read(spark, pg, table=None, **options):
    r = spark.read.format("jdbc").option("url", pg.url).options(**pg.properties)
    if table is not None:
        r = r.option("dbtable", table)
    return r.options(**options).load()


def test_modes_create_append_overwrite_ignore_error(spark, pg):
    df = spark.createDataFrame([(1, "a"), (2, "b")], "id INT, name STRING")
    _writer(df, pg, "modes").save()
    assert pg.sql("SELECT id, name FROM modes ORDER BY id") == "1|a\n2|b\n"
    # Spark's PostgreSQL column types for a new table.
    assert pg.sql("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'modes' "
                  "ORDER BY ordinal_position") == "id|integer\nname|text\n"
    with pytest.raises(AnalysisException) as e:
        _writer(df, pg, "modes").save()
    assert str(e.value) == "Table or view 'modes' already exists. SaveMode: ErrorIfExists."
    _writer(df, pg, "modes").mode("append").save()
    assert pg.sql("SELECT count(*) FROM modes") == "4\n"
    _writer(spark.createDataFrame([(9, "z")], "id INT, name STRING"), pg, "modes").mode("ignore").save()
    assert pg.sql("SELECT count(*) FROM modes") == "4\n"
    # overwrite drops and recreates: the new table has the new DataFrame's columns.
    _writer(spark.createDataFrame([(7,)], "other BIGINT"), pg, "modes").mode("overwrite").save()
    assert pg.sql("SELECT * FROM modes") == "7\n"
    assert pg.sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'modes'") == "bigint\n"


def test_overwrite_with_truncate_keeps_the_table_definition(spark, pg):
    pg.sql("DROP TABLE IF EXISTS keep; CREATE TABLE keep (id INTEGER PRIMARY KEY, note VARCHAR(10) DEFAULT 'x')")
    pg.sql("INSERT INTO keep (id) VALUES (1), (2)")
    _writer(spark.createDataFrame([(5,)], "id INT"), pg, "keep").mode("overwrite").option("truncate", True).save()
    assert pg.sql("SELECT id, note FROM keep") == "5|x\n"
    # The primary key survived: TRUNCATE, not DROP.
    assert pg.sql("SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'keep' "
                  "AND constraint_type = 'PRIMARY KEY'") == "1\n"


def test_write_jdbc_with_properties_and_url_credentials(spark, pg):
    df = spark.createDataFrame([(1, 2.5)], "k INT, v DOUBLE")
    df.write.jdbc(pg.url, "props", mode="overwrite", properties=pg.properties)
    url = f"{pg.url}?user={pg.properties['user']}&password={pg.properties['password']}"
    assert spark.read.jdbc(url, "props").collect() == [Row(k=1, v=2.5)]


def test_create_table_options_and_column_types(spark, pg):
    df = spark.createDataFrame([("abc", 1)], "name STRING, n INT")
    (_writer(df, pg, "ctt").mode("overwrite").option("createTableColumnTypes", "name VARCHAR(16)")
     .option("createTableOptions", "WITH (fillfactor = 70)").save())
    assert pg.sql("SELECT data_type, character_maximum_length FROM information_schema.columns "
                  "WHERE table_name = 'ctt' AND column_name = 'name'") == "character varying|16\n"
    assert pg.sql("SELECT reloptions FROM pg_class WHERE relname = 'ctt'") == "{fillfactor=70}\n"
    with pytest.raises(AnalysisException, match="createTableColumnTypes option column nope not found"):
        _writer(df, pg, "ctt2").option("createTableColumnTypes", "nope VARCHAR(3)").save()


def test_session_init_statement_runs_before_the_write(spark, pg):
    pg.sql("DROP TABLE IF EXISTS audit; CREATE TABLE audit (at TEXT)")
    df = spark.createDataFrame([(1,)], "id INT")
    (_writer(df, pg, "init_t").mode("overwrite")
     .option("sessionInitStatement", "INSERT INTO audit VALUES ('init')").save())
    assert pg.sql("SELECT at FROM audit") == "init\n"


ALL_TYPES = StructType([
    StructField("i", IntegerType()), StructField("l", LongType()), StructField("d", DoubleType()),
    StructField("f", FloatType()), StructField("s", ShortType()), StructField("b", ByteType()),
    StructField("bool", BooleanType()), StructField("str", StringType()), StructField("bin", BinaryType()),
    StructField("ts", TimestampType()), StructField("dt", DateType()), StructField("dec", DecimalType(20, 4)),
    StructField("arr", ArrayType(IntegerType())), StructField("sarr", ArrayType(StringType())),
    StructField("darr", ArrayType(DecimalType(10, 2))),
])


def test_type_round_trip_is_lossless_for_every_type_in_sparks_mapping(spark, pg):
    rows = [
        (2147483647, -9223372036854775808, 1.5e300, 3.25, -32768, -128, True, "héllo, 'q' \"x\"\n", b"\x00\xff",
         datetime.datetime(2024, 2, 29, 23, 59, 59, 123456), datetime.date(1, 1, 1),
         decimal.Decimal("-1234567890123456.7890"), [1, None, 3], ["a", None, ""], [decimal.Decimal("0.01")]),
        (-1, 0, -0.0, float("inf"), 0, 127, False, "", b"", datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
         datetime.date(9999, 12, 31), decimal.Decimal("0.0001"), [], [], []),
        (None,) * 15,
    ]
    df = spark.createDataFrame(rows, ALL_TYPES)
    _writer(df, pg, "all_types").mode("overwrite").save()
    assert pg.sql("SELECT string_agg(data_type || ':' || udt_name, ',' ORDER BY ordinal_position) "
                  "FROM information_schema.columns WHERE table_name = 'all_types'") == (
        "integer:int4,bigint:int8,double precision:float8,real:float4,smallint:int2,smallint:int2,boolean:bool,"
        "text:text,bytea:bytea,timestamp with time zone:timestamptz,date:date,numeric:numeric,ARRAY:_int4,"
        "ARRAY:_text,ARRAY:_numeric\n")
    back = _read(spark, pg, "all_types")
    # ByteType comes back as ShortType (SMALLINT), as in Spark; every other type is the one written.
    expected = [StructField(f.name, ShortType() if f.name == "b" else f.dataType, True) for f in ALL_TYPES.fields]
    assert back.schema == StructType(expected)
    assert back.collect() == df.collect()


def test_reading_postgres_types_spark_maps_back(spark, pg):
    pg.sql("""DROP TABLE IF EXISTS pgtypes; CREATE TABLE pgtypes (
        n NUMERIC, n2 NUMERIC(5,1), j JSON, jb JSONB, u UUID, tz TIMESTAMPTZ, t TIMESTAMP, v VARCHAR(5), c CHAR(3),
        ba BOOLEAN[], ta TEXT[], o OID);
        INSERT INTO pgtypes VALUES (12.5, 1234.5, '{"a": 1}', '{"b": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '2024-01-01 12:00:00+02', '2024-01-01 12:00:00', 'ab', 'x', '{t,NULL,f}', '{x,y}', 42)""")
    df = _read(spark, pg, "pgtypes")
    assert [(f.name, f.dataType.simpleString()) for f in df.schema.fields] == [
        ("n", "decimal(38,18)"), ("n2", "decimal(5,1)"), ("j", "string"), ("jb", "string"), ("u", "string"),
        ("tz", "timestamp"), ("t", "timestamp"), ("v", "string"), ("c", "string"), ("ba", "array<boolean>"),
        ("ta", "array<string>"), ("o", "bigint")]
    [r] = df.collect()
    assert r.n == decimal.Decimal("12.500000000000000000") and r.n2 == decimal.Decimal("1234.5")
    assert (r.j, r.jb, r.u) == ('{"a": 1}', '{"b": [1, 2]}', "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    # timestamptz is an instant; timestamp is wall-clock time in the session time zone (UTC here).
    assert r.tz == datetime.datetime(2024, 1, 1, 10, 0) and r.t == datetime.datetime(2024, 1, 1, 12, 0)
    assert (r.v, r.c, r.ba, r.ta, r.o) == ("ab", "x  ", [True, None, False], ["x", "y"], 42)


def test_query_option_and_partitioned_reads(spark, pg):
    spark.range(0, 100).selectExpr("id", "CAST(id % 7 AS INT) AS m").write.jdbc(pg.url, "nums", "overwrite",
                                                                              pg.properties)
    got = _read(spark, pg, query="SELECT id FROM nums WHERE m = 3")
    assert sorted(r.id for r in got.collect()) == [i for i in range(100) if i % 7 == 3]
    parts = spark.read.jdbc(pg.url, "nums", column="id", lowerBound=10, upperBound=90, numPartitions=4,
                            properties=pg.properties)
    # Every row exactly once: the first partition also takes NULLs and values below the lower bound, the last
    # those above the upper bound.
    assert sorted(r.id for r in parts.collect()) == list(range(100))
    preds = spark.read.jdbc(pg.url, "nums", predicates=["m = 0", "m = 1"], properties=pg.properties)
    assert sorted(r.id for r in preds.collect()) == [i for i in range(100) if i % 7 in (0, 1)]
    fetched = _read(spark, pg, "nums", fetchsize=7)
    assert fetched.count() == 100


def test_option_errors_are_sparks(spark, pg):
    with pytest.raises(IllegalArgumentException, match=r"requirement failed: Option 'url' is required\."):
        spark.read.format("jdbc").option("dbtable", "t").load()
    with pytest.raises(IllegalArgumentException, match="Option 'dbtable' or 'query' is required"):
        spark.read.format("jdbc").option("url", pg.url).load()
    with pytest.raises(IllegalArgumentException, match="Both 'dbtable' and 'query' can not be specified"):
        _read(spark, pg, "t", query="select 1")
    with pytest.raises(IllegalArgumentException, match="Options 'query' and 'partitionColumn' can not be specified"):
        _read(spark, pg, query="select 1", partitionColumn="id", lowerBound=0, upperBound=1, numPartitions=2)
    with pytest.raises(IllegalArgumentException, match="users need to specify all or none for the following"):
        _read(spark, pg, "nums", partitionColumn="id")
    with pytest.raises(IllegalArgumentException, match="Option 'dbtable' is required"):
        spark.range(1).write.format("jdbc").option("url", pg.url).save()
    with pytest.raises(IllegalArgumentException, match="Invalid value `0` for parameter `batchsize`"):
        _writer(spark.range(1), pg, "x").option("batchsize", 0).save()
    with pytest.raises(IllegalArgumentException, match="jdbc:sqlite:path"):
        spark.read.jdbc("jdbc:mysql://localhost/db", "t")
    with pytest.raises(IllegalArgumentException, match="JDBC driver class 'com.mysql.cj.jdbc.Driver' is not available"):
        _read(spark, pg, "opt_t", driver="com.mysql.cj.jdbc.Driver")
    spark.range(3).write.jdbc(pg.url, "opt_t", "overwrite", pg.properties)
    assert _read(spark, pg, "opt_t", driver="org.postgresql.Driver").count() == 3
    with pytest.raises(SparkRuntimeException, match="canceling statement due to statement timeout"):
        _read(spark, pg, query="SELECT pg_sleep(5) AS s", queryTimeout=1).collect()
    with pytest.raises(AnalysisException, match="User specified schema not supported with `jdbc`"):
        spark.read.format("jdbc").schema("a INT").option("url", pg.url).option("dbtable", "t").load()


def test_database_errors_carry_the_databases_message(spark, pg):
    with pytest.raises(SparkRuntimeException, match='relation "no_such_table" does not exist'):
        _read(spark, pg, "no_such_table")
    bad = dict(pg.properties, password="wrong")
    with pytest.raises(SparkRuntimeException, match='password authentication failed for user "ember"'):
        spark.read.jdbc(pg.url, "any_table", properties=bad)
    closed = pg.url.replace(f":{pg.port}/", ":1/")
    with pytest.raises(SparkRuntimeException, match=r"Connection to 127\.0\.0\.1:1 refused"):
        spark.read.jdbc(closed, "any_table", properties=pg.properties)
    pg.sql("DROP TABLE IF EXISTS uniq; CREATE TABLE uniq (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    df = spark.createDataFrame([(1, "a"), (1, "b")], "id INT, name STRING")
    with pytest.raises(SparkRuntimeException, match=r'duplicate key value violates unique constraint "uniq_pkey"'
                                                    r'(.|\n)*Key \(id\)=\(1\) already exists'):
        _writer(df, pg, "uniq").mode("append").save()
    # The write is one transaction: nothing of the failed batch is left.
    assert pg.sql("SELECT count(*) FROM uniq") == "0\n"
    with pytest.raises(AnalysisException, match='column "name" is of type text but expression is of type integer'):
        _writer(spark.createDataFrame([(1, 2)], "id INT, name INT"), pg, "uniq").mode("append").save()
    with pytest.raises(SparkRuntimeException, match='null value in column "name"'):
        _writer(spark.createDataFrame([(3, None)], "id INT, name STRING"), pg, "uniq").mode("append").save()


def _write_batch(url, props, fail_on):
    def write(batch_df, batch_id):
        # Fails once before writing anything, as a crash between micro-batches would.
        if batch_id == fail_on[0]:
            fail_on[0] = None
            raise RuntimeError(f"failing batch {batch_id} on purpose")
        (batch_df.withColumn("batch_id", F.lit(batch_id)).write.format("jdbc").option("url", url)
         .option("dbtable", "stream_out").options(**props).mode("append").save())
    return write


def test_foreach_batch_writes_each_micro_batch_and_a_failed_batch_is_written_again(spark, pg, tmp_path):
    pg.sql("DROP TABLE IF EXISTS stream_out")
    ck = str(tmp_path / "ck")
    ms = MemoryStream("id INT, word STRING", spark)
    fail_on = [1]

    def start():
        return ms.toDF().writeStream.foreachBatch(_write_batch(pg.url, pg.properties, fail_on)) \
            .option("checkpointLocation", ck).start()

    q = start()
    ms.addData([(1, "a"), (2, "b")])
    q.processAllAvailable()
    ms.addData([(3, "c")])
    with pytest.raises(StreamingQueryException, match="failing batch 1 on purpose"):
        q.processAllAvailable()
    assert pg.sql("SELECT batch_id, id FROM stream_out ORDER BY id") == "0|1\n0|2\n"
    # Batch 1 was not committed: the restarted query runs it again, and writes it.
    q = start()
    q.processAllAvailable()
    q.stop()
    assert pg.sql("SELECT batch_id, id, word FROM stream_out ORDER BY id") == "0|1|a\n0|2|b\n1|3|c\n"


def test_foreach_batch_database_error_fails_the_query_and_leaves_the_batch_uncommitted(spark, pg, tmp_path):
    pg.sql("DROP TABLE IF EXISTS strict_out; CREATE TABLE strict_out (id INTEGER PRIMARY KEY)")
    ck = str(tmp_path / "ck")
    ms = MemoryStream("id INT", spark)

    def write(batch_df, batch_id):
        batch_df.write.jdbc(pg.url, "strict_out", "append", pg.properties)

    q = ms.toDF().writeStream.foreachBatch(write).option("checkpointLocation", ck).start()
    pg.sql("INSERT INTO strict_out VALUES (5)")
    ms.addData([4, 5])
    with pytest.raises(StreamingQueryException, match="duplicate key value"):
        q.processAllAvailable()
    assert not os.path.exists(os.path.join(ck, "commits", "0"))
    pg.sql("DELETE FROM strict_out")
    q = ms.toDF().writeStream.foreachBatch(write).option("checkpointLocation", ck).start()
    q.processAllAvailable()
    q.stop()
    assert pg.sql("SELECT id FROM strict_out ORDER BY id") == "4\n5\n"


def test_sqlite_write_modes_and_round_trip(spark, tmp_path):
    url = f"jdbc:sqlite:{tmp_path / 'local.db'}"
    schema = ("i INT, l BIGINT, d DOUBLE, f FLOAT, s SHORT, bool BOOLEAN, str STRING, bin BINARY, ts TIMESTAMP, "
              "dt DATE, dec DECIMAL(12,3)")
    rows = [(1, 2 ** 40, 0.1, 1.5, 7, True, "x'y", b"\x01", datetime.datetime(2024, 5, 6, 7, 8, 9, 10),
             datetime.date(2020, 2, 29), decimal.Decimal("-12.345")), (None,) * 11]
    df = spark.createDataFrame(rows, schema)
    df.write.jdbc(url, "t")
    back = spark.read.jdbc(url, "t")
    # Spark's common JDBC types: ShortType is created as INTEGER, so it reads back as IntegerType.
    assert back.schema == StructType([StructField(f.name, IntegerType() if f.name == "s" else f.dataType, True)
                                      for f in df.schema.fields])
    assert back.collect() == df.collect()
    with pytest.raises(AnalysisException, match="Table or view 't' already exists"):
        df.write.jdbc(url, "t")
    df.write.jdbc(url, "t", mode="append")
    assert spark.read.jdbc(url, "t").count() == 4
    spark.range(3).write.jdbc(url, "t", mode="overwrite")
    assert [r.id for r in spark.read.format("jdbc").option("url", url).option("query", "SELECT id FROM t").load()
            .collect()] == [0, 1, 2]
    assert spark.read.jdbc(url, "t", predicates=["id < 1", "id >= 2"]).count() == 2
