"""Tables and SQL DDL against PySpark 4.3: ``spark.sql`` CREATE/INSERT/DROP/SHOW/DESCRIBE/TRUNCATE, ``saveAsTable``,
``insertInto``, ``spark.catalog`` and ``readStream.table``. Each script runs on both engines statement by
statement; every statement's result (columns, types, rows) or error (class and condition) must be the same."""
import os
import uuid

import pytest

from conftest import captured  # noqa: F401


@pytest.fixture
def espark(spark, tmp_path):
    """An ember session of its own (its own catalog) with its warehouse in the test's directory."""
    s = spark.newSession()
    s._jsession.conf_set("spark.sql.warehouse.dir", str(tmp_path / "warehouse"))
    return s


def _outcome(session, statement):
    """What a user sees of one statement: its result's columns, types and sorted rows, or its error."""
    try:
        df = session.sql(statement) if isinstance(statement, str) else statement(session)
        if df is None:
            return ("ok",)
        rows = sorted((tuple(r) for r in df.collect()), key=repr)
        return (df.columns, df.schema.simpleString(), rows)
    except Exception as exc:  # noqa: BLE001 - the point is to compare what was raised
        return ("error", type(exc).__name__, getattr(exc, "getCondition", lambda: None)())


def _run_both(espark, pyspark_session, statements, tables):
    """Run `statements` on both engines (table names get a per-test suffix on PySpark's shared warehouse) and
    compare each outcome; the tables are dropped afterwards on PySpark's side."""
    suffix = "_" + uuid.uuid4().hex[:8]

    def named(s):
        if isinstance(s, str):
            for t in tables:
                s = s.replace("{" + t + "}", t + suffix)
            return s
        return lambda session: s(session, lambda t: t + suffix)

    try:
        for statement in statements:
            stmt = named(statement)
            ember_out = _outcome(espark, stmt)
            spark_out = _outcome(pyspark_session, stmt)
            # Names in results carry the suffix: compare them without it.
            spark_out = tuple(_strip(x, suffix) for x in spark_out)
            ember_out = tuple(_strip(x, suffix) for x in ember_out)
            assert ember_out == spark_out, f"{statement!r}\nember:   {ember_out}\npyspark: {spark_out}"
    finally:
        for t in tables:
            pyspark_session.sql(f"DROP TABLE IF EXISTS {t}{suffix}")


def _strip(x, suffix):
    if isinstance(x, str):
        return x.replace(suffix, "")
    if isinstance(x, (list, tuple)):
        return type(x)(_strip(y, suffix) for y in x)
    return x


def test_create_insert_select_drop(espark, pyspark_session):
    _run_both(espark, pyspark_session, [
        "CREATE TABLE {t1} (a INT, b STRING) USING parquet",
        "CREATE TABLE {t1} (a INT, b STRING) USING parquet",
        "CREATE TABLE IF NOT EXISTS {t1} (a INT) USING parquet",
        "SELECT * FROM {t1}",
        "INSERT INTO {t1} VALUES (1, 'x'), (2, 'y')",
        "INSERT INTO TABLE {t1} SELECT 3, 'z'",
        "INSERT INTO {t1} (b, a) VALUES ('w', 4)",
        "INSERT INTO {t1} VALUES (1)",
        "INSERT INTO {t1} VALUES (1, 'a', 3)",
        "INSERT INTO {t1} VALUES ('q', 5)",
        "INSERT INTO {t1} VALUES (CAST(7 AS BIGINT), 8)",
        "SELECT * FROM {t1}",
        "SELECT count(*), sum(a) FROM {t1}",
        "INSERT OVERWRITE TABLE {t1} VALUES (9, 'n')",
        "SELECT * FROM {t1}",
        "DESCRIBE {t1}",
        "DESC TABLE {t1}",
        "TRUNCATE TABLE {t1}",
        "SELECT count(*) FROM {t1}",
        "DROP VIEW {t1}",
        "DROP TABLE {t1}",
        "DROP TABLE {t1}",
        "DROP TABLE IF EXISTS {t1}",
        "SELECT * FROM {t1}",
        "DROP TABLE nodb.{t1}",
        "CREATE TABLE nodb.{t1} (a INT) USING parquet",
        "CREATE TABLE `bad name` (a INT) USING parquet",
        "CREATE TABLE {t1} (a INT) USING parquet PARTITIONED BY (zz)",
        "CREATE TABLE {t1} (a INT) USING text",
        "INSERT INTO nosuch_catalog_test VALUES (1)",
        "TRUNCATE TABLE nosuch_catalog_test",
        "SHOW TABLES IN",
        "VALUES (1, 'a'), (2, 'b')",
        "VALUES (1, 2), (3)",
    ], ["t1"])


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_partitioned_tables_and_ctas(fmt, espark, pyspark_session):
    _run_both(espark, pyspark_session, [
        f"CREATE TABLE {{p}} (a INT, b STRING, c INT) USING {fmt} PARTITIONED BY (b) OPTIONS (header 'true')",
        "DESCRIBE {p}",
        "INSERT INTO {p} VALUES (1, 2, 'k'), (3, 4, 'm')",
        "INSERT INTO {p} VALUES (1, 'k', 2)",
        "SELECT * FROM {p}",
        "SELECT a, b FROM {p} WHERE b = 'm'",
        f"CREATE TABLE {{c}} USING {fmt} AS SELECT 1 AS x, 'a' AS y UNION ALL SELECT 2, 'b'",
        f"CREATE TABLE {{c}} USING {fmt} AS SELECT 1 AS x",
        "SELECT * FROM {c}",
        "DESCRIBE {c}",
        "INSERT OVERWRITE {c} SELECT x + 10, y FROM {c}",
        "INSERT OVERWRITE {c} SELECT x + 10, y FROM (SELECT 1 AS x, 'q' AS y)",
        "SELECT * FROM {c}",
        "DROP TABLE {p}",
        "DROP TABLE {c}",
        "SELECT * FROM {c}",
    ], ["p", "c"])


