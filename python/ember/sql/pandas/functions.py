"""``pandas_udf``: vectorised Python functions over pandas Series, at PySpark's module path."""
import inspect
from typing import Any, Callable, Iterator, Optional, get_type_hints

from ember.errors import PySparkNotImplementedError, PySparkTypeError, PySparkValueError, _error
from ember.sql.types import DataType
from ember.sql.udf import PythonEvalType, UserDefinedFunction


class PandasUDFType:
    """The pandas UDF kinds of Spark 2.3's API (type hints pick the kind since Spark 3.0)."""

    SCALAR = PythonEvalType.SQL_SCALAR_PANDAS_UDF
    SCALAR_ITER = PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF
    GROUPED_MAP = PythonEvalType.SQL_GROUPED_MAP_PANDAS_UDF
    GROUPED_AGG = PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF


def _is_iterator(hint: Any) -> bool:
    origin = getattr(hint, "__origin__", None)
    import collections.abc

    return origin in (Iterator, collections.abc.Iterator)


def _eval_type_from_hints(f: Callable) -> int:
    """The kind a function's type hints declare: Series… -> Series, Iterator[Series] -> Iterator[Series], or
    Series… -> scalar (an aggregate)."""
    try:
        hints = get_type_hints(f)
    except Exception:
        hints = getattr(f, "__annotations__", {})
    params = [p for p in inspect.signature(f).parameters if p in hints]
    if "return" not in hints or not params:
        raise _error(PySparkValueError, "INVALID_PANDAS_UDF",
                     detail="the type hints should specify its input and output types")
    ret = hints["return"]
    if _is_iterator(ret):
        return PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF
    import pandas as pd

    if ret in (pd.Series, pd.DataFrame) or getattr(ret, "__name__", "") in ("Series", "DataFrame"):
        return PythonEvalType.SQL_SCALAR_PANDAS_UDF
    return PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF


def pandas_udf(f: Any = None, returnType: Any = None, functionType: Optional[int] = None) -> Any:
    """A vectorised UDF: the function receives and returns pandas Series (or iterators of them), one Arrow batch at
    a time."""
    if f is None or isinstance(f, (str, DataType)):
        return_type = returnType if f is None else f
        if isinstance(returnType, int) and functionType is None:
            return_type, functionType = f, returnType
        return lambda func: pandas_udf(func, return_type, functionType)
    if isinstance(returnType, int) and functionType is None:
        returnType, functionType = None, returnType
    if returnType is None:
        raise _error(PySparkValueError, "CANNOT_BE_NONE", arg_name="returnType")
    if not callable(f):
        raise _error(PySparkTypeError, "NOT_CALLABLE", f"Argument `func` should be a callable, got {type(f).__name__}.",
                     arg_name="func", arg_type=type(f).__name__)
    eval_type = functionType if functionType is not None else _eval_type_from_hints(f)
    if eval_type not in (PythonEvalType.SQL_SCALAR_PANDAS_UDF, PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF,
                         PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF):
        raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                     "grouped-map pandas_udf (GROUPED_MAP) is not supported by ember: use applyInPandas.")
    return UserDefinedFunction(f, returnType, evalType=eval_type)._wrapped()


__all__ = ["pandas_udf", "PandasUDFType"]
