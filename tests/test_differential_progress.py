"""Progress and listener objects as PySpark 4.3 hands them out: ``lastProgress``/``recentProgress`` and listener
events carry ``StreamingQueryProgress`` with ``SourceProgress``/``SinkProgress``/``StateOperatorProgress`` inside,
attribute and item access, their JSON and printed forms, ``fromJson`` on every event class, and the error class of
a failed query's terminated event. The same query runs on ember and on PySpark; volatile values (ids, times,
durations, rates, paths) are masked before comparing."""
import json
import os
import re
import time
import uuid

import pytest

DATA = '{"k": "a", "t": "2024-01-01 00:00:00"}\n{"k": "b", "t": "2024-01-01 00:00:05"}\n'
VOLATILE = {"id", "runId", "name", "timestamp", "batchDuration", "inputRowsPerSecond", "processedRowsPerSecond",
            "addBatch", "commitOffsets", "getBatch", "latestOffset", "queryPlanning", "triggerExecution", "walCommit",
            "allUpdatesTimeMs", "allRemovalsTimeMs", "commitTimeMs", "memoryUsedBytes", "description"}


def _listener_module(session):
    if type(session).__module__.startswith("pyspark"):
        from pyspark.sql.streaming import listener
    else:
        from ember.sql.streaming import listener
    return listener


def _run(session, src, name):
    listener = _listener_module(session)
    events = []

    class Collect(listener.StreamingQueryListener):
        def onQueryStarted(self, e):
            events.append(("started", e))

        def onQueryProgress(self, e):
            events.append(("progress", e))

        def onQueryIdle(self, e):
            pass

        def onQueryTerminated(self, e):
            events.append(("terminated", e))

    collect = Collect()
    session.streams.addListener(collect)
    try:
        q = (session.readStream.schema("k string, t timestamp").json(src).withWatermark("t", "10 seconds")
             .groupBy("k").count().writeStream.outputMode("update").format("memory").queryName(name).start())
        q.processAllAvailable()
        deadline = time.time() + 30
        while not any(k == "progress" for k, _ in events) and time.time() < deadline:
            time.sleep(0.05)
        last, recent = q.lastProgress, q.recentProgress
        q.stop()
        while not any(k == "terminated" for k, _ in events) and time.time() < deadline:
            time.sleep(0.05)
    finally:
        session.streams.removeListener(collect)
    return listener, last, recent, events


def _masked_pretty(text):
    """A report's printed form with volatile values replaced and the state operators' custom metrics (each
    engine's own state store internals) dropped."""
    keys = "|".join(sorted(VOLATILE))
    text = re.sub(r'("(?:%s)" ?: ?)("[^"]*"|[-0-9.E]+|null)' % keys, r'\1<v>', text)
    return re.sub(r'("customMetrics" ?: ?)\{[^}]*\}', r'\1<m>', text, flags=re.S)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, spark, pyspark_session):
    src = tmp_path_factory.mktemp("progress_src")
    (src / "a.json").write_text(DATA)
    os.utime(src / "a.json", (1_700_000_000, 1_700_000_000))
    return {"ember": _run(spark, str(src), "progress_e"), "pyspark": _run(pyspark_session, str(src), "progress_p")}


def test_progress_objects_have_pysparks_types_keys_and_attributes(runs):
    seen = {}
    for side, (listener, last, recent, events) in runs.items():
        first = recent[0]
        seen[side] = (
            type(last).__name__, type(last.sources[0]).__name__, type(last.sink).__name__,
            type(first.stateOperators[0]).__name__,
            list(last.keys()), list(last.sources[0].keys()), list(last.sink.keys()),
            list(first.stateOperators[0].keys()),
            type(last.id).__name__, type(last["id"]).__name__, isinstance(last, dict),
            [(p.batchId, p.numInputRows, p.sources[0].numInputRows, p.sink.numOutputRows,
              [s.numRowsTotal for s in p.stateOperators], [s.numRowsUpdated for s in p.stateOperators],
              p.eventTime, p.sources[0].startOffset, p.sources[0].endOffset, p.observedMetrics,
              p["batchId"], p.sink["numOutputRows"]) for p in recent],
            str(last.id) == last["id"] == str(last.id),
            last.name.startswith("progress_"),
            isinstance(last, listener.StreamingQueryProgress),
        )
    assert seen["ember"] == seen["pyspark"]