def test_views_show_tables_and_describe_extended(espark, pyspark_session):
    def extended(session, name):
        # Creation time and location differ between any two runs: their rows are compared by name only.
        rows = session.sql(f"DESCRIBE EXTENDED {name('e')}").collect()
        kept = [(r[0], "…" if r[0] in ("Created Time", "Location") else r[1], r[2]) for r in rows]
        return session.createDataFrame(kept, "col_name string, data_type string, comment string")

    _run_both(espark, pyspark_session, [
        "CREATE TABLE {e} (a INT, b STRING) USING csv PARTITIONED BY (b) OPTIONS (header 'true')",
        extended,
        "CREATE OR REPLACE TEMP VIEW v_catalog_test AS SELECT 1 AS one",
        "CREATE TEMPORARY VIEW v_catalog_test AS SELECT 2",
        "CREATE OR REPLACE TEMPORARY VIEW v_catalog_test AS SELECT * FROM {e}",
        "SELECT * FROM v_catalog_test",
        "DESCRIBE v_catalog_test",
        "TRUNCATE TABLE v_catalog_test",
        "SHOW TABLES IN nodb",
        "DROP VIEW v_catalog_test",
        "DROP VIEW v_catalog_test",
        "DROP VIEW IF EXISTS v_catalog_test",
        "CREATE VIEW {pv} AS SELECT a FROM {e}",
        "CREATE VIEW {pv} AS SELECT 1",
        "CREATE VIEW IF NOT EXISTS {pv} AS SELECT 1",
        "CREATE OR REPLACE VIEW {pv} AS SELECT a, b FROM {e}",
        "CREATE TABLE {pv} (x INT) USING json",
        "SELECT * FROM {pv}",
        "DESCRIBE {pv}",
        lambda session, name: session.createDataFrame(
            [(t.name, t.tableType, t.isTemporary) for t in session.catalog.listTables() if t.name == name("pv")],
            "name string, type string, temporary boolean"),
        lambda session, name: session.createDataFrame([(session.catalog.tableExists(name("pv")),)], "e boolean"),
        "DROP TABLE {pv}",
        "SELECT * FROM {pv}",
        "DROP TABLE {e}",
    ], ["e", "pv"])


