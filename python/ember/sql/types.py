"""Spark SQL data types and ``Row``: a pure-Python, PySpark 4.3-compatible ``pyspark.sql.types``.

Nothing here touches data; the engine only sees these types through their Spark schema JSON (``json()``).
"""

import calendar
import ctypes
import datetime
import decimal
import json
import re
import sys
import time
from array import array
from functools import reduce
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Tuple, Type, Union

__all__ = [
    "DataType",
    "NullType",
    "CharType",
    "StringType",
    "VarcharType",
    "BinaryType",
    "BooleanType",
    "DateType",
    "TimeType",
    "TimestampType",
    "TimestampNTZType",
    "DecimalType",
    "DoubleType",
    "Geography",
    "Geometry",
    "FloatType",
    "ByteType",
    "IntegerType",
    "LongType",
    "DayTimeIntervalType",
    "YearMonthIntervalType",
    "CalendarIntervalType",
    "Row",
    "ShortType",
    "ArrayType",
    "MapType",
    "StructField",
    "StructType",
    "VariantType",
    "VariantVal",
    "GeographyType",
    "GeometryType",
]

_JVM_INT_MAX = 2**31 - 1

# Errors: PySpark's exception classes, raised with Spark's conditions and the shared message table.

from ember.errors import _error  # noqa: E402


def _escape_meta_characters(s: str) -> str:
    for raw, escaped in [("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\f", "\\f"), ("\b", "\\b")]:
        s = s.replace(raw, escaped)
    return s.replace("\u000b", "\\v").replace("\u0007", "\\a")


# ---------------------------------------------------------------------------------------------------------------
# Data types


class DataType:
    """Base class for data types."""

    def __repr__(self) -> str:
        return self.__class__.__name__ + "()"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    @classmethod
    def typeName(cls) -> str:
        return cls.__name__[:-4].lower()

    def simpleString(self) -> str:
        return self.typeName()

    def jsonValue(self) -> Union[str, Dict[str, Any]]:
        return self.typeName()

    def json(self) -> str:
        return json.dumps(self.jsonValue(), separators=(",", ":"), sort_keys=True)

    def needConversion(self) -> bool:
        """Whether Python objects of this type need converting to and from the internal form."""
        return False

    def toInternal(self, obj: Any) -> Any:
        return obj

    def fromInternal(self, obj: Any) -> Any:
        return obj

    def _as_nullable(self) -> "DataType":
        return self

    @classmethod
    def fromDDL(cls, ddl: str) -> "DataType":
        """The :class:`DataType` of a DDL string (a schema such as ``"a int, b string"`` or a single type)."""
        return _parse_datatype_string(ddl)

    @classmethod
    def _data_type_build_formatted_string(
        cls, dataType: "DataType", prefix: str, out: List[str], maxDepth: int
    ) -> None:
        if isinstance(dataType, (ArrayType, StructType, MapType)):
            dataType._build_formatted_string(prefix, out, maxDepth - 1)

    @classmethod
    def _get_jvm_type_name(cls, dataType: "DataType") -> str:
        # printSchema names parameterised types by their simple string, others by typeName (as Scala does).
        parameterised = (DecimalType, CharType, VarcharType, DayTimeIntervalType, YearMonthIntervalType, TimeType)
        if isinstance(dataType, parameterised):
            return dataType.simpleString()
        return dataType.typeName()


class DataTypeSingleton(type):
    """Metaclass making parameterless types singletons (unpickling still makes fresh objects)."""

    _instances: ClassVar[Dict[type, Any]] = {}

    def __call__(cls):  # type: ignore[override]
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__()
        return cls._instances[cls]


class NullType(DataType, metaclass=DataTypeSingleton):
    """Null type: the type of ``None``, used where no other type can be inferred."""

    @classmethod
    def typeName(cls) -> str:
        return "void"


class AtomicType(DataType):
    """Every type that is not null, a UDT, an array, a struct or a map."""


class NumericType(AtomicType):
    """Numeric data types."""


class IntegralType(NumericType, metaclass=DataTypeSingleton):
    """Integral data types."""


class FractionalType(NumericType):
    """Fractional data types."""


class StringType(AtomicType):
    """String data type, with an optional collation (default ``UTF8_BINARY``)."""

    providerSpark = "spark"
    providerICU = "icu"
    providers = [providerSpark, providerICU]

    def __init__(self, collation: str = "UTF8_BINARY"):
        self.collation = collation

    @classmethod
    def collationProvider(cls, collationName: str) -> str:
        return StringType.providerSpark if collationName.startswith("UTF8") else StringType.providerICU

    def simpleString(self) -> str:
        return "string" if self.isUTF8BinaryCollation() else "string collate %s" % self.collation

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "StringType()" if self.isUTF8BinaryCollation() else "StringType('%s')" % self.collation

    def isUTF8BinaryCollation(self) -> bool:
        return self.collation == "UTF8_BINARY"


class CharType(AtomicType):
    """Fixed-length character type ``char(n)``."""

    def __init__(self, length: int):
        self.length = length

    def simpleString(self) -> str:
        return "char(%d)" % self.length

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "CharType(%d)" % self.length


class VarcharType(AtomicType):
    """Bounded-length character type ``varchar(n)``."""

    def __init__(self, length: int):
        self.length = length

    def simpleString(self) -> str:
        return "varchar(%d)" % self.length

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "VarcharType(%d)" % self.length


class BinaryType(AtomicType, metaclass=DataTypeSingleton):
    """Binary (byte array) data type."""


class BooleanType(AtomicType, metaclass=DataTypeSingleton):
    """Boolean data type."""


class DatetimeType(AtomicType):
    """Super class of the datetime data types."""


class DateType(DatetimeType, metaclass=DataTypeSingleton):
    """Date (``datetime.date``) data type."""

    EPOCH_ORDINAL = datetime.datetime(1970, 1, 1).toordinal()

    def needConversion(self) -> bool:
        return True

    def toInternal(self, d: datetime.date) -> Optional[int]:
        if d is not None:
            return d.toordinal() - self.EPOCH_ORDINAL
        return None

    def fromInternal(self, v: int) -> Optional[datetime.date]:
        if v is not None:
            return datetime.date.fromordinal(v + self.EPOCH_ORDINAL)
        return None


class AnyTimeType(DatetimeType):
    """A TIME type of any precision."""


class TimeType(AnyTimeType):
    """Time of day (``datetime.time``) data type; the internal value is nanoseconds since midnight."""

    def __init__(self, precision: int = 6):
        self.precision = precision

    def needConversion(self) -> bool:
        return True

    def toInternal(self, t: datetime.time) -> Optional[int]:
        if t is not None:
            seconds = t.hour * 3600 + t.minute * 60 + t.second
            return seconds * 1_000_000_000 + t.microsecond * 1_000
        return None

    def fromInternal(self, nano: int) -> Optional[datetime.time]:
        if nano is not None:
            micros = nano // 1_000
            seconds, micro = divmod(micros, 1_000_000)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            return datetime.time(hour, minute, second, micro)
        return None

    def simpleString(self) -> str:
        return "time(%d)" % self.precision

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "TimeType(%d)" % self.precision


