"""DataFrame methods beyond what the differential tests cover: actions, metadata, Arrow, pandas."""
import pytest

from ember.errors import AnalysisException, PySparkAttributeError, PySparkTypeError
from ember.sql import Row, functions as F


@pytest.fixture
def df(spark):
    return spark.createDataFrame([(1, "a", 1.5), (2, "b", None), (3, "c", 4.0)], "id int, s string, v double")


def test_actions(df):
    assert df.count() == 3
    assert df.first() == Row(id=1, s="a", v=1.5)
    assert df.head() == Row(id=1, s="a", v=1.5)
    assert df.head(2) == df.take(2) == df.collect()[:2]
    assert df.tail(1) == [Row(id=3, s="c", v=4.0)]
    assert not df.isEmpty() and df.filter("id > 5").isEmpty()
    assert df.limit(0).collect() == []


def test_metadata(df, capture):
    assert df.columns == ["id", "s", "v"]
    assert df.dtypes == [("id", "int"), ("s", "string"), ("v", "double")]
    assert df.schema.simpleString() == "struct<id:int,s:string,v:double>"
    assert not df.isStreaming
    assert capture(df.printSchema) == "root\n |-- id: integer (nullable = true)\n |-- s: string (nullable = true)\n |-- v: double (nullable = true)\n\n"


def test_column_access(df):
    assert df.select(df["id"], df.s, df[2]).columns == ["id", "s", "v"]
    assert df[df.id > 1].count() == 2
    assert df[["id", "s"]].columns == ["id", "s"]
    with pytest.raises(PySparkAttributeError):
        df.nope
    with pytest.raises(AnalysisException, match="UNRESOLVED_COLUMN"):
        df["nope"]


def test_show_default(df, capture):
    out = capture(df.show)
    assert out == (
        "+---+---+----+\n"
        "| id|  s|   v|\n"
        "+---+---+----+\n"
        "|  1|  a| 1.5|\n"
        "|  2|  b|NULL|\n"
        "|  3|  c| 4.0|\n"
        "+---+---+----+\n\n"
    )
    assert capture(lambda: df.show(1)).endswith("only showing top 1 row\n")


def test_show_argument_errors(df):
    with pytest.raises(PySparkTypeError):
        df.show("x")


def test_with_columns_and_transform(df):
    out = df.withColumns({"a": F.col("id") + 1, "b": F.lit("x")}).transform(lambda d: d.drop("s"))
    assert out.columns == ["id", "v", "a", "b"]
    assert out.toDF("p", "q", "r", "t").columns == ["p", "q", "r", "t"]
    assert df.withColumnsRenamed({"id": "ident"}).columns == ["ident", "s", "v"]


def test_join_keeps_dataframe_columns(spark):
    a = spark.createDataFrame([(1, "x"), (2, "y")], "id int, v string")
    b = spark.createDataFrame([(1, "p")], "id int, w string")
    out = a.join(b, a.id == b.id, "left").select(a.id, b.w).orderBy(a.id).collect()
    assert out == [Row(id=1, w="p"), Row(id=2, w=None)]


def test_cache_keeps_rows(df):
    c = df.cache()
    assert c.collect() == df.collect()
    assert c.select(df.id).count() == 3
    assert c.unpersist() is c


def test_sample_is_seeded(spark):
    d = spark.range(1000)
    a = [r.id for r in d.sample(0.1, seed=3).collect()]
    b = [r.id for r in d.sample(False, 0.1, 3).collect()]
    assert a == b and 40 < len(a) < 160


def test_arrow_and_pandas(df):
    pa = pytest.importorskip("pyarrow")
    t = pa.table(df)
    assert t.column_names == ["id", "s", "v"] and t.num_rows == 3
    assert df.toArrow().to_pydict()["s"] == ["a", "b", "c"]
    pdf = df.toPandas()
    assert list(pdf["id"]) == [1, 2, 3]


def test_create_from_pandas(spark):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pdf = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    out = spark.createDataFrame(pdf)
    assert out.dtypes == [("a", "bigint"), ("b", "string")]
    assert out.collect() == [Row(a=1, b="x"), Row(a=2, b="y")]


def test_to_json(df):
    assert df.toJSON()[0] == '{"id":1,"s":"a","v":1.5}'


def test_explain_prints_plan(df, capture):
    assert "Physical Plan" in capture(lambda: df.filter("id > 1").explain())
