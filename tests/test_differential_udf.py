"""Python UDFs against PySpark 4.3: ``udf`` (call and decorator forms, DataType and DDL return types,
``asNondeterministic``, ``useArrow``), ``pandas_udf`` (Series and Iterator forms), ``spark.udf.register`` for SQL,
``mapInPandas`` / ``mapInArrow``; errors as ``PythonException``; UDFs in a streaming query."""
import re
from typing import Iterator

import pandas as pd
import pytest

from differential import compare, compare_error

ROWS = [(1, "login", 2.5), (2, "view", None), (None, "purchase", 10.0), (4, None, -1.25), (5, "view", 3.0)]
DDL = "user_id int, event string, amount double"


def events(s):
    return s.createDataFrame(ROWS, DDL)


def shout(s):
    return None if s is None else s.upper() + "!"


def pair(a, b):
    return f"{a}:{b}"


def as_struct(uid, event):
    return (uid, event) if uid is not None else None


def plus_one(s: pd.Series) -> pd.Series:
    return s + 1


def ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return a / b


def doubled(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
    for s in batches:
        yield s * 2


def only_views(frames):
    for f in frames:
        yield f[f["event"] == "view"]


def with_total(frames):
    for f in frames:
        yield f.assign(total=f["amount"].fillna(0) * 2)[["event", "total"]]


def arrow_filter(batches):
    import pyarrow.compute as pc

    for b in batches:
        yield b.filter(pc.greater(b.column("user_id"), 1))


def fails(x):
    return x + 1  # None + 1 raises


def short_series(s: pd.Series) -> pd.Series:
    return s.iloc[:1]


def missing_column(frames):
    for f in frames:
        yield f[["user_id"]]


def _udf(F, f, rt, **kw):
    return F.udf(f, rt, **kw)


CASES = {
    "udf_call_form_datatype": lambda s, F, T: events(s).select(
        F.udf(lambda x: None if x is None else x * 10, T.IntegerType())("user_id")),
    "udf_call_form_ddl": lambda s, F, T: events(s).select(F.udf(shout, "string")("event")),
    "udf_default_string_return": lambda s, F, T: events(s).select(F.udf(lambda x: x)("user_id")),
    "udf_decorator_no_args": lambda s, F, T: events(s).select(F.udf(shout)("event").alias("loud")),
    "udf_decorator_with_type": lambda s, F, T: events(s).select(F.udf(returnType="double")(lambda a: a)("amount")),
    "udf_two_args_column_and_name": lambda s, F, T: events(s).select(F.udf(pair)(F.col("event"), "user_id")),
    "udf_float_result_for_int_type": lambda s, F, T: events(s).select(F.udf(lambda a: a, "int")("amount")),
    "udf_int_result_for_double_type": lambda s, F, T: events(s).select(F.udf(lambda a: a, "double")("user_id")),
    "udf_bool_result_for_string_type": lambda s, F, T: events(s).select(F.udf(lambda a: a is None, "string")("user_id")),
    "udf_struct_result": lambda s, F, T: events(s).select(
        F.udf(as_struct, "struct<id:int,kind:string>")("user_id", "event").alias("s")),
    "udf_array_result": lambda s, F, T: events(s).select(
        F.udf(lambda x: [x, x] if x is not None else [], "array<int>")("user_id")),
    "udf_in_filter_and_with_column": lambda s, F, T: events(s)
    .filter(F.udf(lambda e: e is not None and e.startswith("v"), "boolean")("event"))
    .withColumn("n", F.udf(lambda a: len(a), "int")("event")),
    "udf_on_literal_and_expression": lambda s, F, T: events(s).select(
        F.udf(pair)(F.lit(7), F.col("amount") * 2)),
    "udf_nondeterministic": lambda s, F, T: events(s).select(F.udf(lambda: 7, "int").asNondeterministic()()),
    "udf_use_arrow": lambda s, F, T: events(s).select(F.udf(shout, "string", useArrow=True)("event")),
    "pandas_udf_series": lambda s, F, T: events(s).select(F.pandas_udf(plus_one, "double")("amount")),
    "pandas_udf_two_series": lambda s, F, T: events(s).select(F.pandas_udf(ratio, "double")("amount", "user_id")),
    "pandas_udf_iterator": lambda s, F, T: events(s).select(F.pandas_udf(doubled, "double")("amount")),
    "pandas_udf_decorator": lambda s, F, T: events(s).select(F.pandas_udf("long")(plus_one)("user_id")),
    "map_in_pandas_filter": lambda s, F, T: events(s).mapInPandas(only_views, DDL),
    "map_in_pandas_new_schema": lambda s, F, T: events(s).mapInPandas(with_total, "event string, total double"),
    "map_in_arrow": lambda s, F, T: events(s).mapInArrow(arrow_filter, events(s).schema),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_udfs_match_pyspark(name, spark, pyspark_session):
    compare(CASES[name], spark, pyspark_session)


def test_registered_udf_in_sql_matches_pyspark(spark, pyspark_session):
    for s in (spark, pyspark_session):
        s.udf.register("ember_test_shout", shout)
        s.udf.register("ember_test_times", lambda x: None if x is None else x * 3, "int")
    compare(lambda s, F, T: events(s).selectExpr("ember_test_shout(event)", "ember_test_times(user_id) AS t"),
            spark, pyspark_session)


def test_register_returns_a_callable_udf(spark):
    from ember.sql import functions as F

    f = spark.udf.register("ember_test_registered", F.udf(lambda x: x, "int"))
    assert f.returnType.simpleString() == "int"
    assert events(spark).select(f("user_id")).columns == ["ember_test_registered(user_id)"]


ERRORS = {
    "udf_raises": lambda s, F, T: events(s).select(F.udf(fails, "int")("user_id")),
    "pandas_udf_wrong_length": lambda s, F, T: events(s).select(F.pandas_udf(short_series, "double")("amount")),
    "map_in_pandas_missing_column": lambda s, F, T: events(s).mapInPandas(missing_column, DDL),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_udf_errors_match_pyspark(name, spark, pyspark_session):
    compare_error(ERRORS[name], spark, pyspark_session)


def test_python_exception_carries_the_user_traceback(spark):
    from ember.errors import PythonException
    from ember.sql import functions as F

    with pytest.raises(PythonException) as info:
        events(spark).select(F.udf(fails, "int")("user_id")).collect()
    text = str(info.value)
    assert text.startswith("An exception was thrown from the Python worker:\nTraceback (most recent call last):")
    assert "in fails" in text and "TypeError: unsupported operand" in text
    # ember's own runner frames are not the user's business.
    assert "ember/sql/udf.py" not in text
    assert info.value.getCondition() == "PYTHON_EXCEPTION"


def test_pandas_udf_messages_match_pyspark(spark, pyspark_session):
    """The error raised inside the function reads as PySpark's (its last line)."""
    errs = []
    for s, F in ((spark, __import__("ember.sql.functions").sql.functions),
                 (pyspark_session, __import__("pyspark.sql.functions").sql.functions)):
        with pytest.raises(Exception) as info:
            events(s).select(F.pandas_udf(short_series, "double")("amount")).collect()
        last = str(info.value).strip().splitlines()[-1]
        # The input rows are those of whichever partition failed first.
        errs.append(re.sub(r"\d+", "N", last.split(": ", 1)[1]))
    assert errs[0] == errs[1]


def test_udf_in_a_streaming_query(spark):
    from ember.sql import Row
    from ember.sql import functions as F
    from ember.testing import MemoryStream

    ms = MemoryStream("user_id INT, event STRING", spark)
    loud = F.udf(shout, "string")
    q = (ms.toDF().select("user_id", loud("event").alias("e"), F.pandas_udf(plus_one, "long")("user_id").alias("p"))
         .writeStream.format("memory").queryName("udf_stream_out").start())
    try:
        ms.addData([(1, "a"), (2, None)])
        q.processAllAvailable()
        ms.addData([(3, "c")])
        q.processAllAvailable()
        assert sorted(spark.table("udf_stream_out").collect()) == [
            Row(user_id=1, e="A!", p=2), Row(user_id=2, e=None, p=3), Row(user_id=3, e="C!", p=4)]
    finally:
        q.stop()


def test_map_in_pandas_in_a_streaming_query(spark):
    from ember.sql import Row
    from ember.testing import MemoryStream

    ms = MemoryStream("user_id INT, event STRING, amount DOUBLE", spark)
    q = ms.toDF().mapInPandas(only_views, DDL).writeStream.format("memory").queryName("map_stream_out").start()
    try:
        ms.addData([(1, "view", 1.0), (2, "login", 2.0), (3, "view", None)])
        q.processAllAvailable()
        assert sorted(spark.table("map_stream_out").collect()) == [
            Row(user_id=1, event="view", amount=1.0), Row(user_id=3, event="view", amount=None)]
    finally:
        q.stop()


def test_failing_udf_stops_a_stream_with_the_python_error(spark):
    from ember.errors import StreamingQueryException
    from ember.sql import functions as F
    from ember.testing import MemoryStream

    ms = MemoryStream("user_id INT", spark)
    q = ms.toDF().select(F.udf(fails, "int")("user_id")).writeStream.format("memory").queryName("udf_fail").start()
    ms.addData([(None,)])
    with pytest.raises(StreamingQueryException) as info:
        q.processAllAvailable()
    assert "TypeError: unsupported operand" in str(info.value)
    q.stop()


def test_udf_argument_errors(spark):
    from ember.errors import PySparkTypeError
    from ember.sql import functions as F

    with pytest.raises(PySparkTypeError):
        F.udf(lambda x: x, 42)
    with pytest.raises(PySparkTypeError) as info:
        spark.udf.register("bad", F.udf(lambda x: x, "int"), "int")
    assert info.value.getCondition() == "CANNOT_SPECIFY_RETURN_TYPE_FOR_UDF"


def normalise_amount(pdf):
    return pdf.assign(amount=pdf["amount"].fillna(0) - pdf["amount"].fillna(0).mean())


def count_with_key(key, pdf):
    return pd.DataFrame({"event": [key[0]], "n": [len(pdf)]})


GROUPED = {
    "apply_in_pandas": lambda s, F, T: events(s).groupBy("event").applyInPandas(normalise_amount, DDL),
    "apply_in_pandas_with_key": lambda s, F, T: events(s).groupBy("event").applyInPandas(
        count_with_key, "event string, n long"),
}


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_grouped_map_matches_pyspark(name, spark, pyspark_session):
    compare(GROUPED[name], spark, pyspark_session)