class TimestampType(DatetimeType, metaclass=DataTypeSingleton):
    """Timestamp (``datetime.datetime``) data type, an instant shown in the session time zone."""

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: datetime.datetime) -> Optional[int]:
        if dt is not None:
            if dt.tzinfo:
                seconds = calendar.timegm(dt.utctimetuple())
            else:
                seconds = time.mktime(dt.timetuple())
            return int(seconds) * 1_000_000 + dt.microsecond
        return None

    def fromInternal(self, ts: int) -> Optional[datetime.datetime]:
        if ts is not None:
            return datetime.datetime.fromtimestamp(ts // 1_000_000).replace(microsecond=ts % 1_000_000)
        return None


class TimestampNTZType(DatetimeType, metaclass=DataTypeSingleton):
    """Timestamp without time zone (wall-clock ``datetime.datetime``)."""

    def needConversion(self) -> bool:
        return True

    @classmethod
    def typeName(cls) -> str:
        return "timestamp_ntz"

    def toInternal(self, dt: datetime.datetime) -> Optional[int]:
        if dt is not None:
            return int(calendar.timegm(dt.timetuple())) * 1_000_000 + dt.microsecond
        return None

    def fromInternal(self, ts: int) -> Optional[datetime.datetime]:
        if ts is not None:
            epoch = datetime.datetime(1970, 1, 1)
            return epoch + datetime.timedelta(microseconds=ts)
        return None


class DecimalType(FractionalType):
    """Decimal (``decimal.Decimal``) with fixed precision (up to 38) and scale; default (10, 0)."""

    def __init__(self, precision: int = 10, scale: int = 0):
        self.precision = precision
        self.scale = scale
        self.hasPrecisionInfo = True

    def simpleString(self) -> str:
        return "decimal(%d,%d)" % (self.precision, self.scale)

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "DecimalType(%d,%d)" % (self.precision, self.scale)


class DoubleType(FractionalType, metaclass=DataTypeSingleton):
    """Double data type, a double-precision float."""


class FloatType(FractionalType, metaclass=DataTypeSingleton):
    """Float data type, a single-precision float."""


class ByteType(IntegralType):
    """Signed 8-bit integers."""

    def simpleString(self) -> str:
        return "tinyint"


class IntegerType(IntegralType):
    """Signed 32-bit integers."""

    def simpleString(self) -> str:
        return "int"


class LongType(IntegralType):
    """Signed 64-bit integers."""

    def simpleString(self) -> str:
        return "bigint"


class ShortType(IntegralType):
    """Signed 16-bit integers."""

    def simpleString(self) -> str:
        return "smallint"


class AnsiIntervalType(AtomicType):
    """Interval types of the ANSI SQL standard."""


def _init_interval(self: Any, startField: Optional[int], endField: Optional[int], default: Tuple[int, int]) -> None:
    if startField is None and endField is None:
        startField, endField = default
    elif startField is not None and endField is None:
        endField = startField
    if startField not in self._fields or endField not in self._fields:
        raise _error(
            "PySparkRuntimeError", "INVALID_INTERVAL_CASTING", start_field=str(startField), end_field=str(endField)
        )
    self.startField = startField
    self.endField = endField


def _interval_name(self: Any) -> str:
    start, end = self._fields[self.startField], self._fields[self.endField]
    return "interval %s" % start if start == end else "interval %s to %s" % (start, end)


class DayTimeIntervalType(AnsiIntervalType):
    """Day-time interval (``datetime.timedelta``); the internal value is microseconds."""

    DAY = 0
    HOUR = 1
    MINUTE = 2
    SECOND = 3

    _fields = {DAY: "day", HOUR: "hour", MINUTE: "minute", SECOND: "second"}
    _inverted_fields = {v: k for k, v in _fields.items()}

    def __init__(self, startField: Optional[int] = None, endField: Optional[int] = None):
        _init_interval(self, startField, endField, (DayTimeIntervalType.DAY, DayTimeIntervalType.SECOND))

    def __repr__(self) -> str:
        return "%s(%d, %d)" % (type(self).__name__, self.startField, self.endField)

    def simpleString(self) -> str:
        return _interval_name(self)

    def jsonValue(self) -> str:
        return _interval_name(self)

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: datetime.timedelta) -> Optional[int]:
        if dt is not None:
            return (dt.days * 86400 + dt.seconds) * 1_000_000 + dt.microseconds
        return None

    def fromInternal(self, micros: int) -> Optional[datetime.timedelta]:
        if micros is not None:
            return datetime.timedelta(microseconds=micros)
        return None


class YearMonthIntervalType(AnsiIntervalType):
    """Year-month interval; not collectable to Python (as in PySpark)."""

    YEAR = 0
    MONTH = 1

    _fields = {YEAR: "year", MONTH: "month"}
    _inverted_fields = {v: k for k, v in _fields.items()}

    def __init__(self, startField: Optional[int] = None, endField: Optional[int] = None):
        _init_interval(self, startField, endField, (YearMonthIntervalType.YEAR, YearMonthIntervalType.MONTH))

    def __repr__(self) -> str:
        return "%s(%d, %d)" % (type(self).__name__, self.startField, self.endField)

    def simpleString(self) -> str:
        return _interval_name(self)

    def jsonValue(self) -> str:
        return _interval_name(self)

    def needConversion(self) -> bool:
        import os

        return not os.environ.get("PYSPARK_YM_INTERVAL_LEGACY") == "1"

    def toInternal(self, obj: Any) -> Any:
        raise _error("PySparkNotImplementedError", "NOT_IMPLEMENTED", feature="YearMonthIntervalType.toInternal")

    def fromInternal(self, obj: Any) -> Any:
        raise _error("PySparkNotImplementedError", "NOT_IMPLEMENTED", feature="YearMonthIntervalType.fromInternal")


class CalendarIntervalType(DataType, metaclass=DataTypeSingleton):
    """Calendar interval (months, days, microseconds); not collectable to Python."""

    @classmethod
    def typeName(cls) -> str:
        return "interval"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, obj: Any) -> Any:
        raise _error("PySparkNotImplementedError", "NOT_IMPLEMENTED", feature="CalendarIntervalType.toInternal")

    def fromInternal(self, obj: Any) -> Any:
        raise _error("PySparkNotImplementedError", "NOT_IMPLEMENTED", feature="CalendarIntervalType.fromInternal")


class ArrayType(DataType):
    """Array of ``elementType``; ``containsNull`` says whether elements may be None."""

    def __init__(self, elementType: DataType, containsNull: bool = True):
        assert isinstance(elementType, DataType), "elementType %s should be an instance of %s" % (
            elementType,
            DataType,
        )
        self.elementType = elementType
        self.containsNull = containsNull

    def simpleString(self) -> str:
        return "array<%s>" % self.elementType.simpleString()

    def _as_nullable(self) -> "ArrayType":
        return ArrayType(self.elementType._as_nullable(), containsNull=True)

    def toNullable(self) -> "ArrayType":
        return self._as_nullable()

    def __repr__(self) -> str:
        return "ArrayType(%s, %s)" % (self.elementType, str(self.containsNull))

    def jsonValue(self) -> Dict[str, Any]:
        return {"type": self.typeName(), "elementType": self.elementType.jsonValue(), "containsNull": self.containsNull}

    @classmethod
    def fromJson(
        cls, json: Dict[str, Any], fieldPath: str = "", collationsMap: Optional[Dict[str, str]] = None
    ) -> "ArrayType":
        path = "element" if fieldPath == "" else fieldPath + ".element"
        return ArrayType(_parse_datatype_json_value(json["elementType"], path, collationsMap), json["containsNull"])

    def needConversion(self) -> bool:
        return self.elementType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        if not self.needConversion():
            return obj
        return obj and [self.elementType.toInternal(v) for v in obj]

    def fromInternal(self, obj: Any) -> Any:
        if not self.needConversion():
            return obj
        return obj and [self.elementType.fromInternal(v) for v in obj]

    def _build_formatted_string(self, prefix: str, out: List[str], maxDepth: int = _JVM_INT_MAX) -> None:
        if maxDepth > 0:
            out.append(
                "%s-- element: %s (containsNull = %s)\n"
                % (prefix, DataType._get_jvm_type_name(self.elementType), str(self.containsNull).lower())
            )
            DataType._data_type_build_formatted_string(self.elementType, prefix + "    |", out, maxDepth)


