"""ember.sql.types against PySpark 4.3: expected values below were captured from pyspark.sql.types."""

import array
import collections
import datetime
import decimal
import json
import pickle

import pytest

from ember.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    CalendarIntervalType,
    CharType,
    DataType,
    DateType,
    DayTimeIntervalType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    NullType,
    Row,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
    YearMonthIntervalType,
    _create_row,
    _has_nulltype,
    _infer_schema,
    _infer_type,
    _merge_type,
    _parse_datatype_json_string,
    _parse_datatype_json_value,
    _parse_datatype_string,
)

PYSPARK_ALL = [
    "ArrayType", "BinaryType", "BooleanType", "ByteType", "CalendarIntervalType", "CharType", "DataType", "DateType",
    "DayTimeIntervalType", "DecimalType", "DoubleType", "FloatType", "Geography", "GeographyType", "Geometry",
    "GeometryType", "IntegerType", "LongType", "MapType", "NullType", "Row", "ShortType", "StringType", "StructField",
    "StructType", "TimeType", "TimestampNTZType", "TimestampType", "VarcharType", "VariantType", "VariantVal",
    "YearMonthIntervalType",
]  # fmt: skip


def test_all_matches_pyspark():
    import ember.sql.types as T

    assert sorted(T.__all__) == PYSPARK_ALL
    for name in T.__all__:
        assert hasattr(T, name)


@pytest.mark.parametrize(
    "dt, rep, js, simple",
    [
        (NullType(), "NullType()", '"void"', "void"),
        (StringType(), "StringType()", '"string"', "string"),
        (BinaryType(), "BinaryType()", '"binary"', "binary"),
        (BooleanType(), "BooleanType()", '"boolean"', "boolean"),
        (DateType(), "DateType()", '"date"', "date"),
        (TimestampType(), "TimestampType()", '"timestamp"', "timestamp"),
        (TimestampNTZType(), "TimestampNTZType()", '"timestamp_ntz"', "timestamp_ntz"),
        (DecimalType(), "DecimalType(10,0)", '"decimal(10,0)"', "decimal(10,0)"),
        (DecimalType(10, 2), "DecimalType(10,2)", '"decimal(10,2)"', "decimal(10,2)"),
        (DoubleType(), "DoubleType()", '"double"', "double"),
        (FloatType(), "FloatType()", '"float"', "float"),
        (ByteType(), "ByteType()", '"byte"', "tinyint"),
        (ShortType(), "ShortType()", '"short"', "smallint"),
        (IntegerType(), "IntegerType()", '"integer"', "int"),
        (LongType(), "LongType()", '"long"', "bigint"),
        (DayTimeIntervalType(), "DayTimeIntervalType(0, 3)", '"interval day to second"', "interval day to second"),
        (DayTimeIntervalType(1, 3), "DayTimeIntervalType(1, 3)", '"interval hour to second"', "interval hour to second"),
        (DayTimeIntervalType(2), "DayTimeIntervalType(2, 2)", '"interval minute"', "interval minute"),
        (YearMonthIntervalType(), "YearMonthIntervalType(0, 1)", '"interval year to month"', "interval year to month"),
        (CalendarIntervalType(), "CalendarIntervalType()", '"interval"', "interval"),
        (CharType(3), "CharType(3)", '"char(3)"', "char(3)"),
        (ArrayType(StringType()), "ArrayType(StringType(), True)",
         '{"containsNull":true,"elementType":"string","type":"array"}', "array<string>"),
        (MapType(StringType(), ArrayType(IntegerType()), False),
         "MapType(StringType(), ArrayType(IntegerType(), True), False)",
         '{"keyType":"string","type":"map","valueContainsNull":false,'
         '"valueType":{"containsNull":true,"elementType":"integer","type":"array"}}',
         "map<string,array<int>>"),
    ],
)  # fmt: skip
def test_repr_json_simple_string(dt, rep, js, simple):
    assert repr(dt) == rep
    assert str(dt) == rep
    assert dt.json() == js
    assert dt.simpleString() == simple
    assert _parse_datatype_json_string(js) == dt


