"""PySpark's exception classes (``pyspark.errors``), raised by ember with Spark's error classes and messages.

The classes live in Python, as in PySpark, so their constructors and accessors match PySpark's; the native module
looks them up here by name when it maps an engine error.
"""
from typing import Dict, Optional

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
            from ember.errors.error_classes import MESSAGES

            text = MESSAGES.get(errorClass, "")
            for k, v in (messageParameters or {}).items():
                text = text.replace("<%s>" % k, str(v))
            message = "[%s] %s" % (errorClass, text)
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
    pass


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


def _error(cls, error_class: str, text: str, **params):
    """An exception of `cls` with PySpark's ``[CLASS] text`` message."""
    return cls(message=f"[{error_class}] {text}", errorClass=error_class, messageParameters={k: str(v) for k, v in params.items()})
