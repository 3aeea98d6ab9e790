"""Python user-defined functions: ``udf``, ``pandas_udf``'s scalar forms and ``spark.udf.register``.

A UDF is a native ``PythonFunction`` handle holding a runner from this module. The engine calls the runner once per
Arrow batch with the GIL taken once: a plain ``udf`` loops over the batch's Python values (a Python UDF is per row by
definition), a pandas UDF receives whole ``pandas.Series``. No worker process, no pickling.
"""
import functools
from typing import Any, Callable, Optional

from ember import _native
from ember.errors import PySparkNotImplementedError, PySparkTypeError, _error
from ember.sql.column import Column, _to_col_jc
from ember.sql.types import (
    ArrayType,
    DataType,
    StringType,
    StructType,
    _parse_datatype_string,
)


class PythonEvalType:
    """How a Python function is evaluated (PySpark's ``pyspark.util.PythonEvalType`` values)."""

    NON_UDF = 0
    SQL_BATCHED_UDF = 100
    SQL_ARROW_BATCHED_UDF = 101
    SQL_SCALAR_PANDAS_UDF = 200
    SQL_GROUPED_MAP_PANDAS_UDF = 201
    SQL_GROUPED_AGG_PANDAS_UDF = 202
    SQL_WINDOW_AGG_PANDAS_UDF = 203
    SQL_SCALAR_PANDAS_ITER_UDF = 204
    SQL_MAP_PANDAS_ITER_UDF = 205
    SQL_COGROUPED_MAP_PANDAS_UDF = 206
    SQL_MAP_ARROW_ITER_UDF = 207


def _to_data_type(returnType: Any) -> DataType:
    if isinstance(returnType, str):
        return _parse_datatype_string(returnType)
    if isinstance(returnType, DataType):
        return returnType
    raise _error(PySparkTypeError, "NOT_DATATYPE_OR_STR",
                 f"Argument `returnType` should be a DataType or str, got {type(returnType).__name__}.",
                 arg_name="returnType", arg_type=type(returnType).__name__)


def _result_converter(data_type: DataType) -> Optional[Callable[[Any], Any]]:
    """How a plain UDF's Python result is prepared for Arrow: strings from any value (``true`` for True, as the
    JVM prints it), structs from Rows / tuples / dicts / objects by field name; None when values pass as they are."""
    if isinstance(data_type, StringType):
        def to_string(v: Any) -> Any:
            if v is None or isinstance(v, str):
                return v
            if isinstance(v, bool):
                return "true" if v else "false"
            return str(v)

        return to_string
    if isinstance(data_type, StructType):
        names = data_type.names
        fields = [_result_converter(f.dataType) for f in data_type.fields]

        def to_struct(v: Any) -> Any:
            if v is None:
                return None
            if isinstance(v, tuple):
                values = list(v)
            elif isinstance(v, dict):
                values = [v.get(n) for n in names]
            else:
                values = [getattr(v, n, None) for n in names]
            return {n: (c(x) if c is not None else x) for n, c, x in zip(names, fields, values)}

        return to_struct
    if isinstance(data_type, ArrayType):
        element = _result_converter(data_type.elementType)
        if element is None:
            return None
        return lambda v: None if v is None else [element(x) for x in v]
    return None


def _to_arrow(values: list, empty: Any, data_type: DataType) -> Any:
    """The results of a plain UDF as an Arrow array of the declared type: built with the type, or inferred and then
    cast (a float for an int type truncates, as PySpark's Arrow-optimised UDFs do; a value that cannot be cast
    raises)."""
    import pyarrow as pa

    convert = _result_converter(data_type)
    if convert is not None:
        values = [convert(v) for v in values]
    try:
        return pa.array(values, type=empty.type)
    except pa.ArrowInvalid:
        return pa.array(values).cast(target_type=empty.type, safe=False)


def _python_values(column: Any) -> list:
    """A column's values as a plain UDF receives them: structs as ``Row``s, timestamps without a zone."""
    import pyarrow as pa

    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit))
    values = column.to_pylist()
    if pa.types.is_struct(column.type):
        from ember.sql.types import Row

        values = [None if v is None else Row(**v) for v in values]
    return values