def test_type_names():
    assert IntegerType.typeName() == "integer"
    assert NullType.typeName() == "void"
    assert DayTimeIntervalType.typeName() == "daytimeinterval"
    assert TimestampNTZType.typeName() == "timestamp_ntz"
    assert CalendarIntervalType.typeName() == "interval"


def test_singletons_and_equality():
    assert IntegerType() is IntegerType()
    assert NullType() is NullType()
    assert DecimalType(5, 2) is not DecimalType(5, 2)
    assert DecimalType(5, 2) == DecimalType(5, 2)
    assert DecimalType(5, 2) != DecimalType(5, 3)
    assert IntegerType() != LongType()
    assert not (ByteType() == ShortType())
    assert not (IntegerType() == 1)
    assert len({IntegerType(), IntegerType(), LongType(), DecimalType(5, 2), DecimalType(5, 2)}) == 3
    assert ArrayType(StringType()) == ArrayType(StringType(), True)
    assert ArrayType(StringType()) != ArrayType(StringType(), False)
    assert StructField("a", IntegerType()) == StructField("a", IntegerType(), True, {})
    assert isinstance(IntegerType(), DataType)
    assert [k.__name__ for k in ByteType.__mro__] == ["ByteType", "IntegralType", "NumericType", "AtomicType", "DataType", "object"]


def test_pickle_types():
    st = StructType([StructField("a", IntegerType()), StructField("b", DecimalType(5, 2), False)])
    for dt in [IntegerType(), DecimalType(5, 2), st, ArrayType(LongType()), DayTimeIntervalType(1, 2)]:
        assert pickle.loads(pickle.dumps(dt)) == dt


SCHEMA = StructType([StructField("a", IntegerType(), True), StructField("b", StringType(), False)])


def test_struct_type_basics():
    assert repr(SCHEMA) == "StructType([StructField('a', IntegerType(), True), StructField('b', StringType(), False)])"
    assert SCHEMA.json() == (
        '{"fields":[{"metadata":{},"name":"a","nullable":true,"type":"integer"},'
        '{"metadata":{},"name":"b","nullable":false,"type":"string"}],"type":"struct"}'
    )
    assert SCHEMA.simpleString() == "struct<a:int,b:string>"
    assert SCHEMA.names == ["a", "b"] and SCHEMA.fieldNames() == ["a", "b"]
    assert len(SCHEMA) == 2
    assert [f.name for f in SCHEMA] == ["a", "b"]
    assert repr(StructType()) == "StructType([])"
    assert StructType().json() == '{"fields":[],"type":"struct"}'
    assert StructType().simpleString() == "struct<>"


def test_struct_getitem():
    assert repr(SCHEMA["a"]) == "StructField('a', IntegerType(), True)"
    assert repr(SCHEMA[1]) == "StructField('b', StringType(), False)"
    assert repr(SCHEMA[-1]) == "StructField('b', StringType(), False)"
    assert repr(SCHEMA[0:1]) == "StructType([StructField('a', IntegerType(), True)])"
    with pytest.raises(KeyError) as e:
        SCHEMA["zz"]
    assert str(e.value) == "[KEY_NOT_EXISTS] Key `zz` does not exist."
    with pytest.raises(IndexError) as e:
        SCHEMA[5]
    assert str(e.value) == "[INDEX_OUT_OF_RANGE] StructType index out of range, got '5'."
    with pytest.raises(TypeError) as e:
        SCHEMA[1.5]
    assert str(e.value) == "[NOT_EXPECTED_TYPE] Argument `key` should be int, slice or str, got float."


def test_struct_contains_is_by_field_like_pyspark():
    # PySpark's StructType has no __contains__: `in` compares against the StructFields.
    assert "a" not in SCHEMA
    assert StructField("a", IntegerType()) in SCHEMA


