"""Logging: the "ember" logger family reports query start, stop and failure, and is silent unless configured."""
import logging
import os
import subprocess
import sys
import time

import pytest

from ember.errors import StreamingQueryException
from ember.testing import MemoryStream

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _records(caplog, predicate, timeout=10.0):
    """The captured ember records matching `predicate`, waiting a little: start events come from the query's
    thread."""
    deadline = time.time() + timeout
    while True:
        found = [r for r in caplog.records if r.name.startswith("ember") and predicate(r)]
        if found or time.time() > deadline:
            return found
        time.sleep(0.02)


def test_ember_logger_has_a_null_handler():
    handlers = logging.getLogger("ember").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_query_start_and_stop_are_logged(spark, caplog):
    caplog.set_level(logging.INFO, logger="ember")
    ms = MemoryStream("v INT", spark)
    q = ms.toDF().writeStream.format("memory").queryName("logged_query").start()
    ms.addData([(1,), (2,)])
    q.processAllAvailable()
    pretty = f"logged_query [id = {q.id}, runId = {q.runId}]"
    started = _records(caplog, lambda r: r.getMessage().startswith("Started streaming query"))
    assert [r.getMessage() for r in started] == [f"Started streaming query {pretty}"]
    rec = started[0]
    assert rec.name == "ember.streaming" and rec.levelno == logging.INFO
    assert (rec.query_id, rec.run_id, rec.query_name) == (q.id, q.runId, "logged_query")
    q.stop()
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("ember")]
    assert messages[-2:] == [f"Stopping query {pretty}", f"Query {pretty} terminated"]
    # Stopping a stopped query logs nothing more.
    q.stop()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("ember")][-1] == f"Query {pretty} terminated"


def test_query_without_name_and_ending_by_itself(spark, caplog, tmp_path):
    caplog.set_level(logging.INFO, logger="ember")
    (tmp_path / "a.csv").write_text("1\n2\n")
    q = spark.readStream.schema("v INT").csv(str(tmp_path)).writeStream.format("noop") \
        .trigger(availableNow=True).start()
    q.awaitTermination()
    pretty = f"[id = {q.id}, runId = {q.runId}]"
    ended = _records(caplog, lambda r: r.getMessage() == f"Query {pretty} terminated")
    assert len(ended) == 1 and ended[0].query_name is None
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("ember")]
    assert messages.index(f"Started streaming query {pretty}") < messages.index(f"Query {pretty} terminated")
    assert not any(m.startswith("Stopping") for m in messages)


def test_query_failure_is_logged_with_the_exception(spark, caplog):
    caplog.set_level(logging.INFO, logger="ember")
    ms = MemoryStream("v INT", spark)

    def fail(df, batch_id):
        raise ValueError("sink is broken")

    q = ms.toDF().writeStream.foreachBatch(fail).queryName("failing_query").start()
    ms.addData([(1,)])
    with pytest.raises(StreamingQueryException):
        q.awaitTermination()
    errors = _records(caplog, lambda r: r.levelno == logging.ERROR)
    assert len(errors) == 1
    rec = errors[0]
    assert rec.name == "ember.streaming"
    assert rec.getMessage() == f"Query failing_query [id = {q.id}, runId = {q.runId}] terminated with error"
    exc = rec.exc_info[1]
    assert isinstance(exc, StreamingQueryException) and "sink is broken" in str(exc)
    assert "sink is broken" in caplog.text


def test_nothing_is_printed_without_logging_configuration():
    # A failing query logs an ERROR record; without a handler configured it must not reach stderr (Python's
    # last-resort handler would print it if the "ember" logger had no handler at all).
    code = (
        "from ember.sql import SparkSession\n"
        "from ember.testing import MemoryStream\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "ms = MemoryStream('v INT', spark)\n"
        "def fail(df, i):\n"
        "    raise ValueError('boom')\n"
        "q = ms.toDF().writeStream.foreachBatch(fail).start()\n"
        "ms.addData([(1,)])\n"
        "try:\n"
        "    q.awaitTermination()\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "StreamingQueryException\n"
    assert "terminated with error" not in p.stderr and "boom" not in p.stderr
