"""``transformWithState``'s processor API, as ``pyspark.sql.streaming.stateful_processor``: ``StatefulProcessor``,
``StatefulProcessorHandle``, ``ValueState`` / ``ListState`` / ``MapState``, ``TimerValues`` and ``ExpiredTimerInfo``.

The state lives in the engine (one state store table per variable, plus the timers). ``_ProcessorRunner`` is what
the engine calls once per micro-batch: it receives the batch's keys, their rows and each variable's rows per key as
Arrow list arrays, calls the user's processor per key (pandas frames or Rows), fires the timers due, and hands back
the output and the state of the keys it changed."""
from ember.sql.pandas.arrow_batch import batch_from_pandas
from abc import ABC, abstractmethod
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ember.errors import PySparkRuntimeError, PySparkValueError, _error

__all__ = [
    "StatefulProcessor",
    "StatefulProcessorHandle",
    "ValueState",
    "ListState",
    "MapState",
    "TimerValues",
    "ExpiredTimerInfo",
    "TTLConfig",
]

_NO_EXPIRY = -1
# Spark's names of the time modes in its messages.
_TIME_MODE_NAMES = {"none": "NoTime", "processingtime": "ProcessingTime", "eventtime": "EventTime"}


class TimerValues:
    """The processing time and event-time watermark a call runs at (-1 when the time mode has none)."""

    def __init__(self, currentProcessingTimeInMs: int = -1, currentWatermarkInMs: int = -1) -> None:
        self._current_processing_time_in_ms = currentProcessingTimeInMs
        self._current_watermark_in_ms = currentWatermarkInMs

    def getCurrentProcessingTimeInMs(self) -> int:
        return self._current_processing_time_in_ms

    def getCurrentWatermarkInMs(self) -> int:
        return self._current_watermark_in_ms


class ExpiredTimerInfo:
    """The timer that fired in ``handleExpiredTimer``."""

    def __init__(self, expiryTimeInMs: int = -1) -> None:
        self._expiry_time_in_ms = expiryTimeInMs

    def getExpiryTimeInMs(self) -> int:
        return self._expiry_time_in_ms


class TTLConfig:
    """A state variable's time to live (ember's name for the ``ttlDurationMs`` argument; Scala's ``TTLConfig``)."""

    def __init__(self, ttlDurationMs: int) -> None:
        self.ttlDurationMs = ttlDurationMs


def _ddl_struct(schema: Any):
    from ember.sql.types import StructType, _parse_datatype_string

    if isinstance(schema, str):
        schema = _parse_datatype_string(schema)
    if not isinstance(schema, StructType):
        from ember.sql.types import StructField

        schema = StructType([StructField("value", schema, True)])
    return schema


def _plain(v: Any) -> Any:
    from ember.sql.streaming.state import _plain as plain

    return plain(v)


class _Variable:
    """A declared state variable: where its rows are in the engine's tables."""

    def __init__(self, index: int, name: str, kind: str, fields: List[str], key_fields: int,
                 ttl_ms: Optional[int], schema_json: str) -> None:
        self.index = index
        self.name = name
        self.kind = kind
        self.fields = fields
        self.key_fields = key_fields
        self.ttl_ms = ttl_ms
        self.schema_json = schema_json


class ValueState:
    """One value per grouping key."""

    def __init__(self, runner: "_ProcessorRunner", var: _Variable) -> None:
        self._runner = runner
        self._var = var

    def exists(self) -> bool:
        return bool(self._runner._rows(self._var))

    def get(self) -> Optional[Tuple]:
        rows = self._runner._rows(self._var)
        return tuple(rows[0][1]) if rows else None

    def update(self, newValue: Tuple) -> None:
        self._runner._set(self._var, [self._runner._entry(self._var, newValue)])

    def clear(self) -> None:
        self._runner._set(self._var, [])


