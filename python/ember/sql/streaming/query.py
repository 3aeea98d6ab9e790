"""``StreamingQuery`` and ``spark.streams``: handles on the engine's query threads."""
import json
import logging
import threading
from typing import Dict, List, Optional

from ember import _native
from ember.errors import StreamingQueryException

__all__ = ["StreamingQuery", "StreamingQueryManager"]

_log = logging.getLogger("ember.streaming")


def _pretty_id(name: Optional[str], id: str, run_id: str) -> str:
    """How Spark names a query in its logs: ``name [id = ..., runId = ...]``."""
    return (f"{name} " if name else "") + f"[id = {id}, runId = {run_id}]"


def _log_fields(name: Optional[str], id: str, run_id: str) -> Dict[str, object]:
    return {"query_id": id, "run_id": run_id, "query_name": name}


def _log_event(name: Optional[str], kind: str, payload: str) -> None:
    """Log a query's ``started`` and ``terminated`` events (sent by its engine thread, in order). A query ends when
    stopped, when its once/availableNow run is done, or on failure, whose record carries the exception."""
    if kind not in ("started", "terminated"):
        return
    data = json.loads(payload)
    pretty = _pretty_id(name, data["id"], data["runId"])
    fields = _log_fields(name, data["id"], data["runId"])
    if kind == "started":
        _log.info("Started streaming query %s", pretty, extra=fields)
        return
    error = data.get("exception")
    if error:
        _log.error("Query %s terminated with error", pretty, exc_info=StreamingQueryException(message=error),
                   extra=fields)
    else:
        _log.info("Query %s terminated", pretty, extra=fields)


class _Progress(dict):
    """A progress report: a dict (as in PySpark 4) with ``json`` / ``prettyJson``."""

    def __init__(self, text: str):
        super().__init__(json.loads(text))
        self._text = text

    @property
    def json(self) -> str:
        return self._text

    @property
    def prettyJson(self) -> str:
        return json.dumps(json.loads(self._text), indent=2)


class StreamingQuery:
    """A running query, as ``pyspark.sql.streaming.StreamingQuery``."""

    def __init__(self, jq: "_native.Query", spark):
        self._jq = jq
        self._spark = spark

    @property
    def id(self) -> str:
        return self._jq.id()

    @property
    def runId(self) -> str:
        return self._jq.run_id()

    @property
    def name(self) -> Optional[str]:
        return self._jq.name()

    @property
    def isActive(self) -> bool:
        return self._jq.is_active()

    def awaitTermination(self, timeout: Optional[float] = None) -> Optional[bool]:
        if timeout is not None:
            if not isinstance(timeout, (int, float)) or timeout <= 0:
                from ember.errors import PySparkValueError, _error

                raise _error(PySparkValueError, "VALUE_NOT_POSITIVE", arg_name="timeout", arg_value=timeout)
            return self._jq.await_termination(int(timeout * 1000))
        self._jq.await_termination(None)
        return None

    def processAllAvailable(self) -> None:
        self._jq.process_all_available()

    def stop(self) -> None:
        if self.isActive:
            _log.info("Stopping query %s", _pretty_id(self.name, self.id, self.runId),
                      extra=_log_fields(self.name, self.id, self.runId))
        self._jq.stop()

    def exception(self) -> Optional[StreamingQueryException]:
        return self._jq.exception()

    @property
    def status(self) -> Dict[str, object]:
        return json.loads(self._jq.status())

    @property
    def recentProgress(self) -> List[_Progress]:
        return [_Progress(p) for p in self._jq.recent_progress()]

    @property
    def lastProgress(self) -> Optional[_Progress]:
        progress = self._jq.recent_progress()
        return _Progress(progress[-1]) if progress else None

    def explain(self, extended: bool = False) -> None:
        print("== Physical Plan ==\n" + self._jq.explain_string())


class StreamingQueryManager:
    """``spark.streams``."""

    def __init__(self):
        self._queries: List[StreamingQuery] = []
        self._listeners: list = []
        self._lock = threading.Lock()

    def addListener(self, listener) -> None:
        from ember.sql.streaming.listener import StreamingQueryListener

        if not isinstance(listener, StreamingQueryListener):
            from ember.errors import PySparkTypeError, _error

            raise _error(PySparkTypeError, "NOT_INSTANCE_OF", arg_name="listener",
                         expected_type="StreamingQueryListener", arg_type=type(listener).__name__)
        with self._lock:
            self._listeners.append(listener)

    def removeListener(self, listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _dispatch(self, kind: str, payload: str) -> None:
        """Called from a query's engine thread (with the GIL) for each lifecycle event."""
        from ember.sql.streaming.listener import _event

        with self._lock:
            listeners = list(self._listeners)
        if not listeners:
            return
        event = _event(kind, payload)
        method = {"started": "onQueryStarted", "progress": "onQueryProgress", "idle": "onQueryIdle",
                  "terminated": "onQueryTerminated"}[kind]
        for listener in listeners:
            getattr(listener, method)(event)

    def _register(self, q: StreamingQuery) -> None:
        with self._lock:
            self._queries.append(q)

    @property
    def active(self) -> List[StreamingQuery]:
        with self._lock:
            return [q for q in self._queries if q.isActive]

    def get(self, id: str) -> Optional[StreamingQuery]:
        with self._lock:
            for q in self._queries:
                if q.id == id and q.isActive:
                    return q
        return None

    def awaitAnyTermination(self, timeout: Optional[float] = None) -> Optional[bool]:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                done = [q for q in self._queries if not q.isActive]
            for q in done:
                exc = q.exception()
                if exc is not None:
                    raise exc
            if done:
                return True if timeout is not None else None
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def resetTerminated(self) -> None:
        with self._lock:
            self._queries = [q for q in self._queries if q.isActive]
