"""``StreamingQueryListener``, its events and the progress objects, as ``pyspark.sql.streaming.listener``.

A progress report exists in two forms, as in PySpark: ``lastProgress``/``recentProgress`` rebuild it from its JSON
in Python (``json`` is ``json.dumps`` of that, ``str()`` is indented by 4), while a listener's event carries the
engine's own text (``json`` compact, ``str()`` in the JVM's pretty form: 2 spaces, ``"key" : value``, arrays inline).
"""
import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set

if TYPE_CHECKING:
    import uuid

__all__ = ["StreamingQueryListener"]


class StreamingQueryListener(ABC):
    """Receives query lifecycle events from ``spark.streams`` (subclass it and ``addListener``)."""

    @abstractmethod
    def onQueryStarted(self, event: "QueryStartedEvent") -> None:
        ...

    @abstractmethod
    def onQueryProgress(self, event: "QueryProgressEvent") -> None:
        ...

    def onQueryIdle(self, event: "QueryIdleEvent") -> None:
        pass

    @abstractmethod
    def onQueryTerminated(self, event: "QueryTerminatedEvent") -> None:
        ...


class QueryStartedEvent:
    """A query started (or restarted)."""

    def __init__(self, id: "uuid.UUID", runId: "uuid.UUID", name: Optional[str], timestamp: str,
                 jobTags: Set[str]) -> None:
        self._id = id
        self._runId = runId
        self._name = name
        self._timestamp = timestamp
        self._jobTags = jobTags

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "QueryStartedEvent":
        import uuid

        return cls(id=uuid.UUID(j["id"]), runId=uuid.UUID(j["runId"]), name=j["name"], timestamp=j["timestamp"],
                   jobTags=set(j.get("jobTags", [])))

    @property
    def id(self) -> "uuid.UUID":
        return self._id

    @property
    def runId(self) -> "uuid.UUID":
        return self._runId

    @property
    def name(self) -> Optional[str]:
        return self._name

    @property
    def timestamp(self) -> str:
        return self._timestamp

    @property
    def jobTags(self) -> Set[str]:
        return self._jobTags


class QueryProgressEvent:
    """A batch (or an idle trigger's report) finished."""

    def __init__(self, progress: "StreamingQueryProgress") -> None:
        self._progress = progress

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "QueryProgressEvent":
        return cls(progress=StreamingQueryProgress.fromJson(j["progress"]))

    @property
    def progress(self) -> "StreamingQueryProgress":
        return self._progress


class QueryIdleEvent:
    """A trigger found no new data."""

    def __init__(self, id: "uuid.UUID", runId: "uuid.UUID", timestamp: str) -> None:
        self._id = id
        self._runId = runId
        self._timestamp = timestamp

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "QueryIdleEvent":
        import uuid

        return cls(id=uuid.UUID(j["id"]), runId=uuid.UUID(j["runId"]), timestamp=j["timestamp"])

    @property
    def id(self) -> "uuid.UUID":
        return self._id

    @property
    def runId(self) -> "uuid.UUID":
        return self._runId

    @property
    def timestamp(self) -> str:
        return self._timestamp


class QueryTerminatedEvent:
    """A query ended: stopped, finished its once/availableNow run, or failed (``exception``)."""

    def __init__(self, id: "uuid.UUID", runId: "uuid.UUID", exception: Optional[str],
                 errorClassOnException: Optional[str]) -> None:
        self._id = id
        self._runId = runId
        self._exception = exception
        self._errorClassOnException = errorClassOnException

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "QueryTerminatedEvent":
        import uuid

        return cls(id=uuid.UUID(j["id"]), runId=uuid.UUID(j["runId"]), exception=j["exception"],
                   errorClassOnException=j["errorClassOnException"])

    @property
    def id(self) -> "uuid.UUID":
        return self._id

    @property
    def runId(self) -> "uuid.UUID":
        return self._runId

    @property
    def exception(self) -> Optional[str]:
        return self._exception

    @property
    def errorClassOnException(self) -> Optional[str]:
        """The failure's Spark error class, None when it has none or the query did not fail."""
        return self._errorClassOnException


class _Report(dict):
    """A progress report: a dict of its fields with attribute access, and its JSON. ``_text`` is the engine's own
    text when the report came from a listener event (then ``json``/``str()`` are the JVM's forms), None when it was
    rebuilt from JSON (then they are Python's, as PySpark's ``fromJson`` objects print)."""

    _jdict: Dict[str, Any]
    _text: Optional[str]

    def _attach(self, jdict: Dict[str, Any], text: Optional[str]) -> None:
        self._jdict = jdict
        self._text = text

    @property
    def json(self) -> str:
        if self._text is not None:
            return self._text
        return json.dumps(self._jdict)

    @property
    def prettyJson(self) -> str:
        if self._text is not None:
            return _jvm_pretty(_parse_java(self._text))
        return json.dumps(self._jdict, indent=4)

    def __str__(self) -> str:
        return self.prettyJson

    def __repr__(self) -> str:
        return self.prettyJson


