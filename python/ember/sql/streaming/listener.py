"""``StreamingQueryListener`` and its events, as ``pyspark.sql.streaming.listener``."""
import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import uuid

__all__ = [
    "StreamingQueryListener",
    "QueryStartedEvent",
    "QueryProgressEvent",
    "QueryIdleEvent",
    "QueryTerminatedEvent",
]


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
    def __init__(self, data: dict):
        self._id, self._runId = _uuids(data)
        self._name = data.get("name")
        self._timestamp = data["timestamp"]

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


class QueryProgressEvent:
    def __init__(self, progress_json: str):
        from ember.sql.streaming.query import _Progress

        self._progress = _Progress(progress_json)

    @property
    def progress(self):
        return self._progress


class QueryIdleEvent:
    def __init__(self, data: dict):
        self._id, self._runId = _uuids(data)
        self._timestamp = data["timestamp"]

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
    def __init__(self, data: dict):
        self._id, self._runId = _uuids(data)
        self._exception = data.get("exception")

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
        return None


def _uuids(data: dict):
    # uuid is imported on the first event, not with the package: it pulls in `platform` and its regexes, a few ms
    # of every script's start-up (spark.readStream imports this module).
    import uuid

    return uuid.UUID(data["id"]), uuid.UUID(data["runId"])


def _event(kind: str, payload: str):
    if kind == "progress":
        return QueryProgressEvent(payload)
    data = json.loads(payload)
    return {"started": QueryStartedEvent, "idle": QueryIdleEvent, "terminated": QueryTerminatedEvent}[kind](data)


_METHODS = {"started": "onQueryStarted", "progress": "onQueryProgress", "idle": "onQueryIdle",
            "terminated": "onQueryTerminated"}


def _deliver(listener: StreamingQueryListener, kind: str, payload: str) -> None:
    """Called by the native query manager, on the query's engine thread, for each event and listener."""
    getattr(listener, _METHODS[kind])(_event(kind, payload))