def test_show_tables(espark, pyspark_session, tmp_path):
    """SHOW TABLES lists every table of the warehouse: ember's session is fresh, PySpark's may hold other tests'
    tables, so the rows of this test's tables are compared."""
    suffix = "_" + uuid.uuid4().hex[:8]
    mine = {f"s1{suffix}", f"s2{suffix}", "v_show"}
    try:
        for s in (espark, pyspark_session):
            s.sql(f"CREATE TABLE s1{suffix} (a INT) USING json")
            s.sql(f"CREATE TABLE s2{suffix} (a INT) USING parquet LOCATION '{tmp_path / (s.__module__ + 'x')}'")
            s.sql("CREATE OR REPLACE TEMP VIEW v_show AS SELECT 1")
        for q in ("SHOW TABLES", "SHOW TABLES IN default", "SHOW TABLES FROM spark_catalog.default"):
            e, p = espark.sql(q), pyspark_session.sql(q)
            assert e.schema.simpleString() == p.schema.simpleString()
            assert sorted(tuple(r) for r in e.collect() if r[1] in mine) == \
                sorted(tuple(r) for r in p.collect() if r[1] in mine)
        for s in (espark, pyspark_session):
            assert {(t.name, t.tableType, t.isTemporary) for t in s.catalog.listTables() if t.name in mine} == \
                {(f"s1{suffix}", "MANAGED", False), (f"s2{suffix}", "EXTERNAL", False), ("v_show", "TEMPORARY", True)}
    finally:
        for s in (espark, pyspark_session):
            s.sql(f"DROP TABLE IF EXISTS s1{suffix}")
            s.sql(f"DROP TABLE IF EXISTS s2{suffix}")
            s.catalog.dropTempView("v_show")
    # An external table's files stay when it is dropped; a managed one's go.
    assert os.path.isdir(tmp_path / "ember.sql.sessionx")
    assert not os.path.exists(tmp_path / "warehouse" / f"s1{suffix}")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_save_as_table_modes_and_insert_into(fmt, espark, pyspark_session):
    def df(session, rows, ddl):
        return session.createDataFrame(rows, ddl)

    def save(rows, ddl, mode=None, format=fmt, **kw):
        def run(session, name):
            df(session, rows, ddl).write.saveAsTable(name("s"), format=format, mode=mode, **kw)
        return run

    def insert(rows, ddl, overwrite=None):
        def run(session, name):
            df(session, rows, ddl).write.insertInto(name("s"), overwrite=overwrite)
        return run

    def read(session, name):
        return session.table(name("s"))

    _run_both(espark, pyspark_session, [
        save([(1, "a")], "a int, b string"),
        read,
        save([(1, "a")], "a int, b string"),
        save([(1, "a")], "a int, b string", mode="error"),
        save([("b", 2)], "b string, a int", mode="append"),
        read,
        save([(9, "z")], "a int, b string", mode="ignore"),
        read,
        save([(2, "b", 3)], "a int, b string, c int", mode="append"),
        save([(2, "b")], "a int, b string", mode="append", format="parquet" if fmt != "parquet" else "json"),
        insert([(5, "e")], "x int, y string"),
        insert([("e", 5)], "x string, y int"),
        insert([(5,)], "x int"),
        read,
        insert([(6, "f")], "x int, y string", overwrite=True),
        read,
        save([(2, "b", 3)], "a int, b string, c int", mode="overwrite"),
        read,
        "DESCRIBE {s}",
        lambda session, name: session.createDataFrame(
            [tuple(c) for c in session.catalog.listColumns(name("s"))],
            "name string, description string, dataType string, nullable boolean, isPartition boolean, "
            "isBucket boolean, isCluster boolean"),
        "DROP TABLE {s}",
        insert([(5, "e")], "x int, y string"),
    ], ["s"])


def test_save_as_table_partitioned(espark, pyspark_session):
    def save(session, name):
        session.createDataFrame([(1, "a", 10), (2, "b", 20)], "k int, p string, v int") \
            .write.partitionBy("p").saveAsTable(name("sp"), format="parquet")

    _run_both(espark, pyspark_session, [
        save,
        lambda session, name: session.table(name("sp")),
        "DESCRIBE {sp}",
        "INSERT INTO {sp} VALUES (3, 30, 'c')",
        "SELECT * FROM {sp} WHERE p = 'c'",
        "DROP TABLE {sp}",
    ], ["sp"])


def test_catalog_api(espark, pyspark_session):
    from pyspark.sql import types as PT

    from ember.sql import types as ET

    def catalog(call):
        def run(session, name):
            out = call(session.catalog, name)
            if isinstance(out, list):
                out = [tuple(x) for x in out]
            return session.createDataFrame([(repr(out),)], "r string")
        return run

    def create(session, name):
        T = ET if session.__module__.startswith("ember") else PT
        session.catalog.createTable(name("ct"), schema=T.StructType([T.StructField("a", T.IntegerType())]))

    _run_both(espark, pyspark_session, [
        catalog(lambda c, n: c.currentDatabase()),
        catalog(lambda c, n: c.currentCatalog()),
        catalog(lambda c, n: c.setCurrentDatabase("default")),
        catalog(lambda c, n: c.setCurrentDatabase("nodb")),
        catalog(lambda c, n: [(d.name, d.catalog, d.description) for d in c.listDatabases()]),
        catalog(lambda c, n: c.databaseExists("default")),
        catalog(lambda c, n: c.listTables("nodb")),
        create,
        catalog(lambda c, n: c.getTable(n("ct"))),
        catalog(lambda c, n: c.getTable(n("nosuch"))),
        catalog(lambda c, n: c.tableExists(n("ct"))),
        catalog(lambda c, n: c.tableExists(n("ct"), "default")),
        catalog(lambda c, n: c.tableExists(n("nosuch"))),
        catalog(lambda c, n: c.listColumns(n("ct"))),
        catalog(lambda c, n: c.listColumns(n("nosuch"))),
        catalog(lambda c, n: c.isCached(n("ct"))),
        catalog(lambda c, n: c.cacheTable(n("ct"))),
        catalog(lambda c, n: c.isCached(n("ct"))),
        catalog(lambda c, n: c.uncacheTable(n("ct"))),
        catalog(lambda c, n: c.isCached(n("ct"))),
        catalog(lambda c, n: c.cacheTable(n("ct"))),
        catalog(lambda c, n: c.clearCache()),
        catalog(lambda c, n: c.isCached(n("ct"))),
        catalog(lambda c, n: c.isCached(n("nosuch"))),
        catalog(lambda c, n: c.refreshTable(n("ct"))),
        catalog(lambda c, n: c.functionExists("abs")),
        catalog(lambda c, n: c.functionExists("upper")),
        catalog(lambda c, n: c.functionExists("no_such_function")),
        catalog(lambda c, n: [(f.name, f.isTemporary) for f in c.listFunctions(pattern="date_a*")]),
        catalog(lambda c, n: c.createTable(n("ct"), source="parquet").columns),
        lambda session, name: session.sql(f"SELECT * FROM {name('ct')}"),
        catalog(lambda c, n: c.dropTempView("nope")),
        catalog(lambda c, n: c.dropGlobalTempView("nope")),
        "DROP TABLE {ct}",
    ], ["ct"])


