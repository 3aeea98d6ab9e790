"""``Column``: an expression over a DataFrame's rows. Holds a native handle; every operator builds a new one."""
from typing import Any

from ember import _native
from ember.errors import PySparkTypeError, PySparkValueError, _error

__all__ = ["Column"]


def _to_jc(value: Any) -> "_native.Column":
    """A Column's handle, or a literal for a plain Python value."""
    if isinstance(value, Column):
        return value._jc
    return _native.Column.lit(value)


def _to_col_jc(value: Any) -> "_native.Column":
    """A Column's handle, or a column reference for a name."""
    if isinstance(value, Column):
        return value._jc
    if isinstance(value, str):
        return _native.Column.col(value)
    raise _error(PySparkTypeError, "NOT_COLUMN_OR_STR", f"Argument `col` should be a Column or str, got {type(value).__name__}.",
                 arg_name="col", arg_type=type(value).__name__)


def _bin(op: str, reverse: bool = False):
    def method(self, other):
        return Column(self._jc.binary(op, _to_jc(other), reverse))

    return method


class Column:
    """A column expression, as ``pyspark.sql.Column``."""

    __slots__ = ("_jc",)

    def __init__(self, jc: "_native.Column"):
        self._jc = jc

    # arithmetic
    __add__ = _bin("+")
    __radd__ = _bin("+", True)
    __sub__ = _bin("-")
    __rsub__ = _bin("-", True)
    __mul__ = _bin("*")
    __rmul__ = _bin("*", True)
    __truediv__ = _bin("/")
    __rtruediv__ = _bin("/", True)
    __div__ = _bin("/")
    __rdiv__ = _bin("/", True)
    __mod__ = _bin("%")
    __rmod__ = _bin("%", True)

    def __pow__(self, other):
        return Column(_native.Column.call("power", [self._jc, _to_jc(other)]))

    def __rpow__(self, other):
        return Column(_native.Column.call("power", [_to_jc(other), self._jc]))

    def __neg__(self):
        # PySpark builds `negative(x)`; SQL's unary minus is named `(- x)`.
        return Column(_native.Column.call("negative", [self._jc]))

    # comparison
    __eq__ = _bin("==")  # type: ignore[assignment]
    __ne__ = _bin("!=")  # type: ignore[assignment]
    __lt__ = _bin("<")
    __le__ = _bin("<=")
    __gt__ = _bin(">")
    __ge__ = _bin(">=")
    eqNullSafe = _bin("<=>")

    # logic
    __and__ = _bin("and")
    __rand__ = _bin("and", True)
    __or__ = _bin("or")
    __ror__ = _bin("or", True)

    def __invert__(self):
        return Column(self._jc.not_())

    bitwiseAND = _bin("&")
    bitwiseOR = _bin("|")
    bitwiseXOR = _bin("^")

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self):
        raise _error(PySparkValueError, "CANNOT_CONVERT_COLUMN_INTO_BOOL",
                     "Cannot convert column into bool: please use '&' for 'and', '|' for 'or', '~' for 'not' when building DataFrame boolean expressions.")

    __nonzero__ = __bool__

    def __contains__(self, item):
        raise _error(PySparkValueError, "CANNOT_APPLY_IN_FOR_COLUMN",
                     "Cannot apply 'in' operator against a column: please use 'contains' in a string column or 'array_contains' function for an array column.")

    def __iter__(self):
        raise _error(PySparkTypeError, "NOT_ITERABLE", "Column is not iterable.", objectName="Column")

    # null tests and membership
    def isNull(self) -> "Column":
        return Column(self._jc.is_null())

    def isNotNull(self) -> "Column":
        return Column(self._jc.is_not_null())

    def isNaN(self) -> "Column":
        return Column(_native.Column.call("isnan", [self._jc]))

    def isin(self, *cols: Any) -> "Column":
        if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
            cols = tuple(cols[0])
        return Column(self._jc.isin([_to_jc(c) for c in cols]))

    def between(self, lowerBound: Any, upperBound: Any) -> "Column":
        return (self >= lowerBound) & (self <= upperBound)

    # strings
    def like(self, other: str) -> "Column":
        return Column(self._jc.like(_to_jc(other)))

    def ilike(self, other: str) -> "Column":
        return Column(self._jc.like(_to_jc(other), False, True))

    def rlike(self, other: str) -> "Column":
        return Column(_native.Column.call("rlike", [self._jc, _to_jc(other)]))

    def startswith(self, other: Any) -> "Column":
        return Column(_native.Column.call("startswith", [self._jc, _to_jc(other)]))

    def endswith(self, other: Any) -> "Column":
        return Column(_native.Column.call("endswith", [self._jc, _to_jc(other)]))

    def contains(self, other: Any) -> "Column":
        return Column(_native.Column.call("contains", [self._jc, _to_jc(other)]))

    def substr(self, startPos: Any, length: Any) -> "Column":
        if type(startPos) is not type(length):
            raise _error(PySparkTypeError, "NOT_SAME_TYPE",
                         f"Argument `startPos` and `length` should be the same type, got {type(startPos).__name__} and {type(length).__name__}.")
        return Column(_native.Column.call("substr", [self._jc, _to_jc(startPos), _to_jc(length)]))

    # naming and types
    def alias(self, *alias: str, **kwargs: Any) -> "Column":
        if len(alias) == 1:
            return Column(self._jc.alias(alias[0]))
        return Column(self._jc.multi_alias(list(alias)))

    name = alias

    def cast(self, dataType: Any) -> "Column":
        from ember.sql.types import DataType

        if isinstance(dataType, str):
            return Column(self._jc.cast_ddl(dataType))
        if isinstance(dataType, DataType):
            return Column(self._jc.cast_json(dataType.json()))
        raise _error(PySparkTypeError, "NOT_DATATYPE_OR_STR",
                     f"Argument `dataType` should be a DataType or str, got {type(dataType).__name__}.")

    astype = cast

    # conditionals
    def when(self, condition: "Column", value: Any) -> "Column":
        if not isinstance(condition, Column):
            raise _error(PySparkTypeError, "NOT_COLUMN", f"Argument `condition` should be a Column, got {type(condition).__name__}.")
        nxt = self._jc.add_when(condition._jc, _to_jc(value))
        if nxt is None:
            raise _error(PySparkValueError, "INVALID_WHEN_USAGE" if False else "UNSUPPORTED_OPERATION",
                         "when() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied.")
        return Column(nxt)

    def otherwise(self, value: Any) -> "Column":
        nxt = self._jc.otherwise(_to_jc(value))
        if nxt is None:
            raise _error(PySparkValueError, "UNSUPPORTED_OPERATION",
                         "otherwise() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied.")
        return Column(nxt)

    # nested values
    def getField(self, name: Any) -> "Column":
        if isinstance(name, Column):
            return Column(self._jc.get_item(name._jc))
        return Column(self._jc.get_field(name))

    def getItem(self, key: Any) -> "Column":
        return Column(self._jc.get_item(_to_jc(key)))

    def __getitem__(self, k: Any) -> "Column":
        if isinstance(k, slice):
            if k.step is not None:
                raise _error(PySparkValueError, "SLICE_WITH_STEP", "Slice with step is not supported.")
            return self.substr(k.start, k.stop)
        return self.getItem(k)

    def __getattr__(self, item: str) -> "Column":
        if item.startswith("__"):
            raise AttributeError(item)
        return self.getField(item)

    # ordering
    def asc(self) -> "Column":
        return Column(self._jc.sort(True, True))

    def asc_nulls_first(self) -> "Column":
        return Column(self._jc.sort(True, True))

    def asc_nulls_last(self) -> "Column":
        return Column(self._jc.sort(True, False))

    def desc(self) -> "Column":
        return Column(self._jc.sort(False, False))

    def desc_nulls_first(self) -> "Column":
        return Column(self._jc.sort(False, True))

    def desc_nulls_last(self) -> "Column":
        return Column(self._jc.sort(False, False))

    def over(self, window: Any) -> "Column":
        from ember.sql.window import WindowSpec

        if not isinstance(window, WindowSpec):
            raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="window", expected_type="WindowSpec",
                         arg_type=type(window).__name__)
        return window._over(self)

    def __repr__(self) -> str:
        return self._jc.__repr__()
