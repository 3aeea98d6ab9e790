"""Reading and writing files: ember and PySpark read the same files with the same options and must agree; files
written by one are read back by the other (skipped when PySpark is not installed)."""
import os

import pytest

from differential import compare, compare_error, rows

CSV = '''id,name,score,day,ts
1,alice,3.5,2024-01-02,2024-01-02 10:00:00
2,"bob, jr",,2024-02-03,2024-02-03 11:30:00
3,"carol ""cc""",7,2024-03-04,2024-03-04 12:45:30.5
# a comment line
4,dan,NA,2024-04-05,2024-04-05 00:00:00
'''

MALFORMED = """id,value
1,10
2,abc
3
4,40,extra
5,50
"""

JSON_LINES = """{"id": 1, "name": "a", "tags": ["x", "y"], "info": {"age": 30, "city": "NY"}}
{"id": 2, "name": null, "score": 2.5}
{"id": 3, "name": "c", "info": {"age": null}}
not json at all
{"id": "four", "name": "d"}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("io")
    (root / "people.csv").write_text(CSV)
    (root / "bad.csv").write_text(MALFORMED)
    semi = root / "semi"
    semi.mkdir()
    (semi / "a.csv").write_text("x;y\n1;2\n")
    (semi / "b.csv").write_text("x;y\n3;4\n")
    (semi / "c.txt").write_text("x;y\n5;6\n")
    (root / "events.json").write_text(JSON_LINES)
    (root / "multi.json").write_text('[{"a": 1, "b": {"c": "x"}},\n {"a": 2, "b": {"c": "y"}}]')
    (root / "lines.txt").write_text("hello world\nspark streaming\n\nlast line")
    (root / "fmt.csv").write_text("id|when|day|note\n1|01/02/2024 10:30|02.01.2024|'a|b'\n2|||''\n3|03/04/2024 23:59|04.03.2024|'it\\'s'\n")
    (root / "latin1.csv").write_bytes("name,city\nJos\xe9,S\xe3o Paulo\n".encode("latin-1"))
    nested = root / "nested"
    (nested / "a" / "b").mkdir(parents=True)
    (nested / "top.csv").write_text("v\n1\n")
    (nested / "a" / "b" / "deep.csv").write_text("v\n2\n")
    part = root / "parted"
    for k, v in (("2024-01-01", "a"), ("2024-01-02", "b")):
        d = part / f"day={k}"
        d.mkdir(parents=True)
        (d / "part.csv").write_text(f"v\n{v}\n")
    return root


def p(files, name):
    return str(files / name)


READS = {
    "csv_header_infer": lambda s, f: s.read.option("header", True).option("inferSchema", True).option("comment", "#").option("nullValue", "NA").csv(p(f, "people.csv")),
    "csv_no_header": lambda s, f: s.read.csv(p(f, "people.csv")),
    "csv_schema_ddl": lambda s, f: s.read.schema("id INT, name STRING, score DOUBLE, day DATE, ts TIMESTAMP").option("header", "true").option("comment", "#").csv(p(f, "people.csv")),
    "csv_permissive": lambda s, f: s.read.schema("id INT, value INT, _corrupt_record STRING").option("header", True).csv(p(f, "bad.csv")),
    "csv_dropmalformed": lambda s, f: s.read.schema("id INT, value INT").option("header", True).option("mode", "DROPMALFORMED").csv(p(f, "bad.csv")),
    "csv_sep_dir_glob_filter": lambda s, f: s.read.options(header=True, sep=";", inferSchema=True).option("pathGlobFilter", "*.csv").csv(p(f, "semi")),
    "csv_glob": lambda s, f: s.read.options(header=True, sep=";").csv(p(f, "semi") + "/*.csv"),
    "csv_list": lambda s, f: s.read.options(header=True, sep=";").csv([p(f, "semi/a.csv"), p(f, "semi/b.csv")]),
    "csv_partitioned": lambda s, f: s.read.option("header", True).csv(p(f, "parted")),
    "json_infer": lambda s, f: s.read.json(p(f, "events.json")),
    "json_schema": lambda s, f: s.read.schema("id INT, name STRING, info STRUCT<age: INT, city: STRING>").json(p(f, "events.json")),
    "json_dropmalformed": lambda s, f: s.read.option("mode", "DROPMALFORMED").json(p(f, "events.json")),
    "json_multiline": lambda s, f: s.read.option("multiLine", True).json(p(f, "multi.json")),
    "text": lambda s, f: s.read.text(p(f, "lines.txt")),
    "text_wholetext": lambda s, f: s.read.text(p(f, "lines.txt"), wholetext=True),
    "csv_formats_quote_escape": lambda s, f: s.read.options(header=True, sep="|", quote="'", escape="\\", timestampFormat="MM/dd/yyyy HH:mm", dateFormat="dd.MM.yyyy", emptyValue="EMPTY").schema("id INT, when TIMESTAMP, day DATE, note STRING").csv(p(f, "fmt.csv")),
    "csv_encoding_latin1": lambda s, f: s.read.option("header", True).option("encoding", "ISO-8859-1").csv(p(f, "latin1.csv")),
    "csv_recursive": lambda s, f: s.read.option("header", True).option("recursiveFileLookup", True).csv(p(f, "nested")),
    "csv_custom_corrupt_column": lambda s, f: s.read.schema("id INT, value INT, bad STRING").option("header", True).option("columnNameOfCorruptRecord", "bad").csv(p(f, "bad.csv")),
    "format_load": lambda s, f: s.read.format("csv").option("header", "true").load(p(f, "people.csv")),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_read_matches_pyspark(name, files, spark, pyspark_session):
    compare(lambda s, F, T: READS[name](s, files), spark, pyspark_session, show=False)


def test_failfast_errors_on_both(files, spark, pyspark_session):
    def build(s, F, T):
        return s.read.schema("id INT, value INT").option("header", True).option("mode", "FAILFAST").csv(p(files, "bad.csv"))

    # PySpark wraps the parse error at collect time; ember raises it too (class names differ: see the note below).
    with pytest.raises(Exception, match="MALFORMED_RECORD_IN_PARSING"):
        build(spark, None, None).collect()
    with pytest.raises(Exception, match="MALFORMED_RECORD_IN_PARSING"):
        build(pyspark_session, None, None).collect()


def test_missing_path_errors_match(files, spark, pyspark_session):
    compare_error(lambda s, F, T: s.read.csv(p(files, "nope.csv")), spark, pyspark_session, action=lambda df: df)


def _sample(s):
    return s.createDataFrame(
        [(1, "a", 1.5, "x"), (2, "b", None, "y"), (3, None, 3.25, "x")], "id int, name string, v double, grp string"
    )


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_ember_writes_pyspark_reads(fmt, tmp_path, spark, pyspark_session):
    out = str(tmp_path / "out")
    opts = {"header": "true"} if fmt == "csv" else {}
    _sample(spark).write.format(fmt).options(**opts).partitionBy("grp").save(out)
    assert os.path.exists(os.path.join(out, "_SUCCESS"))
    assert sorted(os.listdir(out)) == ["_SUCCESS", "grp=x", "grp=y"]
    schema = "id INT, name STRING, v DOUBLE, grp STRING"
    back_p = pyspark_session.read.format(fmt).options(**opts).schema(schema).load(out)
    back_e = spark.read.format(fmt).options(**opts).schema(schema).load(out)
    assert rows(back_p, False) == rows(back_e, False) == rows(_sample(spark).select("id", "name", "v", "grp"), False)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "text"])
def test_pyspark_writes_ember_reads(fmt, tmp_path, spark, pyspark_session):
    out = str(tmp_path / "out")
    df = _sample(pyspark_session)
    if fmt == "text":
        df = df.selectExpr("concat_ws('|', id, name) as value")
    df.write.format(fmt).option("header", True).save(out)
    read_opts = {"header": "true", "inferSchema": "true"} if fmt == "csv" else {}
    compare(lambda s, F, T: s.read.format(fmt).options(**read_opts).load(out), spark, pyspark_session, show=False)


def test_save_modes(tmp_path, spark, pyspark_session):
    out = str(tmp_path / "m")
    _sample(spark).write.parquet(out)
    compare_error(lambda s, F, T: _sample(s), spark, pyspark_session, action=lambda df: df.write.parquet(out))
    _sample(spark).write.mode("append").parquet(out)
    assert spark.read.parquet(out).count() == 6
    _sample(spark).write.mode("overwrite").parquet(out)
    assert spark.read.parquet(out).count() == 3
    _sample(spark).write.mode("ignore").parquet(out)
    assert spark.read.parquet(out).count() == 3
    assert pyspark_session.read.parquet(out).count() == 3


def test_pyarrow_reads_ember_parquet(tmp_path, spark):
    pq = pytest.importorskip("pyarrow.parquet")
    out = str(tmp_path / "pq")
    _sample(spark).write.parquet(out)
    table = pq.read_table(out)
    assert sorted(table.column("id").to_pylist()) == [1, 2, 3]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_non_nullable_user_schema_reads_missing_values_as_null(fmt, tmp_path, spark, pyspark_session):
    (tmp_path / "f.csv").write_text("a,t\nx,\ny,2024-01-01T00:00:00\n")
    (tmp_path / "f.json").write_text('{"a":"x"}\n{"a":"y","t":"2024-01-01T00:00:00"}\n')

    def build(s, F, T):
        schema = T.StructType([T.StructField("a", T.StringType(), False), T.StructField("t", T.TimestampType(), False)])
        r = s.read.schema(schema)
        return r.option("header", True).csv(str(tmp_path / "f.csv")) if fmt == "csv" else r.json(str(tmp_path / "f.json"))

    compare(build, spark, pyspark_session)
    assert [f.nullable for f in build(spark, None, __import__("ember.sql.types", fromlist=["x"])).schema] == [True, True]
