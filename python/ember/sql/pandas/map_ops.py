"""The runners of ``DataFrame.mapInPandas`` / ``mapInArrow``: the engine calls one per Arrow batch, with the GIL
taken for the call; the user's function gets an iterator over that batch (a pandas DataFrame or a pyarrow
RecordBatch) and what it yields goes back as Arrow batches of the declared schema."""
from ember.sql.pandas.arrow_batch import batch_from_pandas
from typing import Any, Callable, List

from ember.errors import PySparkRuntimeError, PySparkTypeError, _error


def _check_columns(actual: List[Any], expected: List[str]) -> None:
    """Columns are matched by name when the result names any column with a string, else by position."""
    if any(isinstance(n, str) for n in actual):
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        if missing or extra:
            raise _error(PySparkRuntimeError, "RESULT_COLUMN_NAMES_MISMATCH",
                         missing=f" Missing: {', '.join(missing)}." if missing else "",
                         extra=f" Unexpected: {', '.join(map(str, extra))}." if extra else "")
    elif len(actual) != len(expected):
        raise _error(PySparkRuntimeError, "RESULT_COLUMN_SCHEMA_MISMATCH", expected=len(expected), actual=len(actual))


class _MapInPandasRunner:
    def __init__(self, func: Callable, names: List[str]):
        self.func = func
        self.names = names

    def __call__(self, batch: Any) -> List[Any]:
        import pandas as pd
        import pyarrow as pa

        out = []
        for frame in self.func(iter([batch.to_pandas()])):
            if not isinstance(frame, pd.DataFrame):
                raise _error(PySparkTypeError, "UDF_RETURN_TYPE", expected="iterator of pandas.DataFrame",
                             actual=f"iterator of {type(frame).__name__}")
            _check_columns(list(frame.columns), self.names)
            if not any(isinstance(n, str) for n in frame.columns):
                frame = frame.set_axis(self.names, axis=1)
            out.append(batch_from_pandas(frame[self.names]))
        return out


class _MapInArrowRunner:
    def __init__(self, func: Callable, names: List[str]):
        self.func = func
        self.names = names

    def __call__(self, batch: Any) -> List[Any]:
        import pyarrow as pa

        out = []
        for b in self.func(iter([batch])):
            if not isinstance(b, pa.RecordBatch):
                raise _error(PySparkTypeError, "UDF_RETURN_TYPE", expected="iterator of pyarrow.RecordBatch",
                             actual=f"iterator of {type(b).__name__}")
            _check_columns(b.schema.names, self.names)
            out.append(b)
        return out