class MapType(DataType):
    """Map from ``keyType`` (never None) to ``valueType``; ``valueContainsNull`` says whether values may be None."""

    def __init__(self, keyType: DataType, valueType: DataType, valueContainsNull: bool = True):
        assert isinstance(keyType, DataType), "keyType %s should be an instance of %s" % (keyType, DataType)
        assert isinstance(valueType, DataType), "valueType %s should be an instance of %s" % (valueType, DataType)
        self.keyType = keyType
        self.valueType = valueType
        self.valueContainsNull = valueContainsNull

    def simpleString(self) -> str:
        return "map<%s,%s>" % (self.keyType.simpleString(), self.valueType.simpleString())

    def _as_nullable(self) -> "MapType":
        return MapType(self.keyType._as_nullable(), self.valueType._as_nullable(), valueContainsNull=True)

    def toNullable(self) -> "MapType":
        return self._as_nullable()

    def __repr__(self) -> str:
        return "MapType(%s, %s, %s)" % (self.keyType, self.valueType, str(self.valueContainsNull))

    def jsonValue(self) -> Dict[str, Any]:
        return {
            "type": self.typeName(),
            "keyType": self.keyType.jsonValue(),
            "valueType": self.valueType.jsonValue(),
            "valueContainsNull": self.valueContainsNull,
        }

    @classmethod
    def fromJson(
        cls, json: Dict[str, Any], fieldPath: str = "", collationsMap: Optional[Dict[str, str]] = None
    ) -> "MapType":
        key_path = "key" if fieldPath == "" else fieldPath + ".key"
        value_path = "value" if fieldPath == "" else fieldPath + ".value"
        return MapType(
            _parse_datatype_json_value(json["keyType"], key_path, collationsMap),
            _parse_datatype_json_value(json["valueType"], value_path, collationsMap),
            json["valueContainsNull"],
        )

    def needConversion(self) -> bool:
        return self.keyType.needConversion() or self.valueType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        if not self.needConversion():
            return obj
        return obj and {self.keyType.toInternal(k): self.valueType.toInternal(v) for k, v in obj.items()}

    def fromInternal(self, obj: Any) -> Any:
        if not self.needConversion():
            return obj
        return obj and {self.keyType.fromInternal(k): self.valueType.fromInternal(v) for k, v in obj.items()}

    def _build_formatted_string(self, prefix: str, out: List[str], maxDepth: int = _JVM_INT_MAX) -> None:
        if maxDepth > 0:
            out.append("%s-- key: %s\n" % (prefix, DataType._get_jvm_type_name(self.keyType)))
            DataType._data_type_build_formatted_string(self.keyType, prefix + "    |", out, maxDepth)
            out.append(
                "%s-- value: %s (valueContainsNull = %s)\n"
                % (prefix, DataType._get_jvm_type_name(self.valueType), str(self.valueContainsNull).lower())
            )
            DataType._data_type_build_formatted_string(self.valueType, prefix + "    |", out, maxDepth)


_COLLATIONS_METADATA_KEY = "__COLLATIONS"


class StructField(DataType):
    """A named field of a :class:`StructType`."""

    def __init__(self, name: str, dataType: DataType, nullable: bool = True, metadata: Optional[Dict[str, Any]] = None):
        assert isinstance(dataType, DataType), "dataType %s should be an instance of %s" % (dataType, DataType)
        assert isinstance(name, str), "field name %s should be a string" % name
        self.name = name
        self.dataType = dataType
        self.nullable = nullable
        self.metadata = metadata or {}

    def simpleString(self) -> str:
        return "%s:%s" % (self.name, self.dataType.simpleString())

    def __repr__(self) -> str:
        return "StructField('%s', %s, %s)" % (self.name, self.dataType, str(self.nullable))

    def jsonValue(self) -> Dict[str, Any]:
        collations = self._collation_metadata()
        metadata = self.metadata if not collations else {**self.metadata, _COLLATIONS_METADATA_KEY: collations}
        data_type = self.dataType.jsonValue() if not collations else _without_collations(self.dataType).jsonValue()
        return {"name": self.name, "type": data_type, "nullable": self.nullable, "metadata": metadata}

    def _collation_metadata(self) -> Dict[str, str]:
        found: Dict[str, str] = {}

        def visit(dt: DataType, path: str) -> None:
            if isinstance(dt, StringType) and not dt.isUTF8BinaryCollation():
                found[path] = "%s.%s" % (StringType.collationProvider(dt.collation), dt.collation)
            elif isinstance(dt, ArrayType):
                visit(dt.elementType, path + ".element")
            elif isinstance(dt, MapType):
                visit(dt.keyType, path + ".key")
                visit(dt.valueType, path + ".value")

        visit(self.dataType, self.name)
        return found

    @classmethod
    def fromJson(cls, json: Dict[str, Any]) -> "StructField":
        metadata = json.get("metadata")
        collations: Dict[str, str] = {}
        if metadata and _COLLATIONS_METADATA_KEY in metadata:
            collations = {k: v.split(".", 1)[1] for k, v in metadata[_COLLATIONS_METADATA_KEY].items()}
            metadata = {k: v for k, v in metadata.items() if k != _COLLATIONS_METADATA_KEY}
        return StructField(
            json["name"],
            _parse_datatype_json_value(json["type"], json["name"], collations),
            json.get("nullable", True),
            metadata,
        )

    def needConversion(self) -> bool:
        return self.dataType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        return self.dataType.toInternal(obj)

    def fromInternal(self, obj: Any) -> Any:
        return self.dataType.fromInternal(obj)

    def typeName(self) -> str:  # type: ignore[override]
        raise _error("PySparkTypeError", "INVALID_TYPENAME_CALL")

    def _build_formatted_string(self, prefix: str, out: List[str], maxDepth: int = _JVM_INT_MAX) -> None:
        if maxDepth > 0:
            out.append(
                "%s-- %s: %s (nullable = %s)\n"
                % (
                    prefix,
                    _escape_meta_characters(self.name),
                    DataType._get_jvm_type_name(self.dataType),
                    str(self.nullable).lower(),
                )
            )
            DataType._data_type_build_formatted_string(self.dataType, prefix + "    |", out, maxDepth)


def _without_collations(dt: DataType) -> DataType:
    if isinstance(dt, ArrayType):
        return ArrayType(_without_collations(dt.elementType), dt.containsNull)
    if isinstance(dt, MapType):
        return MapType(_without_collations(dt.keyType), _without_collations(dt.valueType), dt.valueContainsNull)
    if isinstance(dt, StringType):
        return StringType()
    return dt