class _RowRunner:
    """A plain UDF over one batch: the function called for each row's Python values."""

    def __init__(self, func: Callable, data_type: DataType):
        self.func = func
        self.data_type = data_type

    def __call__(self, args: Any, num_rows: int, empty: Any) -> Any:
        f = self.func
        if args.num_columns == 0:
            out = [f() for _ in range(num_rows)]
        else:
            out = [f(*row) for row in zip(*(_python_values(c) for c in args.columns))]
        return _to_arrow(out, empty, self.data_type)


def _rows_mismatch(output_length: int, input_length: int) -> None:
    from ember.errors import PySparkRuntimeError

    raise _error(PySparkRuntimeError, "RESULT_ROWS_MISMATCH", output_length=output_length, input_length=input_length)


def _from_pandas(result: Any, empty: Any, expected: int) -> Any:
    import pandas as pd
    import pyarrow as pa

    if not isinstance(result, (pd.Series, pd.DataFrame)):
        raise _error(PySparkTypeError, "UDF_RETURN_TYPE", expected="pandas.Series", actual=str(type(result)))
    if len(result) != expected:
        _rows_mismatch(len(result), expected)
    if isinstance(result, pd.DataFrame):
        return pa.StructArray.from_pandas(result.to_dict("records"), type=empty.type)
    return pa.Array.from_pandas(result, type=empty.type)


def _series(args: Any) -> list:
    return [c.to_pandas() for c in args.columns]


class _SeriesRunner:
    """A pandas UDF ``Series, … -> Series`` over one batch."""

    def __init__(self, func: Callable):
        self.func = func

    def __call__(self, args: Any, num_rows: int, empty: Any) -> Any:
        return _from_pandas(self.func(*_series(args)), empty, num_rows)


class _IterRunner:
    """A pandas UDF ``Iterator[Series] -> Iterator[Series]``: the batch is the iterator's one element."""

    def __init__(self, func: Callable):
        self.func = func

    def __call__(self, args: Any, num_rows: int, empty: Any) -> Any:
        import pyarrow as pa

        series = _series(args)
        item = series[0] if len(series) == 1 else tuple(series)
        parts = [_from_pandas(r, empty, len(r)) for r in self.func(iter([item]))]
        out = pa.concat_arrays(parts) if parts else pa.array([], type=empty.type)
        if len(out) != num_rows:
            _rows_mismatch(len(out), num_rows)
        return out


class _GroupedAggRunner:
    """A pandas UDF ``Series, … -> scalar`` (GROUPED_AGG): ``args`` holds every group's rows one group after
    another, ``offsets`` their bounds; the function gets each group's slice of whole Series."""

    def __init__(self, func: Callable, data_type: DataType):
        self.func = func
        self.data_type = data_type

    def __call__(self, args: Any, offsets: list, empty: Any) -> Any:
        series = _series(args)
        out = []
        for start, end in zip(offsets, offsets[1:]):
            result = self.func(*(s.iloc[start:end].reset_index(drop=True) for s in series))
            out.append(result.item() if hasattr(result, "item") and getattr(result, "ndim", 1) == 0 else result)
        # As PySpark's pandas → Arrow conversion of the results: NaN becomes null.
        out = [None if isinstance(v, float) and v != v else v for v in out]
        return _to_arrow(out, empty, self.data_type)


def _name_of(func: Callable) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


