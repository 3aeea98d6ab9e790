"""PySpark's exception classes (``pyspark.errors``), raised by ember with Spark's error classes and messages.

The classes live in Python, as in PySpark, so their constructors and accessors match PySpark's; the native module
looks them up here by name when it maps an engine error.
"""
import json
import os
import re
from typing import Dict, Optional, Type, Union

__all__ = [
    "PySparkException",
    "AnalysisException",
    "ParseException",
    "IllegalArgumentException",
    "ArithmeticException",
    "UnsupportedOperationException",
    "ArrayIndexOutOfBoundsException",
    "DateTimeException",
    "NumberFormatException",
    "StreamingQueryException",
    "QueryExecutionException",
    "PythonException",
    "SparkRuntimeException",
    "SparkUpgradeException",
    "SparkNoSuchElementException",
    "TempTableAlreadyExistsException",
    "UnknownException",
    "PySparkValueError",
    "PySparkTypeError",
    "PySparkIndexError",
    "PySparkAttributeError",
    "PySparkRuntimeError",
    "PySparkAssertionError",
    "PySparkNotImplementedError",
    "PySparkKeyError",
    "PySparkImportError",
]


def _sql_state(message: str) -> Optional[str]:
    marker = "SQLSTATE: "
    i = message.rfind(marker)
    if i < 0:
        return None
    return message[i + len(marker): i + len(marker) + 5]


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_-]+)>")
_TABLE: Optional[Dict[str, Dict[str, str]]] = None


def error_conditions() -> Dict[str, Dict[str, str]]:
    """The message table shared with the engine (``error_conditions.json``, embedded in the native module too):
    condition -> ``{"message": template with <param> placeholders, "sqlState": optional}``."""
    global _TABLE
    if _TABLE is None:
        with open(os.path.join(os.path.dirname(__file__), "error_conditions.json"), encoding="utf-8") as f:
            _TABLE = json.load(f)
    return _TABLE


def render_message(errorClass: str, messageParameters: Optional[Dict[str, str]] = None) -> str:
    """Spark's text for a condition: ``[CONDITION] message`` (``_LEGACY_ERROR_*`` without the prefix) plus
    `` SQLSTATE: …`` where the table has one. Placeholders are filled in one pass, so a value containing ``<x>`` is
    kept as is; an unknown placeholder stays as written."""
    entry = error_conditions().get(errorClass)
    if entry is None:
        return "[%s]" % errorClass
    params = messageParameters or {}
    text = _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), entry["message"])
    if not errorClass.startswith("_LEGACY_ERROR_"):
        text = "[%s] %s" % (errorClass, text)
    if entry.get("sqlState"):
        text += " SQLSTATE: " + entry["sqlState"]
    return text


class PySparkException(Exception):
    """Base of every exception ember raises, as in PySpark."""

    def __init__(
        self,
        message: Optional[str] = None,
        errorClass: Optional[str] = None,
        messageParameters: Optional[Dict[str, str]] = None,
        contexts=None,
    ):
        if message is None and errorClass is not None:
            message = render_message(errorClass, messageParameters)
        self._message = message if message is not None else ""
        self._errorClass = errorClass
        self._messageParameters = messageParameters or {}
        self._contexts = contexts or []
        super().__init__(self._message)

    def getErrorClass(self) -> Optional[str]:
        return self._errorClass

    def getCondition(self) -> Optional[str]:
        return self._errorClass

    def getMessageParameters(self) -> Dict[str, str]:
        return dict(self._messageParameters)

    def getSqlState(self) -> Optional[str]:
        return _sql_state(self._message)

    def getMessage(self) -> str:
        return self._message

    def getQueryContext(self):
        return list(self._contexts)

    def __str__(self) -> str:
        return self._message


class AnalysisException(PySparkException):
    """The query is invalid: unknown column, type mismatch, unsupported operation."""


class ParseException(AnalysisException):
    """A SQL or DDL string does not parse."""


class TempTableAlreadyExistsException(AnalysisException):
    pass


class IllegalArgumentException(PySparkException):
    pass


class NumberFormatException(IllegalArgumentException):
    pass


class ArithmeticException(PySparkException):
    pass


class UnsupportedOperationException(PySparkException):
    pass


class ArrayIndexOutOfBoundsException(PySparkException):
    pass


class DateTimeException(PySparkException):
    pass


class StreamingQueryException(PySparkException):
    """A streaming query stopped with an error."""


class QueryExecutionException(PySparkException):
    pass


class PythonException(PySparkException):
    """A user's Python function (a UDF, mapInPandas' function) raised: the message is the traceback."""

    def __str__(self) -> str:
        params = self.getMessageParameters()
        if "msg" in params and "traceback" in params:
            return f"{params['msg']}:\n{params['traceback'].strip()}"
        return super().__str__()


class SparkRuntimeException(PySparkException):
    pass


class SparkUpgradeException(PySparkException):
    pass


class SparkNoSuchElementException(PySparkException):
    pass


class UnknownException(PySparkException):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


class PySparkIndexError(PySparkException, IndexError):
    pass


class PySparkAttributeError(PySparkException, AttributeError):
    pass


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkAssertionError(PySparkException, AssertionError):
    pass


class PySparkNotImplementedError(PySparkException, NotImplementedError):
    pass


class PySparkKeyError(PySparkException, KeyError):
    def __str__(self) -> str:
        return self._message


class PySparkImportError(PySparkException, ImportError):
    pass


def _error(
    cls: Union[str, Type[PySparkException]],
    errorClass: Optional[str] = None,
    message: Optional[str] = None,
    **params,
) -> PySparkException:
    """An exception of `cls` (a class of this module or its name) for `errorClass` with `params`: the message is
    rendered from the shared table, or is ``[CLASS] message`` when the caller writes the text itself."""
    if isinstance(cls, str):
        cls = globals()[cls]
    parameters = {k: str(v) for k, v in params.items()}
    if errorClass is None:
        return cls(message=message)
    if message is None:
        return cls(errorClass=errorClass, messageParameters=parameters)
    return cls(message=f"[{errorClass}] {message}", errorClass=errorClass, messageParameters=parameters)