class StructType(DataType):
    """A list of :class:`StructField`: the type of a :class:`Row`. Iterating yields the fields."""

    def __init__(self, fields: Optional[List[StructField]] = None):
        if not fields:
            self.fields: List[StructField] = []
            self.names: List[str] = []
        else:
            self.fields = fields
            self.names = [f.name for f in fields]
            assert all(isinstance(f, StructField) for f in fields), "fields should be a list of StructField"
        self._needConversion = [f.needConversion() for f in self]
        self._needSerializeAnyField = any(self._needConversion)

    def add(
        self,
        field: Union[str, StructField],
        data_type: Optional[Union[str, DataType]] = None,
        nullable: bool = True,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> "StructType":
        """Appends a field (a :class:`StructField`, or name, type, nullable, metadata) and returns ``self``.

        A string ``data_type`` is read as Spark's JSON type name (``"integer"``, ``"decimal(10,2)"``), as PySpark does.
        """
        if isinstance(field, StructField):
            self.fields.append(field)
            self.names.append(field.name)
        else:
            if isinstance(field, str) and data_type is None:
                raise _error(
                    "PySparkValueError",
                    "ARGUMENT_REQUIRED",
                    arg_name="data_type",
                    condition="passing name of struct_field to create",
                )
            if isinstance(data_type, str):
                data_type_f = _parse_datatype_json_value(data_type)
            else:
                data_type_f = data_type
            self.fields.append(StructField(field, data_type_f, nullable, metadata))  # type: ignore[arg-type]
            self.names.append(field)  # type: ignore[arg-type]
        self._needConversion = [f.needConversion() for f in self]
        self._needSerializeAnyField = any(self._needConversion)
        return self

    def __iter__(self) -> Iterator[StructField]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, key: Union[str, int, slice]) -> Any:
        if isinstance(key, str):
            for field in self:
                if field.name == key:
                    return field
            raise _error("PySparkKeyError", "KEY_NOT_EXISTS", key=str(key))
        if isinstance(key, int):
            try:
                return self.fields[key]
            except IndexError:
                raise _error("PySparkIndexError", "INDEX_OUT_OF_RANGE", arg_name="StructType", index=str(key))
        if isinstance(key, slice):
            return StructType(self.fields[key])
        raise _error(
            "PySparkTypeError",
            "NOT_EXPECTED_TYPE",
            expected_type="int, slice or str",
            arg_name="key",
            arg_type=type(key).__name__,
        )

    def simpleString(self) -> str:
        return "struct<%s>" % ",".join(f.simpleString() for f in self)

    def _as_nullable(self) -> "StructType":
        return StructType(
            [StructField(f.name, f.dataType._as_nullable(), nullable=True, metadata=f.metadata) for f in self.fields]
        )

    def toNullable(self) -> "StructType":
        return self._as_nullable()

    def __repr__(self) -> str:
        return "StructType([%s])" % ", ".join(str(field) for field in self)

    def jsonValue(self) -> Dict[str, Any]:
        return {"type": self.typeName(), "fields": [f.jsonValue() for f in self]}

    @classmethod
    def fromJson(cls, json: Dict[str, Any]) -> "StructType":
        """The :class:`StructType` of a parsed schema JSON object (``{"type": "struct", "fields": [...]}``)."""
        return StructType([StructField.fromJson(f) for f in json["fields"]])

    def fieldNames(self) -> List[str]:
        return list(self.names)

    def needConversion(self) -> bool:
        # Rows, dicts and namedtuples always become plain tuples.
        return True

    def toInternal(self, obj: Any) -> Optional[Tuple]:
        if obj is None:
            return None
        if isinstance(obj, VariantVal):
            raise _error("PySparkValueError", message="Rows cannot be of type VariantVal")
        conv = self._needConversion if self._needSerializeAnyField else [False] * len(self.fields)
        if isinstance(obj, dict):
            values = [obj.get(n) for n in self.names]
        elif isinstance(obj, (tuple, list)):
            values = list(obj)
        elif hasattr(obj, "__dict__"):
            d = obj.__dict__
            values = [d.get(n) for n in self.names]
        else:
            raise _error("PySparkValueError", "UNEXPECTED_TUPLE_WITH_STRUCT", tuple=str(obj))
        if not self._needSerializeAnyField:
            return tuple(values)
        return tuple(f.toInternal(v) if c else v for f, v, c in zip(self.fields, values, conv))

    def fromInternal(self, obj: Any) -> Optional["Row"]:
        if obj is None:
            return None
        if isinstance(obj, Row):
            return obj
        if self._needSerializeAnyField:
            values: Any = [
                f.fromInternal(v) if c else v for f, v, c in zip(self.fields, obj, self._needConversion)
            ]
        else:
            values = obj
        return _create_row(self.names, values)

    def _build_formatted_string(self, prefix: str, out: List[str], maxDepth: int = _JVM_INT_MAX) -> None:
        for field in self.fields:
            field._build_formatted_string(prefix, out, maxDepth)

    def treeString(self, maxDepth: int = _JVM_INT_MAX) -> str:
        """The ``printSchema`` text of this schema."""
        out = ["root\n"]
        depth = maxDepth if maxDepth > 0 else _JVM_INT_MAX
        for field in self.fields:
            field._build_formatted_string(" |", out, depth)
        return "".join(out)

    def toDDL(self) -> str:
        """Spark's DDL of this schema: ``a INT NOT NULL,b STRING``."""
        return ",".join(_field_ddl(f, " ") for f in self.fields)


def _quote_if_needed(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_]+", name) and not name.isdigit():
        return name
    return "`%s`" % name.replace("`", "``")


def _field_ddl(f: StructField, sep: str) -> str:
    text = "%s%s%s" % (_quote_if_needed(f.name), sep, _sql_name(f.dataType))
    if not f.nullable:
        text += " NOT NULL"
    comment = f.metadata.get("comment") if f.metadata else None
    if isinstance(comment, str):
        text += " COMMENT '%s'" % comment.replace("\\", "\\\\").replace("'", "\\'")
    return text


def _sql_name(dt: DataType) -> str:
    """Spark's SQL name of a type (``DataType.sql``): ``INT``, ``ARRAY<STRING>``, ``STRUCT<a: INT>``."""
    if isinstance(dt, ArrayType):
        return "ARRAY<%s>" % _sql_name(dt.elementType)
    if isinstance(dt, MapType):
        return "MAP<%s, %s>" % (_sql_name(dt.keyType), _sql_name(dt.valueType))
    if isinstance(dt, StructType):
        return "STRUCT<%s>" % ", ".join(_field_ddl(f, ": ") for f in dt.fields)
    if isinstance(dt, StringType) and not dt.isUTF8BinaryCollation():
        return "STRING COLLATE %s" % dt.collation
    return dt.simpleString().upper()


class VariantType(AtomicType):
    """Variant data type: semi-structured values."""

    def needConversion(self) -> bool:
        return True

    def fromInternal(self, obj: Any) -> Optional["VariantVal"]:
        if obj is None or not all(key in obj for key in ["value", "metadata"]):
            return None
        return VariantVal(obj["value"], obj["metadata"])

    def toInternal(self, variant: Any) -> Any:
        if variant is None:
            return None
        assert isinstance(variant, VariantVal)
        return {"value": variant.value, "metadata": variant.metadata}


class VariantVal:
    """A Variant value: its value and metadata bytes."""

    def __init__(self, value: bytes, metadata: bytes):
        self.value = value
        self.metadata = metadata

    def __repr__(self) -> str:
        return "VariantVal(%r, %r)" % (self.value, self.metadata)


class SpatialType(AtomicType):
    """Super class of the spatial types."""


def _spatial_crs(srid: Union[int, str], default_srid: int) -> Tuple[Union[int, str], str]:
    if srid == "ANY":
        return "ANY", "SRID:ANY"
    if srid == default_srid:
        return srid, "OGC:CRS84"
    if srid == 0:
        return 0, "SRID:0"
    return srid, "EPSG:%d" % srid