class UserDefinedFunction:
    """A Python function usable in DataFrame expressions and, once registered, in SQL."""

    def __init__(self, func: Callable, returnType: Any = StringType(), name: Optional[str] = None,
                 evalType: int = PythonEvalType.SQL_BATCHED_UDF, deterministic: bool = True):
        if not callable(func):
            raise _error(PySparkTypeError, "NOT_CALLABLE", f"Argument `func` should be a callable, got {type(func).__name__}.",
                         arg_name="func", arg_type=type(func).__name__)
        self.func = func
        self._returnType = _to_data_type(returnType)
        self._name = name or _name_of(func)
        self.evalType = evalType
        self.deterministic = deterministic
        self._handle: Any = None

    @property
    def returnType(self) -> DataType:
        return self._returnType

    def _runner(self) -> Callable:
        if self.evalType == PythonEvalType.SQL_SCALAR_PANDAS_UDF:
            return _SeriesRunner(self.func)
        if self.evalType == PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF:
            return _IterRunner(self.func)
        if self.evalType in (PythonEvalType.SQL_BATCHED_UDF, PythonEvalType.SQL_ARROW_BATCHED_UDF):
            return _RowRunner(self.func, self._returnType)
        if self.evalType == PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF:
            return _GroupedAggRunner(self.func, self._returnType)
        raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                     f"pandas_udf of evalType {self.evalType} is not supported by ember yet.")

    def _native_function(self) -> Any:
        if self._handle is None:
            self._handle = _native.PythonFunction.create(
                self._name, self._runner(), self._returnType.json(), self.deterministic,
                self.evalType == PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF)
        return self._handle

    def __call__(self, *cols: Any) -> Column:
        return Column(self._native_function().call([_to_col_jc(c) for c in cols]))

    def asNondeterministic(self) -> "UserDefinedFunction":
        self.deterministic = False
        self._handle = None
        return self

    def _wrapped(self) -> Callable:
        """A function that looks like the user's (name, docstring) and carries the UDF's attributes, as PySpark's."""

        @functools.wraps(self.func, assigned=("__module__", "__name__", "__doc__"))
        def wrapper(*args: Any) -> Column:
            return self(*args)

        wrapper.func = self.func  # type: ignore[attr-defined]
        wrapper.returnType = self.returnType  # type: ignore[attr-defined]
        wrapper.evalType = self.evalType  # type: ignore[attr-defined]
        wrapper.deterministic = self.deterministic  # type: ignore[attr-defined]
        wrapper._unwrapped = self  # type: ignore[attr-defined]

        def as_nondeterministic() -> Callable:
            return self.asNondeterministic()._wrapped()

        wrapper.asNondeterministic = as_nondeterministic  # type: ignore[attr-defined]
        return wrapper


def _create_udf(f: Callable, returnType: Any, evalType: int, name: Optional[str] = None) -> Callable:
    return UserDefinedFunction(f, returnType, name=name, evalType=evalType)._wrapped()


def udf(f: Any = None, returnType: Any = StringType(), *, useArrow: Optional[bool] = None) -> Any:
    """A Python function as a column function, called once per row. ``useArrow`` is accepted: ember hands every
    UDF its rows through Arrow already."""
    eval_type = PythonEvalType.SQL_ARROW_BATCHED_UDF if useArrow else PythonEvalType.SQL_BATCHED_UDF
    if f is None or isinstance(f, (str, DataType)):
        return_type = returnType if f is None else f
        return functools.partial(_create_udf, returnType=return_type, evalType=eval_type)
    return _create_udf(f, returnType, eval_type)


class UDFRegistration:
    """``spark.udf``: functions registered for SQL."""

    def __init__(self, sparkSession: Any):
        self.sparkSession = sparkSession

    def register(self, name: str, f: Any, returnType: Any = None) -> Any:
        if hasattr(f, "asNondeterministic"):
            if returnType is not None:
                raise _error(PySparkTypeError, "CANNOT_SPECIFY_RETURN_TYPE_FOR_UDF", arg_name="f", return_type=str(returnType))
            source = f._unwrapped if hasattr(f, "_unwrapped") else f
            if source.evalType not in (PythonEvalType.SQL_BATCHED_UDF, PythonEvalType.SQL_ARROW_BATCHED_UDF,
                                       PythonEvalType.SQL_SCALAR_PANDAS_UDF,
                                       PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF,
                                       PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF):
                raise _error(PySparkTypeError, "INVALID_UDF_EVAL_TYPE", eval_type="SQL_BATCHED_UDF, SQL_ARROW_BATCHED_UDF, SQL_SCALAR_PANDAS_UDF, "
                             "SQL_SCALAR_ARROW_UDF, SQL_SCALAR_PANDAS_ITER_UDF, SQL_SCALAR_ARROW_ITER_UDF, "
                             "SQL_GROUPED_AGG_PANDAS_UDF or SQL_GROUPED_AGG_ARROW_UDF")
            registered = UserDefinedFunction(source.func, source.returnType, name=name, evalType=source.evalType,
                                             deterministic=source.deterministic)
        else:
            registered = UserDefinedFunction(f, StringType() if returnType is None else returnType, name=name)
        registered._native_function().register(name)
        return registered._wrapped()


__all__ = ["UserDefinedFunction", "UDFRegistration", "udf", "PythonEvalType"]


def _worker_traceback(exc: BaseException, tb: Any = None) -> str:
    """The traceback of an exception raised by a user's function, as PySpark's Python worker reports it: the
    user's frames (ember's runner frames left out), then the exception."""
    import os
    import traceback

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(tb if tb is not None else exc.__traceback__) if not os.path.abspath(f.filename).startswith(here)]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)