def test_table_stream_and_to_table(espark, pyspark_session, tmp_path):
    """readStream.table of a file table reads what was inserted, as the file source does; writeStream.toTable
    writes back into another table; a memory sink's table exists (empty) once its query starts."""
    suffix = "_" + uuid.uuid4().hex[:8]
    src, dst = f"src{suffix}", f"dst{suffix}"
    results = []
    for s, side in ((espark, "e"), (pyspark_session, "p")):
        try:
            s.sql(f"CREATE TABLE {src} (id INT, name STRING) USING json")
            s.sql(f"INSERT INTO {src} VALUES (1, 'a'), (2, 'b')")
            stream = s.readStream.table(src)
            assert stream.isStreaming
            q = stream.selectExpr("id * 10 AS id", "name").writeStream \
                .option("checkpointLocation", str(tmp_path / f"ck_{side}")).trigger(availableNow=True).toTable(dst)
            q.awaitTermination()
            first = sorted(tuple(r) for r in s.table(dst).collect())
            m = s.readStream.table(src).writeStream.format("memory").queryName(f"mem{suffix}") \
                .trigger(processingTime="1 hour").start()
            try:
                exists = s.catalog.tableExists(f"mem{suffix}")
                columns = s.table(f"mem{suffix}").columns
            finally:
                m.stop()
            results.append((stream.schema.simpleString(), first, exists, columns))
        finally:
            s.sql(f"DROP TABLE IF EXISTS {src}")
            s.sql(f"DROP TABLE IF EXISTS {dst}")
    assert results[0] == results[1]
    assert results[0][1] == [(10, "a"), (20, "b")]


def test_delta_tables_through_sql_and_the_catalog(espark, tmp_path):
    """Delta tables (PySpark's oracle has no Delta jars, so this is ember alone, checked with the `deltalake`
    package): created by DDL, written by INSERT and saveAsTable, read by name and streamed by readStream.table."""
    deltalake = pytest.importorskip("deltalake")
    espark.sql("CREATE TABLE dl (id INT, name STRING) USING delta")
    assert espark.table("dl").collect() == []
    espark.sql("INSERT INTO dl VALUES (1, 'a'), (2, 'b')")
    espark.createDataFrame([("c", 3)], "name string, id int").write.saveAsTable("dl", format="delta", mode="append")
    espark.createDataFrame([(4, "d")], "x int, y string").write.insertInto("dl")
    assert sorted(tuple(r) for r in espark.sql("SELECT * FROM dl").collect()) == \
        [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    location = tmp_path / "warehouse" / "dl"
    assert sorted(deltalake.DeltaTable(str(location)).to_pyarrow_table().column("id").to_pylist()) == [1, 2, 3, 4]
    [t] = espark.catalog.listTables()
    assert (t.name, t.tableType) == ("dl", "MANAGED")
    q = espark.readStream.table("dl").writeStream.format("memory").queryName("dl_stream") \
        .option("checkpointLocation", str(tmp_path / "ck")).trigger(availableNow=True).start()
    q.awaitTermination()
    assert sorted(tuple(r) for r in espark.table("dl_stream").collect()) == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    espark.sql("INSERT OVERWRITE dl VALUES (9, 'z')")
    assert espark.table("dl").collect()[0].id == 9
    espark.sql("DROP TABLE dl")
    assert not location.exists()