class GeographyType(SpatialType):
    """Geography data type (ember keeps the type for schema compatibility; it has no spatial functions)."""

    DEFAULT_CRS = "OGC:CRS84"
    DEFAULT_ALG = "SPHERICAL"
    DEFAULT_SRID = 4326

    def __init__(self, srid: Union[int, str]):
        self.srid, self._crs = _spatial_crs(srid, GeographyType.DEFAULT_SRID)
        self._alg = GeographyType.DEFAULT_ALG

    def simpleString(self) -> str:
        return "geography(any)" if self.srid == "ANY" else "geography(%s)" % self.srid

    def __repr__(self) -> str:
        return "GeographyType(ANY)" if self.srid == "ANY" else "GeographyType(%s)" % self.srid

    def jsonValue(self) -> str:
        return "geography(%s, %s)" % (self._crs, self._alg)

    def needConversion(self) -> bool:
        return True

    def fromInternal(self, obj: Any) -> Optional["Geography"]:
        return None if obj is None else Geography(obj["bytes"], obj["srid"])

    def toInternal(self, geography: Any) -> Any:
        return None if geography is None else {"srid": geography.srid, "wkb": geography.wkb}


class GeometryType(SpatialType):
    """Geometry data type (ember keeps the type for schema compatibility; it has no spatial functions)."""

    DEFAULT_CRS = "OGC:CRS84"
    DEFAULT_SRID = 4326

    def __init__(self, srid: Union[int, str]):
        self.srid, self._crs = _spatial_crs(srid, GeometryType.DEFAULT_SRID)

    def simpleString(self) -> str:
        return "geometry(any)" if self.srid == "ANY" else "geometry(%s)" % self.srid

    def __repr__(self) -> str:
        return "GeometryType(ANY)" if self.srid == "ANY" else "GeometryType(%s)" % self.srid

    def jsonValue(self) -> str:
        return "geometry(%s)" % self._crs

    def needConversion(self) -> bool:
        return True

    def fromInternal(self, obj: Any) -> Optional["Geometry"]:
        return None if obj is None else Geometry(obj["bytes"], obj["srid"])

    def toInternal(self, geometry: Any) -> Any:
        return None if geometry is None else {"srid": geometry.srid, "wkb": geometry.wkb}


class Geography:
    """A geography value: WKB bytes and an SRID."""

    def __init__(self, wkb: bytes, srid: int):
        self.wkb = wkb
        self.srid = srid

    def __repr__(self) -> str:
        return "Geography(%r, %d)" % (self.wkb, self.srid)

    __str__ = __repr__

    def getSrid(self) -> int:
        return self.srid

    def getBytes(self) -> bytes:
        return self.wkb

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Geography):
            return NotImplemented
        return self.wkb == other.wkb and self.srid == other.srid

    @classmethod
    def fromWKB(cls, wkb: bytes, srid: int) -> "Geography":
        return Geography(wkb, srid)


class Geometry:
    """A geometry value: WKB bytes and an SRID."""

    def __init__(self, wkb: bytes, srid: int):
        self.wkb = wkb
        self.srid = srid

    def __repr__(self) -> str:
        return "Geometry(%r, %d)" % (self.wkb, self.srid)

    __str__ = __repr__

    def getSrid(self) -> int:
        return self.srid

    def getBytes(self) -> bytes:
        return self.wkb

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Geometry):
            return NotImplemented
        return self.wkb == other.wkb and self.srid == other.srid

    @classmethod
    def fromWKB(cls, wkb: bytes, srid: int) -> "Geometry":
        return Geometry(wkb, srid)


# ---------------------------------------------------------------------------------------------------------------
# Parsing type strings and JSON

_atomic_types: List[type] = [
    StringType,
    CharType,
    VarcharType,
    BinaryType,
    BooleanType,
    DecimalType,
    FloatType,
    DoubleType,
    ByteType,
    ShortType,
    IntegerType,
    LongType,
    DateType,
    TimestampType,
    TimestampNTZType,
    NullType,
    VariantType,
    YearMonthIntervalType,
    DayTimeIntervalType,
]

_complex_types: List[type] = [ArrayType, MapType, StructType]
_all_complex_types: Dict[str, type] = {"array": ArrayType, "map": MapType, "struct": StructType}

# JSON type names that map straight to a class (parameterised names are matched by the patterns below).
_all_mappable_types: Dict[str, type] = {
    "string": StringType,
    "binary": BinaryType,
    "boolean": BooleanType,
    "decimal": DecimalType,
    "float": FloatType,
    "double": DoubleType,
    "byte": ByteType,
    "short": ShortType,
    "integer": IntegerType,
    "long": LongType,
    "date": DateType,
    "timestamp": TimestampType,
    "timestamp_ntz": TimestampNTZType,
    "void": NullType,
    "variant": VariantType,
    "interval": CalendarIntervalType,
}

_LENGTH_CHAR = re.compile(r"char\(\s*(\d+)\s*\)")
_LENGTH_VARCHAR = re.compile(r"varchar\(\s*(\d+)\s*\)")
_STRING_WITH_COLLATION = re.compile(r"string\s+collate\s+(\w+)")
_FIXED_DECIMAL = re.compile(r"decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)")
_INTERVAL_DAYTIME = re.compile(r"interval (day|hour|minute|second)( to (day|hour|minute|second))?")
_INTERVAL_YEARMONTH = re.compile(r"interval (year|month)( to (year|month))?")
_TIME = re.compile(r"time\(\s*(\d+)\s*\)")
_GEOMETRY = re.compile(r"geometry(?:\(\s*([\w]+:-?[\w]+)\s*\))?$")
_GEOGRAPHY = re.compile(r"geography(?:\(\s*([\w]+:-?[\w]+)\s*(?:,\s*(\w+)\s*)?\))?$")


def _srid_of_crs(crs: Optional[str]) -> Union[int, str]:
    if crs is None or crs == "OGC:CRS84":
        return 4326
    authority, _, code = crs.partition(":")
    if code.upper() == "ANY":
        return "ANY"
    return int(code) if code.lstrip("-").isdigit() else code


def _parse_datatype_string(s: str) -> DataType:
    """The :class:`DataType` of a DDL string: a schema (``"a int, b string"``, ``"a: int"``) or one type
    (``"int"``, ``"array<int>"``), case-insensitive; raises ParseException as Spark does."""
    from ember import _native  # noqa: PLC0415 - the native module is needed only here

    return _parse_datatype_json_string(_native.ddl_to_json(s))


def _parse_datatype_json_string(json_string: str) -> DataType:
    """The :class:`DataType` of Spark schema JSON text (``DataType.json()``)."""
    return _parse_datatype_json_value(json.loads(json_string))


def _interval_from_match(cls: Any, m: "re.Match[str]") -> DataType:
    first = cls._inverted_fields.get(m.group(1))
    second = cls._inverted_fields.get(m.group(3))
    if first is not None and second is None:
        return cls(first)
    return cls(first, second)


