"""``DataStreamWriter.toTable``: a streaming write into a session-catalog table, as Spark 4.3 does it (expected
values and messages observed with PySpark 4.3)."""
import os
import subprocess
import sys

import pytest

from ember.errors import AnalysisException, SparkRuntimeException, StreamingQueryException  # noqa: F401
from ember.sql import Row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def wspark(spark, tmp_path):
    """A session of its own (its own catalog) whose warehouse is in the test's directory."""
    s = spark.newSession()
    # A static config: Spark sets it only when a session starts, so the test sets it underneath the public API.
    s._jsession.conf_set("spark.sql.warehouse.dir", str(tmp_path / "warehouse"))
    return s


def _csv_stream(spark, directory, rows=((1, "x"), (2, "y")), name="a.csv"):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as f:
        f.write("".join(f"{i},{n}\n" for i, n in rows))
    return spark.readStream.schema("id INT, name STRING").csv(str(directory))


def test_to_table_creates_a_managed_table_readable_by_name(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    q = sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck")).trigger(availableNow=True).toTable("events")
    q.awaitTermination()
    location = tmp_path / "warehouse" / "events"
    assert "_spark_metadata" in os.listdir(location)
    assert [n for n in os.listdir(location) if n.endswith(".snappy.parquet")]
    expected = [Row(id=1, name="x"), Row(id=2, name="y")]
    assert sorted(wspark.table("events").collect()) == expected
    assert sorted(wspark.read.table("events").collect()) == expected
    assert sorted(wspark.sql("select * from events").collect()) == expected
    assert sorted(wspark.table("default.events").collect()) == expected
    assert sorted(wspark.table("spark_catalog.default.EVENTS").collect()) == expected
    assert wspark.table("events").schema.simpleString() == "struct<id:int,name:string>"
    [t] = wspark.catalog.listTables()
    assert (t.name, t.catalog, t.namespace, t.tableType, t.isTemporary) == \
        ("events", "spark_catalog", ["default"], "MANAGED", False)
    assert wspark.catalog.tableExists("events")


def test_to_table_reads_what_the_running_query_committed(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in", rows=[(1, "x")])
    q = sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck")).toTable("live")
    try:
        q.processAllAvailable()
        assert wspark.table("live").count() == 1
        with open(tmp_path / "in" / "b.csv", "w") as f:
            f.write("2,x\n3,y\n")
        q.processAllAvailable()
        assert wspark.table("live").count() == 3
        assert wspark.sql("select count(*) as n from live").collect() == [Row(n=3)]
    finally:
        q.stop()


def test_to_table_before_any_data_is_an_empty_table(wspark, tmp_path):
    os.makedirs(tmp_path / "empty")
    q = wspark.readStream.schema("a INT").csv(str(tmp_path / "empty")).writeStream \
        .option("checkpointLocation", str(tmp_path / "ck")).toTable("nothing_yet")
    try:
        df = wspark.table("nothing_yet")
        assert df.schema.simpleString() == "struct<a:int>" and df.count() == 0
    finally:
        q.stop()


def test_to_table_keyword_arguments(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    q = sdf.writeStream.trigger(availableNow=True).toTable(
        "kw", format="json", outputMode="append", partitionBy="name", queryName="kw_query",
        checkpointLocation=str(tmp_path / "ck"))
    assert q.name == "kw_query"
    q.awaitTermination()
    location = tmp_path / "warehouse" / "kw"
    assert sorted(n for n in os.listdir(location)) == ["_spark_metadata", "name=x", "name=y"]
    assert [n for n in os.listdir(location / "name=x") if n.endswith(".json")]
    # Partition columns come last in the table, as in Spark.
    assert wspark.table("kw").columns == ["id", "name"]
    assert sorted(wspark.table("kw").collect()) == [Row(id=1, name="x"), Row(id=2, name="y")]


def test_partition_columns_move_to_the_end_and_must_exist(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    q = sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck")).trigger(availableNow=True) \
        .toTable("by_id", partitionBy="id")
    q.awaitTermination()
    assert wspark.table("by_id").orderBy("id").collect() == [Row(name="x", id=1), Row(name="y", id=2)]
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck2")).toTable("bad_part", partitionBy="nope")
    assert e.value.getCondition() == "COLUMN_NOT_DEFINED_IN_TABLE"
    assert str(e.value) == (
        "[COLUMN_NOT_DEFINED_IN_TABLE] partition column `nope` is not defined in table "
        "`spark_catalog`.`default`.`bad_part`, defined table columns are: `id`, `name`. SQLSTATE: 42703")
    assert not wspark.catalog.tableExists("bad_part")


def test_streaming_into_an_existing_table(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    wspark.readStream.schema("id INT, name STRING").csv(str(tmp_path / "in")).writeStream \
        .option("checkpointLocation", str(tmp_path / "ck1")).trigger(availableNow=True).toTable("t").awaitTermination()
    # Another query writes into the same table directory. Its batch 0 is already in the table's sink log, so (as
    # in Spark) the file sink skips it; later batches are added.
    other = _csv_stream(wspark, tmp_path / "in2", rows=[(3, "z")])
    q = other.writeStream.option("checkpointLocation", str(tmp_path / "ck2")).toTable("t", format="parquet")
    try:
        q.processAllAvailable()
        assert sorted(wspark.table("t").collect()) == [Row(id=1, name="x"), Row(id=2, name="y")]
        with open(tmp_path / "in2" / "b.csv", "w") as f:
            f.write("4,w\n")
        q.processAllAvailable()
        assert sorted(wspark.table("t").collect()) == [Row(id=1, name="x"), Row(id=2, name="y"), Row(id=4, name="w")]
    finally:
        q.stop()
    # The table's provider decides; another format is an error (the writer's default is parquet).
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck3")).toTable("t", format="json")
    assert str(e.value) == "The input source(json) is different from the table t's data source provider(parquet)."
    assert e.value.getCondition() == "_LEGACY_ERROR_TEMP_1192"
    sdf.writeStream.format("json").option("checkpointLocation", str(tmp_path / "ck4")).trigger(availableNow=True) \
        .toTable("tj").awaitTermination()
    with pytest.raises(AnalysisException, match=r"^The input source\(parquet\) is different from the table tj's "
                                                r"data source provider\(json\)\.$"):
        sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck5")).toTable("tj")


def test_temp_views(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    wspark.range(1).createOrReplaceTempView("v1")
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck")).toTable("v1")
    assert str(e.value) == "Temporary view v1 doesn't support streaming write."
    assert e.value.getCondition() == "_LEGACY_ERROR_TEMP_1190"
    # A qualified name is the catalog's table; the unqualified name still finds the view first.
    sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck2")).trigger(availableNow=True) \
        .toTable("default.v1").awaitTermination()
    assert wspark.table("v1").collect() == [Row(id=0)]
    assert sorted(wspark.table("default.v1").collect()) == [Row(id=1, name="x"), Row(id=2, name="y")]


def test_checks_at_start_leave_the_table_created(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    with pytest.raises(AnalysisException, match=r"^checkpointLocation must be specified either through "
                                                r"option\(\"checkpointLocation\", \.\.\.\) or SparkSession\.conf\.set"):
        sdf.writeStream.toTable("no_checkpoint")
    assert wspark.catalog.tableExists("no_checkpoint") and (tmp_path / "warehouse" / "no_checkpoint").is_dir()
    with pytest.raises(AnalysisException) as e:
        sdf.groupBy("name").count().writeStream.outputMode("complete") \
            .option("checkpointLocation", str(tmp_path / "ck")).toTable("counts")
    assert str(e.value) == ("[STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE] Invalid streaming output mode: complete. "
                            "This output mode is not supported in Data Source parquet. SQLSTATE: 42KDE")
    assert wspark.catalog.tableExists("counts")
    # The session's checkpoint root serves as well.
    wspark.conf.set("spark.sql.streaming.checkpointLocation", str(tmp_path / "ckroot"))
    sdf.writeStream.trigger(availableNow=True).toTable("no_checkpoint").awaitTermination()
    assert wspark.table("no_checkpoint").count() == 2


def test_location_and_names(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    ck = str(tmp_path / "ck")
    # A managed table may not take over a directory that has files in it; an empty one is fine.
    os.makedirs(tmp_path / "warehouse" / "taken")
    (tmp_path / "warehouse" / "taken" / "junk").write_text("x")
    with pytest.raises(SparkRuntimeException) as e:
        sdf.writeStream.option("checkpointLocation", ck).toTable("taken")
    location = tmp_path / "warehouse" / "taken"
    assert str(e.value) == (
        f"[LOCATION_ALREADY_EXISTS] Cannot name the managed table as `spark_catalog`.`default`.`taken`, as its "
        f"associated location 'file:{location}' already exists. Please pick a different table name, or remove the "
        "existing location first. SQLSTATE: 42710")
    assert not wspark.catalog.tableExists("taken")
    os.makedirs(tmp_path / "warehouse" / "empty_dir")
    sdf.writeStream.option("checkpointLocation", ck + "1").trigger(availableNow=True).toTable("empty_dir") \
        .awaitTermination()
    # Names are case-insensitive and stored in lower case.
    sdf.writeStream.option("checkpointLocation", ck + "2").trigger(availableNow=True).toTable("MyTable") \
        .awaitTermination()
    assert (tmp_path / "warehouse" / "mytable").is_dir()
    assert wspark.table("MYTABLE").count() == 2
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", ck).toTable("nodb.t")
    assert e.value.getCondition() == "SCHEMA_NOT_FOUND"
    assert str(e.value).startswith("[SCHEMA_NOT_FOUND] The schema `spark_catalog`.`nodb` cannot be found.")
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", ck).toTable("`a b`")
    assert str(e.value) == ("[INVALID_SCHEMA_OR_RELATION_NAME] `a b` is not a valid name for tables/schemas. Valid "
                            "names only contain alphabet characters, numbers and _. SQLSTATE: 42602")
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.option("checkpointLocation", ck).toTable("a.b.c.d")
    assert e.value.getCondition() == "REQUIRES_SINGLE_PART_NAMESPACE"


def test_path_option_makes_an_external_table(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    sdf.writeStream.option("checkpointLocation", str(tmp_path / "ck")).option("path", str(tmp_path / "ext")) \
        .trigger(availableNow=True).toTable("ext_table").awaitTermination()
    assert "_spark_metadata" in os.listdir(tmp_path / "ext")
    assert not (tmp_path / "warehouse" / "ext_table").exists()
    assert wspark.table("ext_table").count() == 2
    [t] = wspark.catalog.listTables()
    assert t.tableType == "EXTERNAL"


def test_formats(wspark, tmp_path):
    sdf = _csv_stream(wspark, tmp_path / "in")
    sdf.writeStream.format("csv").option("checkpointLocation", str(tmp_path / "ck")).trigger(availableNow=True) \
        .toTable("as_csv").awaitTermination()
    assert sorted(wspark.table("as_csv").collect()) == [Row(id=1, name="x"), Row(id=2, name="y")]
    with pytest.raises(AnalysisException) as e:
        sdf.writeStream.format("text").option("checkpointLocation", str(tmp_path / "ck2")).toTable("as_text")
    assert str(e.value) == ("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Text datasource doesn't support the column "
                            "`id` of the type \"INT\". SQLSTATE: 0A000")
    sdf.select("name").writeStream.format("text").option("checkpointLocation", str(tmp_path / "ck3")) \
        .trigger(availableNow=True).toTable("as_text").awaitTermination()
    assert sorted(wspark.table("as_text").collect()) == [Row(name="x"), Row(name="y")]
    from ember.errors import UnsupportedOperationException

    with pytest.raises(UnsupportedOperationException) as e:
        sdf.writeStream.format("console").option("checkpointLocation", str(tmp_path / "ck4")).toTable("tk")
    assert e.value.getCondition() == "CANNOT_CREATE_DATA_SOURCE_TABLE.EXTERNAL_METADATA_UNSUPPORTED"
    assert not wspark.catalog.tableExists("tk")


def test_write_stream_needs_a_streaming_dataframe(spark):
    with pytest.raises(AnalysisException) as e:
        spark.range(3).writeStream
    assert str(e.value) == ("[WRITE_STREAM_NOT_ALLOWED] `writeStream` can be called only on streaming "
                            "Dataset/DataFrame. SQLSTATE: 42601")


def test_default_warehouse_is_spark_warehouse_in_the_working_directory(tmp_path):
    code = (
        "import os\n"
        "from ember.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "print(spark.conf.get('spark.sql.warehouse.dir'))\n"
        "os.makedirs('in')\n"
        "open('in/a.csv', 'w').write('1,x\\n')\n"
        "sdf = spark.readStream.schema('id INT, name STRING').csv('in')\n"
        "sdf.writeStream.option('checkpointLocation', 'ck').trigger(availableNow=True).toTable('t')"
        ".awaitTermination()\n"
        "print(spark.table('t').collect())\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"file:{tmp_path}/spark-warehouse\n[Row(id=1, name='x')]\n"
    assert "_spark_metadata" in os.listdir(tmp_path / "spark-warehouse" / "t")