class StreamingQueryProgress(_Report):
    """One trigger's report (``lastProgress``, ``recentProgress``, ``QueryProgressEvent.progress``)."""

    def __init__(self, id: "uuid.UUID", runId: "uuid.UUID", name: Optional[str], timestamp: str, batchId: int,
                 batchDuration: int, durationMs: Dict[str, int], eventTime: Dict[str, str],
                 stateOperators: List["StateOperatorProgress"], sources: List["SourceProgress"],
                 sink: "SinkProgress", numInputRows: Optional[int], inputRowsPerSecond: Optional[float],
                 processedRowsPerSecond: Optional[float], observedMetrics: Dict[str, Any],
                 jdict: Optional[Dict[str, Any]] = None, text: Optional[str] = None):
        super().__init__(id=id, runId=runId, name=name, timestamp=timestamp, batchId=batchId,
                         batchDuration=batchDuration, durationMs=durationMs, eventTime=eventTime,
                         stateOperators=stateOperators, sources=sources, sink=sink, numInputRows=numInputRows,
                         inputRowsPerSecond=inputRowsPerSecond, processedRowsPerSecond=processedRowsPerSecond,
                         observedMetrics=observedMetrics)
        self._attach(jdict if jdict is not None else {}, text)

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "StreamingQueryProgress":
        return cls._build(j, None)

    @classmethod
    def _from_engine(cls, text: str, event: bool) -> "StreamingQueryProgress":
        """From the engine's JSON: as a listener event carries it (``event``) or as ``lastProgress`` rebuilds it."""
        return cls._build(json.loads(text), text if event else None)

    @classmethod
    def _build(cls, j: Dict[str, Any], text: Optional[str]) -> "StreamingQueryProgress":
        import uuid

        from ember.sql.types import Row

        # A listener's nested reports print in the JVM's form too; each keeps the engine's text of its part.
        part = (lambda d: _java_compact(d)) if text is not None else (lambda d: None)
        raw = _parse_java(text) if text is not None else j
        return cls(
            jdict=j, text=text, id=uuid.UUID(j["id"]), runId=uuid.UUID(j["runId"]), name=j["name"],
            timestamp=j["timestamp"], batchId=j["batchId"], batchDuration=j["batchDuration"],
            durationMs=dict(j.get("durationMs", {})), eventTime=dict(j.get("eventTime", {})),
            stateOperators=[StateOperatorProgress._build(s, part(r))
                            for s, r in zip(j["stateOperators"], raw["stateOperators"])],
            sources=[SourceProgress._build(s, part(r)) for s, r in zip(j["sources"], raw["sources"])],
            sink=SinkProgress._build(j["sink"], part(raw["sink"])),
            numInputRows=j.get("numInputRows"), inputRowsPerSecond=j.get("inputRowsPerSecond"),
            processedRowsPerSecond=j.get("processedRowsPerSecond"),
            observedMetrics={k: Row(*v.keys())(*v.values()) for k, v in j.get("observedMetrics", {}).items()},
        )

    @property
    def id(self) -> "uuid.UUID":
        return super().__getitem__("id")

    @property
    def runId(self) -> "uuid.UUID":
        return super().__getitem__("runId")

    @property
    def name(self) -> Optional[str]:
        return self["name"]

    @property
    def timestamp(self) -> str:
        return self["timestamp"]

    @property
    def batchId(self) -> int:
        return self["batchId"]

    @property
    def batchDuration(self) -> int:
        return self["batchDuration"]

    @property
    def durationMs(self) -> Dict[str, int]:
        return self["durationMs"]

    @property
    def eventTime(self) -> Dict[str, str]:
        return self["eventTime"]

    @property
    def stateOperators(self) -> List["StateOperatorProgress"]:
        return self["stateOperators"]

    @property
    def sources(self) -> List["SourceProgress"]:
        return self["sources"]

    @property
    def sink(self) -> "SinkProgress":
        return self["sink"]

    @property
    def observedMetrics(self) -> Dict[str, Any]:
        return self["observedMetrics"]

    @property
    def numInputRows(self) -> int:
        n = self["numInputRows"]
        return n if n is not None else sum(s.numInputRows for s in self.sources)

    @property
    def inputRowsPerSecond(self) -> float:
        r = self["inputRowsPerSecond"]
        return r if r is not None else sum(s.inputRowsPerSecond for s in self.sources)

    @property
    def processedRowsPerSecond(self) -> float:
        r = self["processedRowsPerSecond"]
        return r if r is not None else sum(s.processedRowsPerSecond for s in self.sources)

    def __getitem__(self, key: str) -> Any:
        # Item access keeps the ids strings, as the plain dicts of Spark 3's lastProgress had them.
        value = super().__getitem__(key)
        return str(value) if key in ("id", "runId") else value