def _parse_datatype_json_value(
    json_value: Union[dict, str], fieldPath: str = "", collationsMap: Optional[Dict[str, str]] = None
) -> DataType:
    """The :class:`DataType` of a parsed Spark schema JSON value (a type-name string or a dict)."""
    if not isinstance(json_value, dict):
        if json_value in _all_mappable_types:
            if collationsMap is not None and fieldPath in collationsMap:
                return StringType(collationsMap[fieldPath])
            return _all_mappable_types[json_value]()
        m = _FIXED_DECIMAL.match(json_value)
        if m:
            return DecimalType(int(m.group(1)), int(m.group(2)))
        m = _TIME.match(json_value)
        if m:
            return TimeType(int(m.group(1)))
        m = _INTERVAL_DAYTIME.match(json_value)
        if m:
            return _interval_from_match(DayTimeIntervalType, m)
        m = _INTERVAL_YEARMONTH.match(json_value)
        if m:
            return _interval_from_match(YearMonthIntervalType, m)
        m = _STRING_WITH_COLLATION.match(json_value)
        if m:
            return StringType(m.group(1))
        m = _LENGTH_CHAR.match(json_value)
        if m:
            return CharType(int(m.group(1)))
        m = _LENGTH_VARCHAR.match(json_value)
        if m:
            return VarcharType(int(m.group(1)))
        m = _GEOMETRY.match(json_value)
        if m:
            return GeometryType(_srid_of_crs(m.group(1)))
        m = _GEOGRAPHY.match(json_value)
        if m:
            return GeographyType(_srid_of_crs(m.group(1)))
        raise _error("PySparkValueError", "CANNOT_PARSE_DATATYPE", msg=str(json_value))
    tpe = json_value["type"]
    if tpe in _all_complex_types:
        complex_type = _all_complex_types[tpe]
        if complex_type is ArrayType:
            return ArrayType.fromJson(json_value, fieldPath, collationsMap)
        if complex_type is MapType:
            return MapType.fromJson(json_value, fieldPath, collationsMap)
        return StructType.fromJson(json_value)
    if tpe == "udt" and "sqlType" in json_value:
        # ember has no Python UDT classes; a UDT column is read as its underlying SQL type.
        return _parse_datatype_json_value(json_value["sqlType"])
    raise _error("PySparkValueError", "UNSUPPORTED_DATA_TYPE", data_type=str(tpe))


# ---------------------------------------------------------------------------------------------------------------
# Type inference from Python values

_type_mappings: Dict[type, type] = {
    type(None): NullType,
    Geometry: GeometryType,
    Geography: GeographyType,
    bool: BooleanType,
    int: LongType,
    float: DoubleType,
    str: StringType,
    bytearray: BinaryType,
    decimal.Decimal: DecimalType,
    datetime.date: DateType,
    datetime.datetime: TimestampType,
    datetime.time: TimeType,
    datetime.timedelta: DayTimeIntervalType,
    bytes: BinaryType,
}


def _int_size_to_type(size: int) -> Optional[type]:
    """The Spark integral type that holds a C integer of ``size`` bits."""
    for bits, cls in ((8, ByteType), (16, ShortType), (32, IntegerType), (64, LongType)):
        if size <= bits:
            return cls
    return None


def _array_typecode_mappings() -> Dict[str, type]:
    mappings: Dict[str, type] = {"f": FloatType, "d": DoubleType, "u": StringType}
    signed = {"b": ctypes.c_byte, "h": ctypes.c_short, "i": ctypes.c_int, "l": ctypes.c_long}
    unsigned = {"B": ctypes.c_ubyte, "H": ctypes.c_ushort, "I": ctypes.c_uint, "L": ctypes.c_ulong}
    for code, ctype in signed.items():
        dt = _int_size_to_type(ctypes.sizeof(ctype) * 8)
        if dt is not None:
            mappings[code] = dt
    # The JVM has no unsigned types: an unsigned C type needs one more bit as a signed one.
    for code, ctype in unsigned.items():
        dt = _int_size_to_type(ctypes.sizeof(ctype) * 8 + 1)
        if dt is not None:
            mappings[code] = dt
    return mappings


_array_type_mappings = _array_typecode_mappings()


def _infer_type(
    obj: Any,
    infer_dict_as_struct: bool = False,
    infer_array_from_first_element: bool = False,
    infer_map_from_first_pair: bool = False,
    prefer_timestamp_ntz: bool = False,
) -> DataType:
    """The :class:`DataType` PySpark infers for a Python value."""
    if obj is None:
        return NullType()
    if hasattr(obj, "__UDT__"):
        return obj.__UDT__
    data_type = _type_mappings.get(type(obj))
    if data_type is GeographyType or data_type is GeometryType:
        return data_type(obj.getSrid())
    if data_type is DecimalType:
        # Precision and scale may differ from value to value: use the widest system default.
        return DecimalType(38, 18)
    if data_type is TimestampType and prefer_timestamp_ntz and obj.tzinfo is None:
        return TimestampNTZType()
    if data_type is not None:
        return data_type()

    def infer(v: Any) -> DataType:
        return _infer_type(
            v, infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair, prefer_timestamp_ntz
        )

    if isinstance(obj, dict):
        if infer_dict_as_struct:
            struct = StructType()
            for key, value in obj.items():
                if key is not None and value is not None:
                    struct.add(key, infer(value), True)
            return struct
        if infer_map_from_first_pair:
            for key, value in obj.items():
                if key is not None and value is not None:
                    return MapType(infer(key), infer(value), True)
            return MapType(NullType(), NullType(), True)
        key_type: DataType = NullType()
        value_type: DataType = NullType()
        for key, value in obj.items():
            if key is not None:
                key_type = _merge_type(key_type, infer(key))
            if value is not None:
                value_type = _merge_type(value_type, infer(value))
        return MapType(key_type, value_type, True)
    if isinstance(obj, list):
        if not obj:
            return ArrayType(NullType(), True)

        # PySpark passes prefer_timestamp_ntz into the map-first slot for elements; kept for identical results.
        def infer_element(v: Any) -> DataType:
            return _infer_type(v, infer_dict_as_struct, infer_array_from_first_element, prefer_timestamp_ntz)

        if infer_array_from_first_element:
            return ArrayType(infer_element(obj[0]), True)
        return ArrayType(reduce(_merge_type, (infer_element(v) for v in obj)), True)
    if isinstance(obj, array):
        if obj.typecode in _array_type_mappings:
            return ArrayType(_array_type_mappings[obj.typecode](), False)
        raise _error("PySparkTypeError", "UNSUPPORTED_DATA_TYPE", data_type="array(%s)" % obj.typecode)
    if isinstance(obj, VariantVal):
        return VariantType()
    try:
        return _infer_schema(
            obj,
            infer_dict_as_struct=infer_dict_as_struct,
            infer_array_from_first_element=infer_array_from_first_element,
            prefer_timestamp_ntz=prefer_timestamp_ntz,
        )
    except TypeError:
        raise _error("PySparkTypeError", "UNSUPPORTED_DATA_TYPE", data_type=type(obj).__name__)


def _infer_schema(
    row: Any,
    names: Optional[List[str]] = None,
    infer_dict_as_struct: bool = False,
    infer_array_from_first_element: bool = False,
    infer_map_from_first_pair: bool = False,
    prefer_timestamp_ntz: bool = False,
) -> StructType:
    """The :class:`StructType` PySpark infers for one record (dict, Row, namedtuple, tuple/list or object)."""
    if isinstance(row, dict):
        items: Any = sorted(row.items())
    elif isinstance(row, (tuple, list)):
        if hasattr(row, "__fields__"):
            items = zip(row.__fields__, tuple(row))
        elif hasattr(row, "_fields"):
            items = zip(row._fields, tuple(row))
        else:
            if names is None:
                names = ["_%d" % i for i in range(1, len(row) + 1)]
            elif len(names) < len(row):
                names.extend("_%d" % i for i in range(len(names) + 1, len(row) + 1))
            items = zip(names, row)
    elif hasattr(row, "__dict__"):
        items = sorted(row.__dict__.items())
    else:
        raise _error("PySparkTypeError", "CANNOT_INFER_SCHEMA_FOR_TYPE", data_type=type(row).__name__)

    fields = []
    for k, v in items:
        try:
            dt = _infer_type(
                v, infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair, prefer_timestamp_ntz
            )
        except TypeError:
            raise _error("PySparkTypeError", "CANNOT_INFER_TYPE_FOR_FIELD", field_name=k)
        fields.append(StructField(k, dt, True))
    return StructType(fields)