class ListState:
    """A list of values per grouping key."""

    def __init__(self, runner: "_ProcessorRunner", var: _Variable) -> None:
        self._runner = runner
        self._var = var

    def exists(self) -> bool:
        return bool(self._runner._rows(self._var))

    def get(self) -> Iterator[Tuple]:
        return iter([tuple(v) for _, v in self._runner._rows(self._var)])

    def put(self, newState: List[Tuple]) -> None:
        self._runner._set(self._var, [self._runner._entry(self._var, v) for v in newState])

    def appendValue(self, newState: Tuple) -> None:
        self._runner._set(self._var, self._runner._rows(self._var) + [self._runner._entry(self._var, newState)])

    def appendList(self, newState: List[Tuple]) -> None:
        self._runner._set(self._var, self._runner._rows(self._var)
                          + [self._runner._entry(self._var, v) for v in newState])

    def clear(self) -> None:
        self._runner._set(self._var, [])


class MapState:
    """A map from user keys to values per grouping key."""

    def __init__(self, runner: "_ProcessorRunner", var: _Variable) -> None:
        self._runner = runner
        self._var = var

    def _split(self) -> Dict[Tuple, Tuple[int, Tuple]]:
        n = self._var.key_fields
        return {tuple(v[:n]): (e, tuple(v[n:])) for e, v in self._runner._rows(self._var)}

    def _store(self, entries: Dict[Tuple, Tuple[int, Tuple]]) -> None:
        self._runner._set(self._var, [(e, k + v) for k, (e, v) in entries.items()])

    def exists(self) -> bool:
        return bool(self._runner._rows(self._var))

    def getValue(self, key: Tuple) -> Optional[Tuple]:
        hit = self._split().get(tuple(_plain(k) for k in key))
        return hit[1] if hit else None

    def containsKey(self, key: Tuple) -> bool:
        return tuple(_plain(k) for k in key) in self._split()

    def updateValue(self, key: Tuple, value: Tuple) -> None:
        entries = self._split()
        e, row = self._runner._entry(self._var, tuple(key) + tuple(value))
        n = self._var.key_fields
        entries[tuple(row[:n])] = (e, tuple(row[n:]))
        self._store(entries)

    def iterator(self) -> Iterator[Tuple[Tuple, Tuple]]:
        return iter([(k, v) for k, (_, v) in self._split().items()])

    def keys(self) -> Iterator[Tuple]:
        return iter(list(self._split().keys()))

    def values(self) -> Iterator[Tuple]:
        return iter([v for _, v in self._split().values()])

    def removeKey(self, key: Tuple) -> None:
        entries = self._split()
        entries.pop(tuple(_plain(k) for k in key), None)
        self._store(entries)

    def clear(self) -> None:
        self._runner._set(self._var, [])


class StatefulProcessorHandle:
    """What ``StatefulProcessor.init`` gets: declares state variables and manages the current key's timers."""

    def __init__(self, runner: "_ProcessorRunner") -> None:
        self._runner = runner

    def getValueState(self, stateName: str, schema: Any, ttlDurationMs: Optional[int] = None) -> ValueState:
        return ValueState(self._runner, self._runner._declare(stateName, "value", None, schema, ttlDurationMs))

    def getListState(self, stateName: str, schema: Any, ttlDurationMs: Optional[int] = None) -> ListState:
        return ListState(self._runner, self._runner._declare(stateName, "list", None, schema, ttlDurationMs))

    def getMapState(self, stateName: str, userKeySchema: Any, valueSchema: Any,
                    ttlDurationMs: Optional[int] = None) -> MapState:
        return MapState(self._runner, self._runner._declare(stateName, "map", userKeySchema, valueSchema,
                                                            ttlDurationMs))

    def registerTimer(self, expiryTimestampMs: int) -> None:
        self._runner._check_timers("register_timer")
        timers = self._runner._timers()
        if expiryTimestampMs not in timers:
            self._runner._set_timers(sorted(timers + [int(expiryTimestampMs)]))
            self._runner._count("numRegisteredTimers")

    def deleteTimer(self, expiryTimestampMs: int) -> None:
        self._runner._check_timers("delete_timer")
        timers = self._runner._timers()
        if expiryTimestampMs in timers:
            self._runner._set_timers([t for t in timers if t != expiryTimestampMs])
            self._runner._count("numDeletedTimers")

    def listTimers(self) -> Iterator[int]:
        self._runner._check_timers("list_timers")
        return iter(list(self._runner._timers()))

    def deleteIfExists(self, stateName: str) -> None:
        # Spark allows it only while `init` runs (handle state CREATED), where it drops the variable's whole column
        # family; elsewhere it is refused with the handle's state.
        runner = self._runner
        if runner._handle_state not in (_PRE_INIT, _CREATED) or runner._key is not None:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType="delete_if_exists", handleState=runner._handle_state)
        if stateName in runner._variables:
            # The variable is one this processor also declares: Spark would drop every key's value at each batch's
            # init. ember's store keeps a declared variable's table, so it says so rather than keep the values.
            from ember.errors import PySparkNotImplementedError

            raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                         f"deleteIfExists('{stateName}') of a state variable the processor also declares is not "
                         "supported by ember yet.")
        # A name the processor does not declare: ember's checkpoint holds no such variable (a changed set of
        # variables is refused at restart), so there is nothing to drop.


