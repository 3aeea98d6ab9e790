"""``StreamingQuery`` and ``spark.streams``: handles on the engine's query threads."""
import json
import logging
import weakref
from typing import Dict, List, Optional

from ember import _native
from ember.errors import StreamingQueryException
from ember.sql.streaming.listener import StreamingQueryProgress

__all__ = ["StreamingQuery", "StreamingQueryManager"]

_log = logging.getLogger("ember.streaming")


def _pretty_id(name: Optional[str], id: str, run_id: str) -> str:
    """How Spark names a query in its logs: ``name [id = ..., runId = ...]``."""
    return (f"{name} " if name else "") + f"[id = {id}, runId = {run_id}]"


def _log_fields(name: Optional[str], id: str, run_id: str) -> Dict[str, object]:
    return {"query_id": id, "run_id": run_id, "query_name": name}


def _log_event(name: Optional[str], kind: str, payload: str) -> None:
    """Log a query's ``started`` and ``terminated`` events (sent by its engine thread, in order, before the
    listeners get them). A query ends when stopped, when its once/availableNow run is done, or on failure, whose
    record carries the exception."""
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

                # PySpark names the argument's type, not its value, in this message.
                raise _error(PySparkValueError, "VALUE_NOT_POSITIVE", arg_name="timeout",
                             arg_value=type(timeout).__name__)
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
    def recentProgress(self) -> List[StreamingQueryProgress]:
        return [StreamingQueryProgress._from_engine(p, event=False) for p in self._jq.recent_progress()]

    @property
    def lastProgress(self) -> Optional[StreamingQueryProgress]:
        progress = self._jq.recent_progress()
        return StreamingQueryProgress._from_engine(progress[-1], event=False) if progress else None

    def _repr_html_(self) -> str:
        # A notebook's display of the query: status and progress charts (ember.monitoring; redrawn on each display,
        # ember.monitoring.watch keeps it live).
        from ember.monitoring import query_html

        return query_html(self)

    def explain(self, extended: bool = False) -> None:
        print("== Physical Plan ==\n" + self._jq.explain_string())


class StreamingQueryManager:
    """``spark.streams``: a handle on the session's native query manager, which knows the queries, delivers the
    listener events and wakes ``awaitAnyTermination`` when a query ends."""

    def __init__(self, spark):
        self._spark = spark
        self._jsqm = _native.StreamingQueryManager(_log_event)
        # The StreamingQuery object handed out for each run, while anyone holds it: `get` returns the same object.
        self._handles: "weakref.WeakValueDictionary[str, StreamingQuery]" = weakref.WeakValueDictionary()

    def _wrap(self, jq: "_native.Query") -> StreamingQuery:
        run_id = jq.run_id()
        query = self._handles.get(run_id)
        if query is None:
            query = StreamingQuery(jq, self._spark)
            self._handles[run_id] = query
        return query

    def addListener(self, listener) -> None:
        from ember.sql.streaming.listener import StreamingQueryListener

        if not isinstance(listener, StreamingQueryListener):
            from ember.errors import PySparkTypeError, _error

            raise _error(PySparkTypeError, "NOT_INSTANCE_OF", arg_name="listener",
                         expected_type="StreamingQueryListener", arg_type=type(listener).__name__)
        self._jsqm.add_listener(listener)

    def removeListener(self, listener) -> None:
        self._jsqm.remove_listener(listener)

    @property
    def active(self) -> List[StreamingQuery]:
        return [self._wrap(jq) for jq in self._jsqm.active()]

    def get(self, id: str) -> Optional[StreamingQuery]:
        jq = self._jsqm.get(id)
        return None if jq is None else self._wrap(jq)

    def awaitAnyTermination(self, timeout: Optional[float] = None) -> Optional[bool]:
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
            from ember.errors import PySparkValueError, _error

            raise _error(PySparkValueError, "VALUE_NOT_POSITIVE", arg_name="timeout", arg_value=type(timeout).__name__)
        if timeout is None:
            self._jsqm.await_any_termination(None)
            return None
        return self._jsqm.await_any_termination(max(0, int(timeout * 1000)))

    def resetTerminated(self) -> None:
        self._jsqm.reset_terminated()