def _has_nulltype(dt: DataType) -> bool:
    """Whether ``dt`` contains a :class:`NullType` anywhere."""
    if isinstance(dt, StructType):
        return any(_has_nulltype(f.dataType) for f in dt.fields)
    if isinstance(dt, ArrayType):
        return _has_nulltype(dt.elementType)
    if isinstance(dt, MapType):
        return _has_nulltype(dt.keyType) or _has_nulltype(dt.valueType)
    return isinstance(dt, NullType)


def _has_type(dt: DataType, dts: Union[type, Tuple[type, ...]]) -> bool:
    """Whether ``dt`` is or contains an instance of ``dts``."""
    if isinstance(dt, dts):
        return True
    if isinstance(dt, StructType):
        return any(_has_type(f.dataType, dts) for f in dt.fields)
    if isinstance(dt, ArrayType):
        return _has_type(dt.elementType, dts)
    if isinstance(dt, MapType):
        return _has_type(dt.keyType, dts) or _has_type(dt.valueType, dts)
    return False


def _merge_type(a: DataType, b: DataType, name: Optional[str] = None) -> DataType:
    """Merges two inferred types as PySpark does: NullType yields, strings absorb atomic types, structs union."""
    if name is None:

        def new_name(n: str) -> str:
            return "field %s" % n

    else:

        def new_name(n: str) -> str:
            return "field %s in %s" % (n, name)

    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType):
        return a
    if isinstance(a, TimestampType) and isinstance(b, TimestampNTZType):
        return a
    if isinstance(a, TimestampNTZType) and isinstance(b, TimestampType):
        return b
    if isinstance(a, GeometryType) and isinstance(b, GeometryType) and a.srid != b.srid:
        return GeometryType("ANY")
    if isinstance(a, GeographyType) and isinstance(b, GeographyType) and a.srid != b.srid:
        return GeographyType("ANY")
    if isinstance(a, AtomicType) and isinstance(b, StringType):
        return b
    if isinstance(a, StringType) and isinstance(b, AtomicType):
        return a
    if type(a) is not type(b):
        raise _error("PySparkTypeError", "CANNOT_MERGE_TYPE", data_type1=type(a).__name__, data_type2=type(b).__name__)

    if isinstance(a, StructType):
        assert isinstance(b, StructType)
        other = {f.name: f.dataType for f in b.fields}
        fields = [
            StructField(f.name, _merge_type(f.dataType, other.get(f.name, NullType()), name=new_name(f.name)))
            for f in a.fields
        ]
        seen = {f.name for f in fields}
        for n, t in other.items():
            if n not in seen:
                fields.append(StructField(n, t))
        return StructType(fields)
    if isinstance(a, ArrayType):
        assert isinstance(b, ArrayType)
        return ArrayType(_merge_type(a.elementType, b.elementType, name="element in array %s" % name), True)
    if isinstance(a, MapType):
        assert isinstance(b, MapType)
        return MapType(
            _merge_type(a.keyType, b.keyType, name="key of map %s" % name),
            _merge_type(a.valueType, b.valueType, name="value of map %s" % name),
            True,
        )
    return a


# ---------------------------------------------------------------------------------------------------------------
# Converting and verifying Python records against a schema (createDataFrame)


def _need_converter(dataType: DataType) -> bool:
    """Whether records of ``dataType`` need reshaping before they reach the engine."""
    if isinstance(dataType, StructType):
        return True
    if isinstance(dataType, ArrayType):
        return _need_converter(dataType.elementType)
    if isinstance(dataType, MapType):
        return _need_converter(dataType.keyType) or _need_converter(dataType.valueType)
    return isinstance(dataType, (NullType, StringType))


def _create_converter(dataType: DataType) -> Callable:
    """A function turning Rows, dicts and objects into plain tuples (recursively) for ``dataType``; values for
    string fields become ``str`` (booleans as ``true``/``false``, as Spark prints them) and NullType fields None."""
    if not _need_converter(dataType):
        return lambda x: x
    if isinstance(dataType, ArrayType):
        conv = _create_converter(dataType.elementType)
        return lambda row: None if row is None else [conv(v) for v in row]
    if isinstance(dataType, MapType):
        kconv = _create_converter(dataType.keyType)
        vconv = _create_converter(dataType.valueType)
        return lambda row: None if row is None else {kconv(k): vconv(v) for k, v in row.items()}
    if isinstance(dataType, NullType):
        return lambda x: None
    if isinstance(dataType, StringType):

        def convert_string(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, bool):
                return str(value).lower()
            return str(value)

        return convert_string
    if not isinstance(dataType, StructType):
        return lambda x: x

    names = [f.name for f in dataType.fields]
    converters = [_create_converter(f.dataType) for f in dataType.fields]
    convert_fields = any(_need_converter(f.dataType) for f in dataType.fields)

    def convert_struct(obj: Any) -> Optional[Tuple]:
        if obj is None:
            return None
        if isinstance(obj, (tuple, list)):
            return tuple(c(v) for v, c in zip(obj, converters)) if convert_fields else tuple(obj)
        if isinstance(obj, dict):
            d = obj
        elif hasattr(obj, "__dict__"):
            d = obj.__dict__
        else:
            raise _error("PySparkTypeError", "UNSUPPORTED_DATA_TYPE", data_type=type(obj).__name__)
        if convert_fields:
            return tuple(c(d.get(n)) for n, c in zip(names, converters))
        return tuple(d.get(n) for n in names)

    return convert_struct


# Python types each Spark type accepts in createDataFrame(verifySchema=True); exact types, not subclasses.
_acceptable_types: Dict[type, Tuple[type, ...]] = {
    BooleanType: (bool,),
    ByteType: (int,),
    ShortType: (int,),
    IntegerType: (int,),
    LongType: (int,),
    FloatType: (float,),
    DoubleType: (float,),
    DecimalType: (decimal.Decimal,),
    StringType: (str,),
    CharType: (str,),
    VarcharType: (str,),
    BinaryType: (bytearray, bytes),
    DateType: (datetime.date, datetime.datetime),
    TimeType: (datetime.time,),
    TimestampType: (datetime.datetime,),
    TimestampNTZType: (datetime.datetime,),
    DayTimeIntervalType: (datetime.timedelta,),
    ArrayType: (list, tuple, array),
    MapType: (dict,),
    StructType: (tuple, list, dict),
    GeometryType: (Geometry,),
    GeographyType: (Geography,),
    VariantType: (
        bool,
        int,
        float,
        decimal.Decimal,
        str,
        bytearray,
        bytes,
        datetime.date,
        datetime.datetime,
        datetime.timedelta,
        tuple,
        list,
        dict,
        array,
    ),
}

_INTEGRAL_BOUNDS = {
    ByteType: (-128, 127),
    ShortType: (-32768, 32767),
    IntegerType: (-2147483648, 2147483647),
    LongType: (-9223372036854775808, 9223372036854775807),
}