def test_printed_and_json_forms_match(runs):
    forms = {}
    for side, (listener, last, recent, events) in runs.items():
        event = [e for k, e in events if k == "progress"][0].progress
        forms[side] = (
            _masked_pretty(str(recent[0])), _masked_pretty(repr(last.sources[0])), str(last.sink),
            last.sink.json, _masked_pretty(last.json),
            type(event).__name__, _masked_pretty(str(event)), str(event.sink), event.sink.json,
            _masked_pretty(event.json), event.sources[0].endOffset, event.sources[0].startOffset,
            _masked_pretty(event.sources[0].json),
        )
    for e, p in zip(forms["ember"], forms["pyspark"]):
        assert e == p, f"\nember:\n{e}\npyspark:\n{p}"


def test_from_json_on_every_event_class(runs):
    for side, (listener, last, recent, events) in runs.items():
        again = listener.StreamingQueryProgress.fromJson(json.loads(last.json))
        assert (again.batchId, again.id, type(again.sources[0]).__name__) == (last.batchId, last.id,
                                                                              "SourceProgress")
        ev = listener.QueryProgressEvent.fromJson({"progress": json.loads(last.json)})
        assert ev.progress.sink.numOutputRows == last.sink.numOutputRows
        started = [e for k, e in events if k == "started"][0]
        assert isinstance(started.id, uuid.UUID) and started.name == last.name and started.jobTags == set()
        again = listener.QueryStartedEvent.fromJson(
            {"id": str(started.id), "runId": str(started.runId), "name": "n", "timestamp": "t"})
        assert (again.id, again.name, again.jobTags) == (started.id, "n", set())
        idle = listener.QueryIdleEvent.fromJson({"id": str(started.id), "runId": str(started.runId),
                                                  "timestamp": "t"})
        assert (idle.runId, idle.timestamp) == (started.runId, "t")
        ended = [e for k, e in events if k == "terminated"][0]
        assert (ended.exception, ended.errorClassOnException) == (None, None), side
        term = listener.QueryTerminatedEvent.fromJson({"id": str(started.id), "runId": str(started.runId),
                                                       "exception": "x", "errorClassOnException": "Y"})
        assert (term.exception, term.errorClassOnException) == ("x", "Y")


def test_terminated_event_names_the_failures_error_class(tmp_path, spark, pyspark_session):
    (tmp_path / "a.json").write_text('{"k": 1}\n')
    classes = []
    for session in (spark, pyspark_session):
        listener = _listener_module(session)
        ended = []

        class Collect(listener.StreamingQueryListener):
            def onQueryStarted(self, e):
                pass

            def onQueryProgress(self, e):
                pass

            def onQueryTerminated(self, e):
                ended.append(e)

        collect = Collect()
        session.streams.addListener(collect)
        try:
            q = (session.readStream.schema("k int").json(str(tmp_path)).selectExpr("raise_error('boom') AS x")
                 .writeStream.format("memory").queryName(f"fails_{len(classes)}").start())
            with pytest.raises(Exception):
                q.awaitTermination(60)
            deadline = time.time() + 30
            while not ended and time.time() < deadline:
                time.sleep(0.05)
        finally:
            session.streams.removeListener(collect)
        classes.append((ended[0].errorClassOnException, "boom" in ended[0].exception))
    assert classes[0] == classes[1] == ("USER_RAISED_EXCEPTION", True)