class StateOperatorProgress(_Report):
    """One stateful operator's part of a report."""

    def __init__(self, operatorName: str, numRowsTotal: int, numRowsUpdated: int, numRowsRemoved: int,
                 allUpdatesTimeMs: int, allRemovalsTimeMs: int, commitTimeMs: int, memoryUsedBytes: int,
                 numRowsDroppedByWatermark: int, numShufflePartitions: int, numStateStoreInstances: int,
                 customMetrics: Dict[str, int], jdict: Optional[Dict[str, Any]] = None,
                 text: Optional[str] = None):
        super().__init__(operatorName=operatorName, numRowsTotal=numRowsTotal, numRowsUpdated=numRowsUpdated,
                         numRowsRemoved=numRowsRemoved, allUpdatesTimeMs=allUpdatesTimeMs,
                         allRemovalsTimeMs=allRemovalsTimeMs, commitTimeMs=commitTimeMs,
                         memoryUsedBytes=memoryUsedBytes, numRowsDroppedByWatermark=numRowsDroppedByWatermark,
                         numShufflePartitions=numShufflePartitions, numStateStoreInstances=numStateStoreInstances,
                         customMetrics=customMetrics)
        self._attach(jdict if jdict is not None else {}, text)

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "StateOperatorProgress":
        return cls._build(j, None)

    @classmethod
    def _build(cls, j: Dict[str, Any], text: Optional[str]) -> "StateOperatorProgress":
        fields = ("operatorName", "numRowsTotal", "numRowsUpdated", "numRowsRemoved", "allUpdatesTimeMs",
                  "allRemovalsTimeMs", "commitTimeMs", "memoryUsedBytes", "numRowsDroppedByWatermark",
                  "numShufflePartitions", "numStateStoreInstances")
        return cls(**{f: j[f] for f in fields}, customMetrics=dict(j.get("customMetrics", {})), jdict=j,
                   text=text)

    @property
    def operatorName(self) -> str:
        return self["operatorName"]

    @property
    def numRowsTotal(self) -> int:
        return self["numRowsTotal"]

    @property
    def numRowsUpdated(self) -> int:
        return self["numRowsUpdated"]

    @property
    def allUpdatesTimeMs(self) -> int:
        return self["allUpdatesTimeMs"]

    @property
    def numRowsRemoved(self) -> int:
        return self["numRowsRemoved"]

    @property
    def allRemovalsTimeMs(self) -> int:
        return self["allRemovalsTimeMs"]

    @property
    def commitTimeMs(self) -> int:
        return self["commitTimeMs"]

    @property
    def memoryUsedBytes(self) -> int:
        return self["memoryUsedBytes"]

    @property
    def numRowsDroppedByWatermark(self) -> int:
        return self["numRowsDroppedByWatermark"]

    @property
    def numShufflePartitions(self) -> int:
        return self["numShufflePartitions"]

    @property
    def numStateStoreInstances(self) -> int:
        return self["numStateStoreInstances"]

    @property
    def customMetrics(self) -> dict:
        return self["customMetrics"]