def _make_type_verifier(dataType: DataType, nullable: bool = True, name: Optional[str] = None) -> Callable:
    """A function raising PySpark's TypeError/ValueError when a Python value does not fit ``dataType``
    (wrong Python type, out-of-range integer, None in a non-nullable field, wrong struct length)."""

    def field_name(n: str) -> str:
        return "field %s" % n if name is None else "field %s in %s" % (n, name)

    def unacceptable(obj: Any) -> Exception:
        params = {"data_type": str(dataType), "obj": repr(obj), "obj_type": str(type(obj))}
        if name is not None:
            return _error("PySparkTypeError", "FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME", field_name=str(name), **params)
        return _error("PySparkTypeError", "FIELD_DATA_TYPE_UNACCEPTABLE", **params)

    def is_null(obj: Any) -> bool:
        # Decimal NaN becomes null in Spark, so it counts as None here.
        if obj is None or (isinstance(obj, decimal.Decimal) and obj.is_nan()):
            if nullable:
                return True
            if name is not None:
                raise _error("PySparkValueError", "FIELD_NOT_NULLABLE_WITH_NAME", field_name=str(name))
            raise _error("PySparkValueError", "FIELD_NOT_NULLABLE")
        return False

    data_type_class = type(dataType)

    def check_known(obj: Any) -> None:
        assert data_type_class in _acceptable_types, (
            "unknown datatype: %s for object %r" % (dataType, obj)
            if name is None
            else "%s: unknown datatype: %s for object %r" % (name, dataType, obj)
        )

    def check_type(obj: Any) -> None:
        check_known(obj)
        if type(obj) not in _acceptable_types[data_type_class]:
            raise unacceptable(obj)

    verify_value: Callable[[Any], None]
    if isinstance(dataType, (StringType, CharType, VarcharType, VariantType)):

        def verify_value(obj: Any) -> None:
            pass

    elif data_type_class in _INTEGRAL_BOUNDS:
        lower, upper = _INTEGRAL_BOUNDS[data_type_class]

        def verify_value(obj: Any) -> None:
            check_type(obj)
            if obj < lower or obj > upper:
                raise _error(
                    "PySparkValueError",
                    "VALUE_OUT_OF_BOUNDS",
                    arg_name="obj",
                    lower_bound=str(lower),
                    upper_bound=str(upper),
                    actual=str(obj),
                )

    elif isinstance(dataType, ArrayType):
        verify_element = _make_type_verifier(dataType.elementType, dataType.containsNull, "element in array %s" % name)

        def verify_value(obj: Any) -> None:
            check_type(obj)
            for v in obj:
                verify_element(v)

    elif isinstance(dataType, MapType):
        verify_key = _make_type_verifier(dataType.keyType, False, "key of map %s" % name)
        verify_map_value = _make_type_verifier(
            dataType.valueType, dataType.valueContainsNull, "value of map %s" % name
        )

        def verify_value(obj: Any) -> None:
            check_type(obj)
            for k, v in obj.items():
                verify_key(k)
                verify_map_value(v)

    elif isinstance(dataType, StructType):
        field_verifiers = [
            (f.name, _make_type_verifier(f.dataType, f.nullable, field_name(f.name))) for f in dataType.fields
        ]

        def verify_value(obj: Any) -> None:
            # Rows, namedtuples and plain objects are accepted too: only the shape is checked.
            check_known(obj)
            if isinstance(obj, dict):
                for n, verify in field_verifiers:
                    verify(obj.get(n))
            elif isinstance(obj, (tuple, list)):
                if len(obj) != len(field_verifiers):
                    lengths = {"object_length": str(len(obj)), "field_length": str(len(field_verifiers))}
                    if name is not None:
                        raise _error(
                            "PySparkValueError",
                            "FIELD_STRUCT_LENGTH_MISMATCH_WITH_NAME",
                            field_name=str(name),
                            **lengths,
                        )
                    raise _error("PySparkValueError", "FIELD_STRUCT_LENGTH_MISMATCH", **lengths)
                for v, (_, verify) in zip(obj, field_verifiers):
                    verify(v)
            elif hasattr(obj, "__dict__"):
                for n, verify in field_verifiers:
                    verify(obj.__dict__.get(n))
            else:
                raise unacceptable(obj)

    else:

        def verify_value(obj: Any) -> None:
            check_type(obj)

    def verify(obj: Any) -> None:
        if not is_null(obj):
            verify_value(obj)

    return verify


# ---------------------------------------------------------------------------------------------------------------
# Row


def _create_row(fields: Any, values: Any) -> "Row":
    row = Row(*values)
    row.__fields__ = fields
    return row


class Row(tuple):
    """A row of a DataFrame: a tuple whose fields are also reachable as ``row.key`` and ``row["key"]``.

    ``Row(name="Alice", age=11)`` keeps the given order; ``Row("name", "age")`` makes a row class whose call
    builds rows; ``key in row`` tests field names.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Row":
        if args and kwargs:
            raise _error("PySparkValueError", "CANNOT_SET_TOGETHER", arg_list="args and kwargs")
        if kwargs:
            row = tuple.__new__(cls, list(kwargs.values()))
            row.__fields__ = list(kwargs.keys())
            return row
        return tuple.__new__(cls, args)

    def asDict(self, recursive: bool = False) -> Dict[str, Any]:
        """The row as a dict (nested Rows, lists and dicts converted too when ``recursive``)."""
        if not hasattr(self, "__fields__"):
            raise _error("PySparkTypeError", "CANNOT_CONVERT_TYPE", from_type="Row", to_type="dict")
        if recursive:

            def conv(obj: Any) -> Any:
                if isinstance(obj, Row):
                    return obj.asDict(True)
                if isinstance(obj, list):
                    return [conv(o) for o in obj]
                if isinstance(obj, dict):
                    return {k: conv(v) for k, v in obj.items()}
                return obj

            return dict(zip(self.__fields__, (conv(o) for o in self)))
        return dict(zip(self.__fields__, self))

    def __contains__(self, item: Any) -> bool:
        if hasattr(self, "__fields__"):
            return item in self.__fields__
        return super().__contains__(item)

    def __call__(self, *args: Any) -> "Row":
        """Builds a row of this row class's fields."""
        if len(args) > len(self):
            raise _error(
                "PySparkValueError", "TOO_MANY_VALUES", expected=str(len(self)), item="fields", actual=str(len(args))
            )
        return _create_row(self, args)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return super().__getitem__(item)
        try:
            idx = self.__fields__.index(item)
            return super().__getitem__(idx)
        except IndexError:
            raise _error("PySparkKeyError", "KEY_NOT_EXISTS", key=str(item))
        except ValueError:
            raise _error("PySparkValueError", message=item)

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__"):
            raise _error("PySparkAttributeError", "ATTRIBUTE_NOT_SUPPORTED", attr_name=item)
        try:
            idx = self.__fields__.index(item)
            return self[idx]
        except (IndexError, ValueError):
            raise _error("PySparkAttributeError", "ATTRIBUTE_NOT_SUPPORTED", attr_name=item)

    def __setattr__(self, key: Any, value: Any) -> None:
        if key != "__fields__":
            raise _error("PySparkRuntimeError", "READ_ONLY", object="Row")
        self.__dict__[key] = value

    def __reduce__(self) -> Union[str, Tuple[Any, ...]]:
        if hasattr(self, "__fields__"):
            return (_create_row, (self.__fields__, tuple(self)))
        return tuple.__reduce__(self)

    def __repr__(self) -> str:
        if hasattr(self, "__fields__"):
            return "Row(%s)" % ", ".join("%s=%r" % (k, v) for k, v in zip(self.__fields__, tuple(self)))
        return "<Row(%s)>" % ", ".join(repr(field) for field in self)