def test_struct_add_chains():
    st = (
        StructType()
        .add("f1", StringType(), True)
        .add("f2", StringType(), True, None)
        .add(StructField("f3", LongType()))
        .add("f4", "integer")
        .add("f5", "decimal(10,2)", False, {"c": "d"})
    )
    assert repr(st) == (
        "StructType([StructField('f1', StringType(), True), StructField('f2', StringType(), True), "
        "StructField('f3', LongType(), True), StructField('f4', IntegerType(), True), "
        "StructField('f5', DecimalType(10,2), False)])"
    )
    assert st.names == ["f1", "f2", "f3", "f4", "f5"]
    assert st["f5"].metadata == {"c": "d"}


def test_struct_add_errors():
    with pytest.raises(ValueError) as e:
        StructType().add("f1")
    assert str(e.value) == (
        "[ARGUMENT_REQUIRED] Argument `data_type` is required when passing name of struct_field to create."
    )
    # PySpark reads a string data_type as a JSON type name, so DDL names like "int" are rejected.
    with pytest.raises(ValueError) as e:
        StructType().add("f1", "int")
    assert str(e.value) == "[CANNOT_PARSE_DATATYPE] Unable to parse datatype. int."


def test_tree_string():
    st = StructType(
        [
            StructField("a", IntegerType(), True),
            StructField("s", StructType([StructField("x", ArrayType(MapType(StringType(), DecimalType(5, 2))), False)])),
        ]
    )
    assert st.treeString() == (
        "root\n |-- a: integer (nullable = true)\n |-- s: struct (nullable = true)\n"
        " |    |-- x: array (nullable = false)\n |    |    |-- element: map (containsNull = true)\n"
        " |    |    |    |-- key: string\n |    |    |    |-- value: decimal(5,2) (valueContainsNull = true)\n"
    )


NESTED_JSON = (
    '{"fields":[{"metadata":{},"name":"i","nullable":false,"type":"integer"},'
    '{"metadata":{"comment":"hi"},"name":"arr","nullable":true,"type":{"containsNull":false,"elementType":"string","type":"array"}},'
    '{"metadata":{},"name":"m","nullable":false,"type":{"keyType":"string","type":"map","valueContainsNull":false,"valueType":"integer"}},'
    '{"metadata":{},"name":"d","nullable":false,"type":"decimal(10,2)"},'
    '{"metadata":{},"name":"tsn","nullable":true,"type":"timestamp_ntz"},'
    '{"metadata":{},"name":"iv","nullable":false,"type":"interval day to second"},'
    '{"metadata":{},"name":"ih","nullable":false,"type":"interval hour"},'
    '{"metadata":{},"name":"ym","nullable":false,"type":"interval year to month"},'
    '{"metadata":{},"name":"n","nullable":true,"type":"void"},'
    '{"metadata":{},"name":"c","nullable":true,"type":"interval"},'
    '{"metadata":{},"name":"st","nullable":true,"type":{"fields":[{"metadata":{},"name":"x","nullable":true,"type":"binary"}],"type":"struct"}}],'
    '"type":"struct"}'
)  # fmt: skip


def test_json_round_trip():
    st = _parse_datatype_json_string(NESTED_JSON)
    assert st.json() == NESTED_JSON
    assert repr(st) == (
        "StructType([StructField('i', IntegerType(), False), StructField('arr', ArrayType(StringType(), False), True), "
        "StructField('m', MapType(StringType(), IntegerType(), False), False), StructField('d', DecimalType(10,2), False), "
        "StructField('tsn', TimestampNTZType(), True), StructField('iv', DayTimeIntervalType(0, 3), False), "
        "StructField('ih', DayTimeIntervalType(1, 1), False), StructField('ym', YearMonthIntervalType(0, 1), False), "
        "StructField('n', NullType(), True), StructField('c', CalendarIntervalType(), True), "
        "StructField('st', StructType([StructField('x', BinaryType(), True)]), True)])"
    )
    assert st["arr"].metadata == {"comment": "hi"}
    assert StructType.fromJson(json.loads(NESTED_JSON)) == st
    assert _parse_datatype_json_value("decimal") == DecimalType(10, 0)


