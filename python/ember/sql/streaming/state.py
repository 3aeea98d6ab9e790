"""``applyInPandasWithState``'s per-group state, as ``pyspark.sql.streaming.state``: ``GroupState`` and
``GroupStateTimeout``. ``_GroupRunner`` is what the engine calls once per micro-batch: it walks the batch's groups,
calls the user's function with pandas frames and a ``GroupState``, and hands back Arrow rows and the new states."""
from ember.sql.pandas.arrow_batch import batch_from_pandas
import datetime
from typing import Any, Iterator, List, Optional, Tuple

from ember.errors import PySparkRuntimeError, PySparkTypeError, PySparkValueError, _error

__all__ = ["GroupState", "GroupStateTimeout"]


class GroupStateTimeout:
    """The kinds of timeout of ``applyInPandasWithState``."""

    NoTimeout: str = "NoTimeout"
    ProcessingTimeTimeout: str = "ProcessingTimeTimeout"
    EventTimeTimeout: str = "EventTimeTimeout"


def _plain(v: Any) -> Any:
    """NumPy and pandas scalars as the Python values Arrow takes."""
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    if hasattr(v, "to_pytimedelta"):
        return v.to_pytimedelta()
    if hasattr(v, "item") and type(v).__module__ == "numpy":
        return v.item()
    return v


class GroupState:
    """The state of one group inside ``applyInPandasWithState``'s function."""

    NO_TIMESTAMP: int = -1

    def __init__(self, value: Optional[tuple], batchProcessingTimeMs: int, eventTimeWatermarkMs: int,
                 timeoutConf: str, hasTimedOut: bool, watermarkPresent: bool) -> None:
        self._value = value
        self._batch_processing_time_ms = batchProcessingTimeMs
        self._event_time_watermark_ms = eventTimeWatermarkMs
        self._timeout_conf = timeoutConf
        self._has_timed_out = hasTimedOut
        self._watermark_present = watermarkPresent
        self._defined = value is not None
        self._updated = False
        self._removed = False
        # Each call starts without a timeout: one set before is kept only if the function sets it again (Spark).
        self._timeout_timestamp = GroupState.NO_TIMESTAMP

    @property
    def exists(self) -> bool:
        return self._defined

    @property
    def get(self) -> Tuple:
        if self.exists:
            return tuple(self._value)
        raise _error(PySparkValueError, "STATE_NOT_EXISTS")

    @property
    def getOption(self) -> Optional[Tuple]:
        return tuple(self._value) if self.exists else None

    @property
    def hasTimedOut(self) -> bool:
        return self._has_timed_out

    def update(self, newValue: Tuple) -> None:
        if newValue is None:
            raise _error(PySparkTypeError, "CANNOT_BE_NONE", arg_name="newValue")
        self._value = tuple(_plain(v) for v in newValue)
        self._defined = True
        self._updated = True
        self._removed = False

    def remove(self) -> None:
        self._defined = False
        self._updated = False
        self._removed = True

    def setTimeoutDuration(self, durationMs: int) -> None:
        if isinstance(durationMs, str):
            raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE",
                         expected_type="int", arg_name="durationMs", arg_type=type(durationMs).__name__)
        if self._timeout_conf != GroupStateTimeout.ProcessingTimeTimeout:
            raise _error(PySparkRuntimeError, "CANNOT_WITHOUT", condition1="set timeout duration",
                         condition2="enabling processing time timeout in applyInPandasWithState")
        if durationMs <= 0:
            raise _error(PySparkValueError, "VALUE_NOT_POSITIVE",
                         arg_name="durationMs", arg_value=type(durationMs).__name__)
        self._timeout_timestamp = durationMs + self._batch_processing_time_ms

    def setTimeoutTimestamp(self, timestampMs: int) -> None:
        if self._timeout_conf != GroupStateTimeout.EventTimeTimeout:
            # PySpark's own text for this case (it reuses the processing-time wording).
            raise _error(PySparkRuntimeError, "CANNOT_WITHOUT", condition1="set timeout duration",
                         condition2="enabling processing time timeout in applyInPandasWithState")
        if isinstance(timestampMs, datetime.datetime):
            from ember.sql.types import TimestampType

            timestampMs = TimestampType().toInternal(timestampMs) / 1000
        if timestampMs <= 0:
            raise _error(PySparkValueError, "VALUE_NOT_POSITIVE",
                         arg_name="timestampMs", arg_value=type(timestampMs).__name__)
        if self._event_time_watermark_ms != GroupState.NO_TIMESTAMP and timestampMs < self._event_time_watermark_ms:
            raise _error(PySparkValueError, "INVALID_TIMEOUT_TIMESTAMP", timestamp=timestampMs,
                         watermark=self._event_time_watermark_ms)
        self._timeout_timestamp = int(timestampMs)

    def getCurrentWatermarkMs(self) -> int:
        if not self._watermark_present:
            raise _error(PySparkRuntimeError, "CANNOT_WITHOUT", condition1="get event time watermark timestamp",
                         condition2="setting watermark before applyInPandasWithState")
        return self._event_time_watermark_ms

    def getCurrentProcessingTimeMs(self) -> int:
        return self._batch_processing_time_ms

    def __str__(self) -> str:
        return "GroupState(%s)" % (self.get,) if self.exists else "GroupState(<undefined>)"


class _GroupRunner:
    """Called by the engine once per batch with Arrow data (see ``src/python/group_function.rs``)."""

    def __init__(self, func, state_names: List[str], timeout_conf: str, time_zone: str, max_records: int) -> None:
        self._func = func
        self._state_names = state_names
        self._timeout_conf = timeout_conf
        self._time_zone = time_zone
        self._max_records = max(1, max_records)

    def _pandas(self, batch):
        pdf = batch.to_pandas()
        for name in pdf.columns:
            s = pdf[name]
            if hasattr(s, "dt") and getattr(s.dt, "tz", None) is not None:
                pdf[name] = s.dt.tz_convert(self._time_zone).dt.tz_localize(None)
        return pdf

    def __call__(self, keys, data, offsets, states, has_state, timed_out, batch_ts, watermark_ms):
        import pyarrow as pa

        key_rows = [tuple(r.values()) for r in keys.to_pylist()]
        state_rows = [tuple(r.values()) for r in states.to_pylist()]
        pdf = self._pandas(data)
        outputs = []
        new_states = []
        updates = []
        for i, key in enumerate(key_rows):
            if timed_out[i]:
                frames: Iterator = iter(())
            else:
                lo, hi = offsets[i], offsets[i + 1]
                frames = (pdf.iloc[s:min(s + self._max_records, hi)].reset_index(drop=True)
                          for s in range(lo, hi, self._max_records))
            state = GroupState(state_rows[i] if has_state[i] else None, batch_ts, watermark_ms, self._timeout_conf,
                               bool(timed_out[i]), watermark_ms != GroupState.NO_TIMESTAMP)
            for out in self._func(key, frames, state):
                if len(out.columns) and len(out):
                    outputs.append(batch_from_pandas(out))
            new_states.append(state._value if state._defined else (None,) * len(self._state_names))
            updates.append((state._defined, state._updated, state._removed, int(state._timeout_timestamp)))
        columns = list(zip(*new_states)) if new_states else [[] for _ in self._state_names]
        table = pa.table({n: pa.array([_plain(v) for v in col]) for n, col in zip(self._state_names, columns)})
        state_batch = table.combine_chunks().to_batches()[0] if table.num_rows else \
            pa.RecordBatch.from_pydict({n: pa.array([]) for n in self._state_names})
        return outputs, state_batch, updates