class SourceProgress(_Report):
    """One source's part of a report. Offsets are JSON strings."""

    def __init__(self, description: str, startOffset: str, endOffset: str, latestOffset: str, numInputRows: int,
                 inputRowsPerSecond: float, processedRowsPerSecond: float, metrics: Dict[str, str],
                 jdict: Optional[Dict[str, Any]] = None, text: Optional[str] = None) -> None:
        super().__init__(description=description, startOffset=startOffset, endOffset=endOffset,
                         latestOffset=latestOffset, numInputRows=numInputRows, inputRowsPerSecond=inputRowsPerSecond,
                         processedRowsPerSecond=processedRowsPerSecond, metrics=metrics)
        self._attach(jdict if jdict is not None else {}, text)

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "SourceProgress":
        return cls._build(j, None)

    @classmethod
    def _build(cls, j: Dict[str, Any], text: Optional[str]) -> "SourceProgress":
        keys = ("startOffset", "endOffset", "latestOffset")
        if text is None:
            offsets = {k: j[k] if isinstance(j[k], str) else json.dumps(j[k]) for k in keys}
        else:
            # A listener's source holds the JVM's text of each offset; an absent one is Java's null, which PySpark
            # turns into the string "None".
            raw = _parse_java(text)
            offsets = {k: "None" if raw[k] is None else raw[k] if isinstance(raw[k], str) else _java_compact(raw[k])
                       for k in keys}
        return cls(description=j["description"], **offsets, numInputRows=j["numInputRows"], inputRowsPerSecond=j["inputRowsPerSecond"],
                   processedRowsPerSecond=j["processedRowsPerSecond"], metrics=dict(j.get("metrics", {})),
                   jdict=j, text=text)

    @property
    def description(self) -> str:
        return self["description"]

    @property
    def startOffset(self) -> str:
        return self["startOffset"]

    @property
    def endOffset(self) -> str:
        return self["endOffset"]

    @property
    def latestOffset(self) -> str:
        return self["latestOffset"]

    @property
    def numInputRows(self) -> int:
        return self["numInputRows"]

    @property
    def inputRowsPerSecond(self) -> float:
        return self["inputRowsPerSecond"]

    @property
    def processedRowsPerSecond(self) -> float:
        return self["processedRowsPerSecond"]

    @property
    def metrics(self) -> dict:
        return self["metrics"]


class SinkProgress(_Report):
    """The sink's part of a report."""

    def __init__(self, description: str, numOutputRows: int, metrics: Dict[str, str],
                 jdict: Optional[Dict[str, Any]] = None, text: Optional[str] = None) -> None:
        super().__init__(description=description, numOutputRows=numOutputRows, metrics=metrics)
        self._attach(jdict if jdict is not None else {}, text)

    @classmethod
    def fromJson(cls, j: Dict[str, Any]) -> "SinkProgress":
        return cls._build(j, None)

    @classmethod
    def _build(cls, j: Dict[str, Any], text: Optional[str]) -> "SinkProgress":
        return cls(description=j["description"], numOutputRows=j["numOutputRows"],
                   metrics=dict(j.get("metrics", {})), jdict=j, text=text)

    @property
    def description(self) -> str:
        return self["description"]

    @property
    def numOutputRows(self) -> int:
        return self["numOutputRows"]

    @property
    def metrics(self) -> Dict[str, str]:
        return self["metrics"]


class _JavaNumber(str):
    """A JSON number kept as the engine wrote it (Java's double text, e.g. ``1.0E-4``), so the JVM forms of a
    report reprint it unchanged."""


def _parse_java(text: str) -> Any:
    return json.loads(text, parse_float=_JavaNumber, parse_int=_JavaNumber)


def _java_scalar(value: Any) -> str:
    if isinstance(value, _JavaNumber):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _java_compact(value: Any) -> str:
    """Compact JSON as the JVM writes it (no spaces), numbers as the engine wrote them."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _java_compact(v)
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_java_compact(v) for v in value) + "]"
    return _java_scalar(value)


def _jvm_pretty(value: Any, depth: int = 0) -> str:
    """The JVM's pretty JSON (Jackson's default printer): objects one field per line, indented 2 spaces per
    enclosing object, ``"key" : value``; arrays inline as ``[ a, b ]``; empty ones ``{ }`` and ``[ ]``."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "  " * (depth + 1)
        body = ",\n".join(pad + json.dumps(k, ensure_ascii=False) + " : " + _jvm_pretty(v, depth + 1)
                          for k, v in value.items())
        return "{\n" + body + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(_jvm_pretty(v, depth) for v in value) + " ]"
    return _java_scalar(value)


def _event(kind: str, payload: str):
    if kind == "progress":
        return QueryProgressEvent(StreamingQueryProgress._from_engine(payload, event=True))
    # uuid is imported on the first event, not with the package: it pulls in `platform` and its regexes, a few ms
    # of every script's start-up (spark.readStream imports this module).
    data = json.loads(payload)
    return {"started": QueryStartedEvent, "idle": QueryIdleEvent, "terminated": QueryTerminatedEvent}[kind].fromJson(
        data)


_METHODS = {"started": "onQueryStarted", "progress": "onQueryProgress", "idle": "onQueryIdle",
            "terminated": "onQueryTerminated"}


def _deliver(listener: StreamingQueryListener, kind: str, payload: str) -> None:
    """Called by the native query manager, on the query's engine thread, for each event and listener."""
    getattr(listener, _METHODS[kind])(_event(kind, payload))