def test_json_escapes_like_pyspark():
    st = StructType([StructField("é", IntegerType(), True, {"k": "ü\n", "n": 1.5, "z": [1, None]})])
    assert st.json() == (
        '{"fields":[{"metadata":{"k":"\\u00fc\\n","n":1.5,"z":[1,null]},"name":"\\u00e9",'
        '"nullable":true,"type":"integer"}],"type":"struct"}'
    )


def test_json_errors():
    with pytest.raises(ValueError) as e:
        _parse_datatype_json_value("intt")
    assert str(e.value) == "[CANNOT_PARSE_DATATYPE] Unable to parse datatype. intt."
    with pytest.raises(ValueError) as e:
        _parse_datatype_json_value({"type": "foo"})
    assert str(e.value) == "[UNSUPPORTED_DATA_TYPE] Unsupported DataType `foo`."


def test_internal_conversions():
    assert DateType().toInternal(datetime.date(2020, 1, 2)) == 18263
    assert DateType().fromInternal(18263) == datetime.date(2020, 1, 2)
    assert TimestampNTZType().toInternal(datetime.datetime(2020, 1, 2, 3, 4, 5, 6)) == 1577934245000006
    assert TimestampNTZType().fromInternal(1577934245000006) == datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
    utc = datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    assert TimestampType().toInternal(utc) == 1577934245000006
    assert DayTimeIntervalType().toInternal(datetime.timedelta(days=1, seconds=2, microseconds=3)) == 86402000003
    assert SCHEMA.toInternal({"a": 1, "b": "x"}) == (1, "x")
    assert SCHEMA.toInternal(Row(a=1, b="x")) == (1, "x")
    assert repr(SCHEMA.fromInternal((1, "x"))) == "Row(a=1, b='x')"
    assert repr(StructType([StructField("d", DateType())]).fromInternal((1,))) == "Row(d=datetime.date(1970, 1, 2))"


# ---- Row ----


def test_row_kwargs():
    r = Row(name="Alice", age=11)
    assert repr(r) == "Row(name='Alice', age=11)"
    assert (r.name, r["age"], r[0], r[-1]) == ("Alice", 11, "Alice", 11)
    assert r.__fields__ == ["name", "age"]
    assert "name" in r and "Alice" not in r
    assert r.asDict() == {"name": "Alice", "age": 11}
    assert r == ("Alice", 11) and Row("Alice", 11) == r
    assert isinstance(r, tuple) and len(r) == 2
    assert repr(Row(a=Row(b=1), c=[1, 2], d="x'y", e=None)) == "Row(a=Row(b=1), c=[1, 2], d=\"x'y\", e=None)"


def test_row_factory():
    Person = Row("name", "age")
    assert repr(Person) == "<Row('name', 'age')>"
    assert "name" in Person
    assert repr(Person("Alice", 11)) == "Row(name='Alice', age=11)"
    assert repr(Person("Alice")) == "Row(name='Alice')"
    with pytest.raises(ValueError) as e:
        Person("a", 1, 2)
    assert str(e.value) == "[TOO_MANY_VALUES] Expected 2 values for `fields`, got 3."
    assert repr(Row()) == "<Row()>"
    assert repr(_create_row(["a", "b"], [1, 2])) == "Row(a=1, b=2)"


def test_row_as_dict_recursive():
    row = Row(key=1, value=Row(name="a", age=2), l=[Row(x=1)], d={"k": Row(y=2)})
    assert row.asDict(True) == {"key": 1, "value": {"name": "a", "age": 2}, "l": [{"x": 1}], "d": {"k": {"y": 2}}}
    assert row.asDict() == {"key": 1, "value": Row(name="a", age=2), "l": [Row(x=1)], "d": {"k": Row(y=2)}}