class StatefulProcessor(ABC):
    """The user's stateful logic for ``transformWithStateInPandas`` (pandas frames) and ``transformWithState``
    (Rows)."""

    @abstractmethod
    def init(self, handle: StatefulProcessorHandle) -> None:
        ...

    @abstractmethod
    def handleInputRows(self, key: Any, rows: Any, timerValues: TimerValues) -> Any:
        ...

    def handleExpiredTimer(self, key: Any, timerValues: TimerValues, expiredTimerInfo: ExpiredTimerInfo) -> Any:
        return iter([])

    def close(self) -> None:
        ...

    def handleInitialState(self, key: Any, initialState: Any, timerValues: TimerValues) -> None:
        pass


_PRE_INIT, _CREATED, _INITIALIZED, _DATA_PROCESSED, _TIMER_PROCESSED, _CLOSED = (
    "PRE_INIT", "CREATED", "INITIALIZED", "DATA_PROCESSED", "TIMER_PROCESSED", "CLOSED")


class _ProcessorRunner:
    """Called by the engine once per batch with Arrow data (see ``src/python/stateful_processor.rs``)."""

    def __init__(self, processor: StatefulProcessor, time_mode: str, pandas: bool, output_names: List[str],
                 time_zone: str, max_records: int) -> None:
        self._processor = processor
        self._time_mode = time_mode.lower()
        self._pandas = pandas
        self._output_names = output_names
        self._time_zone = time_zone
        self._max_records = max(1, max_records)
        self._variables: Dict[str, _Variable] = {}
        self._declared: List[_Variable] = []
        self._seen: set = set()
        self._key: Optional[int] = None
        self._handle_state = _PRE_INIT

    def _declare_pass(self) -> List[Tuple[str, str, str, int, Optional[int]]]:
        """The declaring pass the engine runs when a query starts or a batch DataFrame runs, not when the
        DataFrame is built (Spark runs init on the driver while planning the first batch): the state variables'
        names, kinds, schemas, a map's user key column count and TTLs."""
        self._variables = {}
        self._declared = []
        self._seen = set()
        self._key = None
        self._handle_state = _PRE_INIT
        self._processor.init(StatefulProcessorHandle(self))
        self._processor.close()
        self._handle_state = _CREATED
        return self._declarations()

    # -- declarations --------------------------------------------------------------------------------------------
    def _declare(self, name: str, kind: str, key_schema: Any, schema: Any, ttl_ms: Optional[int]) -> _Variable:
        from ember.sql.types import StructType

        if self._handle_state not in (_PRE_INIT, _CREATED):
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType=f"get_{kind}_state", handleState=self._handle_state)
        if name in self._seen:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_DUPLICATE_STATE_VARIABLE_DEFINED",
                         stateVarName=name)
        self._seen.add(name)
        if ttl_ms is not None:
            if isinstance(ttl_ms, TTLConfig):
                ttl_ms = ttl_ms.ttlDurationMs
            if ttl_ms <= 0:
                raise _error(PySparkValueError, "STATEFUL_PROCESSOR_TTL_DURATION_MUST_BE_POSITIVE",
                             operationType="update", stateName=name)
            if self._time_mode != "processingtime":
                raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL",
                             stateName=name, timeMode=_TIME_MODE_NAMES.get(self._time_mode, self._time_mode))
        value = _ddl_struct(schema)
        fields = list(value.fields)
        key_fields = 0
        if key_schema is not None:
            key = _ddl_struct(key_schema)
            key_fields = len(key.fields)
            fields = list(key.fields) + fields
        struct = StructType(fields)
        if self._handle_state == _PRE_INIT:
            var = _Variable(len(self._declared), name, kind, struct.names, key_fields, ttl_ms, struct.json())
            self._declared.append(var)
            self._variables[name] = var
            return var
        var = self._variables.get(name)
        if var is None or var.kind != kind:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType=f"get_{kind}_state", handleState=self._handle_state)
        return var

    def _declarations(self) -> List[Tuple[str, str, str, int, Optional[int]]]:
        return [(v.name, v.kind, v.schema_json, v.key_fields, v.ttl_ms) for v in self._declared]

    def _count(self, metric: str) -> None:
        """One more of the batch's operations Spark counts in the operator's customMetrics."""
        self._counters[metric] = self._counters.get(metric, 0) + 1

    def _check_timers(self, operation: str) -> None:
        if self._time_mode == "none":
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_TIME_MODE",
                         operationType=operation, timeMode=_TIME_MODE_NAMES["none"])
        if self._key is None:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType=operation, handleState=self._handle_state)

    # -- the current key's state ---------------------------------------------------------------------------------
    def _rows(self, var: _Variable) -> List[Tuple[int, Tuple]]:
        if self._key is None:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType="get", handleState=self._handle_state)
        cache = self._cache[var.index]
        if self._key not in cache:
            raw = self._lists[var.index][self._key] or []
            cache[self._key] = [(r["_expires"], tuple(r[f] for f in var.fields)) for r in raw]
        return list(cache[self._key])

    def _set(self, var: _Variable, rows: List[Tuple[int, Tuple]]) -> None:
        if self._key is None:
            raise _error(PySparkRuntimeError, "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
                         operationType="update", handleState=self._handle_state)
        self._cache[var.index][self._key] = rows
        self._dirty[var.index].add(self._key)

    def _entry(self, var: _Variable, value: Tuple) -> Tuple[int, Tuple]:
        if value is None:
            raise _error(PySparkValueError, "CANNOT_BE_NONE", arg_name="newValue")
        value = tuple(_plain(v) for v in value)
        expires = self._batch_ts + var.ttl_ms if var.ttl_ms is not None else _NO_EXPIRY
        return (expires, value)

    def _timers(self) -> List[int]:
        t = len(self._declared)
        cache = self._cache[t]
        if self._key not in cache:
            cache[self._key] = list(self._lists[t][self._key] or [])
        return list(cache[self._key])

    def _set_timers(self, timers: List[int]) -> None:
        t = len(self._declared)
        self._cache[t][self._key] = timers
        self._dirty[t].add(self._key)

    # -- one batch -----------------------------------------------------------------------------------------------
    def _frames(self, pdf, lo: int, hi: int):
        return (pdf.iloc[s:min(s + self._max_records, hi)].reset_index(drop=True)
                for s in range(lo, hi, self._max_records))

    def _rows_of(self, data, lo: int, hi: int):
        from ember.sql.types import Row

        names = data.schema.names
        return (Row(**dict(zip(names, r.values()))) for r in data.slice(lo, hi - lo).to_pylist())

    def _collect(self, result, outputs: List) -> None:
        import pyarrow as pa

        if result is None:
            return
        if self._pandas:
            # Frames are kept and turned into Arrow together at the end of the batch (`_frames_to_arrow`): one
            # conversion per key would cost more than the user's code.
            outputs.extend(out for out in result if len(out.columns) and len(out))
            return
        rows = []
        for r in result:
            d = r.asDict() if hasattr(r, "asDict") else dict(zip(self._output_names, r))
            rows.append({k: _plain(v) for k, v in d.items()})
        if rows:
            outputs.append(pa.RecordBatch.from_pylist(rows))

    @staticmethod
    def _frames_to_arrow(outputs: List) -> List:
        """The batch's output: pandas frames with the same columns concatenated and converted at once."""
        import pandas as pd
        import pyarrow as pa

        frames = [o for o in outputs if not isinstance(o, pa.RecordBatch)]
        done = [o for o in outputs if isinstance(o, pa.RecordBatch)]
        if not frames:
            return done
        columns = list(frames[0].columns)
        if all(list(f.columns) == columns for f in frames):
            whole = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            return done + [batch_from_pandas(whole)]
        return done + [batch_from_pandas(f) for f in frames]

    def _initial_of(self, initial, lo: int, hi: int):
        """The initial state's rows of a key as ``handleInitialState`` gets them: one call per pandas frame, or
        per Row."""
        data, pdf = initial
        if self._pandas:
            return list(self._frames(pdf, lo, hi))
        return list(self._rows_of(data, lo, hi))

    def __call__(self, keys, data, offsets, states, batch_ts, watermark_ms, timer_threshold, initial=None):
        import pyarrow as pa

        from ember.sql.streaming.state import _GroupRunner

        self._batch_ts = batch_ts
        self._counters: Dict[str, int] = {}
        key_rows = [tuple(r.values()) for r in keys.to_pylist()]
        self._lists = [s.to_pylist() for s in states]
        self._cache: List[Dict[int, Any]] = [{} for _ in states]
        self._dirty: List[set] = [set() for _ in states]
        # PySpark: (-1, -1) without a time mode, else the batch timestamp and the watermark (-1 without one).
        timer_values = TimerValues(-1, -1) if self._time_mode == "none" else TimerValues(batch_ts, watermark_ms)
        outputs: List = []
        self._handle_state = _CREATED
        self._key = None
        self._seen = set()
        self._processor.init(StatefulProcessorHandle(self))
        self._handle_state = _INITIALIZED
        n_data = len(offsets) - 1
        pdf = _GroupRunner._pandas(self, data) if self._pandas and n_data else None
        if initial is not None:
            init_data, init_offsets = initial
            initial = (init_data, _GroupRunner._pandas(self, init_data) if self._pandas else None)
        for i in range(n_data):
            self._key = i
            if initial is not None:
                for part in self._initial_of(initial, init_offsets[i], init_offsets[i + 1]):
                    self._processor.handleInitialState(key_rows[i], part, timer_values)
            lo, hi = offsets[i], offsets[i + 1]
            # A key with only initial state gets no handleInputRows call (as PySpark).
            if hi > lo:
                rows = self._frames(pdf, lo, hi) if self._pandas else self._rows_of(data, lo, hi)
                self._collect(self._processor.handleInputRows(key_rows[i], rows, timer_values), outputs)
        self._handle_state = _DATA_PROCESSED
        if timer_threshold is not None:
            due = []
            for i in range(len(key_rows)):
                self._key = i
                due.extend((t, i) for t in self._timers() if t <= timer_threshold)
            for expiry, i in sorted(due):
                self._key = i
                self._collect(self._processor.handleExpiredTimer(key=key_rows[i], timerValues=timer_values,
                                                                 expiredTimerInfo=ExpiredTimerInfo(expiry)),
                              outputs)
                self._set_timers([t for t in self._timers() if t != expiry])
                self._count("numExpiredTimers")
            self._handle_state = _TIMER_PROCESSED
        self._key = None
        self._processor.close()
        self._handle_state = _CLOSED
        changed = []
        for t, s in enumerate(states):
            idx = sorted(self._dirty[t])
            if t < len(self._declared):
                var = self._declared[t]
                values = [[dict(zip(["_expires"] + var.fields, (e,) + v)) for e, v in self._cache[t][i]] for i in idx]
            else:
                values = [self._cache[t][i] for i in idx]
            changed.append((idx, pa.array(values, type=s.type)))
        return self._frames_to_arrow(outputs), changed, sorted(self._counters.items())