def test_row_errors():
    r = Row(name="Alice", age=11)
    with pytest.raises(AttributeError) as e:
        r.zz
    assert str(e.value) == "[ATTRIBUTE_NOT_SUPPORTED] Attribute `zz` is not supported."
    with pytest.raises(ValueError) as e:
        r["zz"]
    assert str(e.value) == "zz"
    with pytest.raises(RuntimeError) as e:
        r.name = "B"
    assert str(e.value) == "[READ_ONLY] Row is read-only."
    with pytest.raises(ValueError) as e:
        Row(1, a=2)
    assert str(e.value) == "[CANNOT_SET_TOGETHER] args and kwargs should not be set together."
    with pytest.raises(TypeError) as e:
        Row(1, 2).asDict()
    assert str(e.value) == "[CANNOT_CONVERT_TYPE] Cannot convert Row into dict."
    with pytest.raises(IndexError):
        r[5]


def test_row_pickle():
    r = Row(name="Alice", age=11)
    back = pickle.loads(pickle.dumps(r))
    assert repr(back) == "Row(name='Alice', age=11)" and back.__fields__ == ["name", "age"]
    assert repr(pickle.loads(pickle.dumps(Row(1, 2)))) == "<Row(1, 2)>"


# ---- inference ----

NT = collections.namedtuple("NT", ["y", "x"])


class _Obj:
    def __init__(self):
        self.b = 1
        self.a = "x"


@pytest.mark.parametrize(
    "value, expected",
    [
        (1, "LongType()"),
        (2**70, "LongType()"),
        (1.5, "DoubleType()"),
        ("s", "StringType()"),
        (True, "BooleanType()"),
        (b"x", "BinaryType()"),
        (bytearray(b"x"), "BinaryType()"),
        (decimal.Decimal("1.5"), "DecimalType(38,18)"),
        (datetime.datetime(2020, 1, 1), "TimestampType()"),
        (datetime.date(2020, 1, 1), "DateType()"),
        (datetime.timedelta(1), "DayTimeIntervalType(0, 3)"),
        (None, "NullType()"),
        ([1, None, 3], "ArrayType(LongType(), True)"),
        ([], "ArrayType(NullType(), True)"),
        ([1, "a"], "ArrayType(StringType(), True)"),
        ([[1], [None, 2]], "ArrayType(ArrayType(LongType(), True), True)"),
        ({"a": 1}, "MapType(StringType(), LongType(), True)"),
        ({}, "MapType(NullType(), NullType(), True)"),
        ({"a": None, "b": 2}, "MapType(StringType(), LongType(), True)"),
        (Row(a=1, b="x"), "StructType([StructField('a', LongType(), True), StructField('b', StringType(), True)])"),
        (NT(1, "q"), "StructType([StructField('y', LongType(), True), StructField('x', StringType(), True)])"),
        (_Obj(), "StructType([StructField('a', StringType(), True), StructField('b', LongType(), True)])"),
        ((1, "a"), "StructType([StructField('_1', LongType(), True), StructField('_2', StringType(), True)])"),
        ([Row(a=1), Row(b=2)],
         "ArrayType(StructType([StructField('a', LongType(), True), StructField('b', LongType(), True)]), True)"),
        (array.array("i", [1]), "ArrayType(IntegerType(), False)"),
        (array.array("l", [1]), "ArrayType(LongType(), False)"),
        (array.array("B", [1]), "ArrayType(ShortType(), False)"),
        (array.array("d", [1.0]), "ArrayType(DoubleType(), False)"),
    ],
)  # fmt: skip
def test_infer_type(value, expected):
    assert repr(_infer_type(value)) == expected


def test_infer_errors():
    with pytest.raises(TypeError) as e:
        _infer_type({1})
    assert str(e.value) == "[UNSUPPORTED_DATA_TYPE] Unsupported DataType `set`."
    with pytest.raises(TypeError) as e:
        _infer_type([1.5, 2])
    assert str(e.value) == "[CANNOT_MERGE_TYPE] Can not merge type `DoubleType` and `LongType`."
    with pytest.raises(TypeError) as e:
        _infer_schema({"a": {1}})
    assert str(e.value) == "[CANNOT_INFER_TYPE_FOR_FIELD] Unable to infer the type of the field `a`."
    with pytest.raises(TypeError) as e:
        _infer_schema(1)
    assert str(e.value) == "[CANNOT_INFER_SCHEMA_FOR_TYPE] Can not infer schema for type: `int`."


def test_infer_schema():
    assert repr(_infer_schema({"b": 1, "a": "x"})) == (
        "StructType([StructField('a', StringType(), True), StructField('b', LongType(), True)])"
    )
    assert repr(_infer_schema(Row(b=1, a="x"))) == (
        "StructType([StructField('b', LongType(), True), StructField('a', StringType(), True)])"
    )
    assert repr(_infer_schema((1, "x", None), ["p"])) == (
        "StructType([StructField('p', LongType(), True), StructField('_2', StringType(), True), "
        "StructField('_3', NullType(), True)])"
    )
    assert repr(_infer_schema({"a": datetime.datetime(2020, 1, 1)}, prefer_timestamp_ntz=True)) == (
        "StructType([StructField('a', TimestampNTZType(), True)])"
    )
    assert repr(_infer_schema({"a": {"x": 1}}, infer_dict_as_struct=True)) == (
        "StructType([StructField('a', StructType([StructField('x', LongType(), True)]), True)])"
    )


def test_merge_type():
    assert _merge_type(NullType(), LongType()) == LongType()
    assert _merge_type(LongType(), StringType()) == StringType()
    assert _merge_type(TimestampNTZType(), TimestampType()) == TimestampType()
    assert _merge_type(DecimalType(10, 2), DecimalType(5, 1)) == DecimalType(10, 2)
    merged = _merge_type(
        StructType([StructField("a", LongType()), StructField("c", NullType())]),
        StructType([StructField("b", StringType()), StructField("c", LongType(), False)]),
    )
    assert repr(merged) == (
        "StructType([StructField('a', LongType(), True), StructField('c', LongType(), True), "
        "StructField('b', StringType(), True)])"
    )
    assert repr(_merge_type(ArrayType(NullType(), False), ArrayType(LongType(), False))) == "ArrayType(LongType(), True)"
    with pytest.raises(TypeError) as e:
        _merge_type(StructType([StructField("a", LongType())]), StructType([StructField("a", DoubleType())]))
    assert str(e.value) == "[CANNOT_MERGE_TYPE] Can not merge type `LongType` and `DoubleType`."
    assert _has_nulltype(ArrayType(NullType())) and not _has_nulltype(MapType(StringType(), LongType()))


def test_to_ddl():
    st = StructType(
        [
            StructField("i", IntegerType(), False),
            StructField("m", MapType(StringType(), IntegerType())),
            StructField("st", StructType([StructField("a", IntegerType(), False), StructField("f b", StringType())])),
            StructField("d", DecimalType(10, 2)),
        ]
    )
    assert st.toDDL() == "i INT NOT NULL,m MAP<STRING, INT>,st STRUCT<a: INT NOT NULL, `f b`: STRING>,d DECIMAL(10,2)"


# ---- DDL strings, parsed by the engine (ember._native.ddl_to_json) ----


@pytest.fixture
def native():
    mod = pytest.importorskip("ember._native")
    if not hasattr(mod, "ddl_to_json"):
        pytest.skip("ember._native.ddl_to_json is not bound yet")
    return mod


@pytest.mark.parametrize(
    "ddl, expected",
    [
        ("int", "IntegerType()"),
        ("INT ", "IntegerType()"),
        ("a int, b string", "StructType([StructField('a', IntegerType(), True), StructField('b', StringType(), True)])"),
        ("a: int", "StructType([StructField('a', IntegerType(), True)])"),
        ("struct<a:int>", "StructType([StructField('a', IntegerType(), True)])"),
        ("array<int>", "ArrayType(IntegerType(), True)"),
        (" map<string , string > ", "MapType(StringType(), StringType(), True)"),
        ("a: byte, b: decimal(  16 , 8   ) ",
         "StructType([StructField('a', ByteType(), True), StructField('b', DecimalType(16,8), True)])"),
        ("a DOUBLE, b STRING NOT NULL",
         "StructType([StructField('a', DoubleType(), True), StructField('b', StringType(), False)])"),
        ("decimal", "DecimalType(10,0)"),
        ("interval day to hour", "DayTimeIntervalType(0, 1)"),
        ("timestamp_ltz", "TimestampType()"),
        ("varchar(10)", "VarcharType(10)"),
        ("", "StructType([])"),
    ],
)  # fmt: skip
def test_parse_datatype_string(native, ddl, expected):
    assert repr(_parse_datatype_string(ddl)) == expected


def test_parse_datatype_string_comment(native):
    st = _parse_datatype_string("a int comment 'foo', b long not null")
    assert st["a"].metadata == {"comment": "foo"}
    assert st.json() == (
        '{"fields":[{"metadata":{"comment":"foo"},"name":"a","nullable":true,"type":"integer"},'
        '{"metadata":{},"name":"b","nullable":false,"type":"long"}],"type":"struct"}'
    )


@pytest.mark.parametrize(
    "ddl, message",
    [
        ("a INTT", '[UNSUPPORTED_DATATYPE] Unsupported data type "INTT". SQLSTATE: 0A000 (line 1, pos 2)'),
        ("blabla", "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input. SQLSTATE: 42601 (line 1, pos 6)"),
        ("array<int", "[PARSE_SYNTAX_ERROR] Syntax error at or near '<'. SQLSTATE: 42601 (line 1, pos 5)"),
        ("a int,", "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input. SQLSTATE: 42601 (line 1, pos 6)"),
    ],
)
def test_parse_datatype_string_errors(native, ddl, message):
    with pytest.raises(Exception) as e:
        _parse_datatype_string(ddl)
    assert message in str(e.value)


# ---- createDataFrame helpers: record conversion and schema verification ----


def test_type_verifier():
    from ember.sql.types import _make_type_verifier

    schema = StructType([StructField("a", IntegerType(), False), StructField("b", ArrayType(StringType(), False))])
    verify = _make_type_verifier(schema)
    verify((1, ["x"]))
    verify(Row(a=1, b=["x"]))
    verify({"a": 1})
    with pytest.raises(ValueError) as e:
        verify((None, ["x"]))
    assert str(e.value) == "[FIELD_NOT_NULLABLE_WITH_NAME] field a: This field is not nullable, but got None."
    with pytest.raises(ValueError) as e:
        verify((1,))
    assert str(e.value) == "[FIELD_STRUCT_LENGTH_MISMATCH] Length of object (1) does not match with length of fields (2)."
    with pytest.raises(TypeError) as e:
        verify(("x", ["y"]))
    assert str(e.value) == (
        "[FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME] field a: IntegerType() can not accept object 'x' in type <class 'str'>."
    )
    with pytest.raises(ValueError) as e:
        _make_type_verifier(IntegerType())(2**31)
    assert str(e.value) == (
        "[VALUE_OUT_OF_BOUNDS] Value for `obj` must be between -2147483648 and 2147483647 (inclusive), got 2147483648"
    )
    with pytest.raises(ValueError) as e:
        _make_type_verifier(ArrayType(IntegerType(), False))([1, None])
    assert str(e.value) == (
        "[FIELD_NOT_NULLABLE_WITH_NAME] element in array None: This field is not nullable, but got None."
    )
    _make_type_verifier(StringType())(1)  # strings accept anything


def test_converter():
    from ember.sql.types import _create_converter

    schema = StructType([StructField("s", StringType()), StructField("m", MapType(StringType(), StringType()))])
    assert _create_converter(schema)({"s": True, "m": {1: False}}) == ("true", {"1": "false"})
    assert _create_converter(schema)(Row(s="x", m=None)) == ("x", None)
    assert _create_converter(IntegerType())(5) == 5
