"""transformWithState's analysis and runtime errors on ember and on PySpark 4.3 (skipped without it): where each is
raised (building the DataFrame, ``start()``, or the running query) and its class and message.

PySpark 4.3 runs the processor's ``init`` on the driver while the first batch is planned, so a declaration error
fails the running query (``StreamingQueryException`` from ``awaitTermination``), never the DataFrame's building
or ``start()``. Where PySpark's Python worker reports the error it carries the ``[CONDITION] message`` in its
traceback, which ember's StreamingQueryException carries too; where PySpark's driver-side worker just dies
("exited unexpectedly (crashed)") there is no condition to compare, and ember's is checked on its own."""
import json
import os

import pytest

pd = pytest.importorskip("pandas")

ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"


@pytest.fixture
def oracle(pyspark_session):
    key = "spark.sql.streaming.stateStore.providerClass"
    old = pyspark_session.conf.get(key)
    pyspark_session.conf.set(key, ROCKSDB)
    yield pyspark_session
    pyspark_session.conf.set(key, old)


@pytest.fixture
def events(tmp_path):
    d = tmp_path / "events"
    d.mkdir()
    (d / "part0.json").write_text(json.dumps({"k": "a", "ts": "2024-01-01 00:00:01", "v": 1}) + "\n")
    os.utime(d / "part0.json", (1_700_000_000, 1_700_000_000))
    return str(d)


class Misdeclared:
    """A processor that breaks one rule of the handle: in `init` or in `handleInputRows`."""

    def __init__(self, how):
        self.how = how

    def init(self, handle):
        self.handle = handle
        if self.how == "duplicate":
            handle.getValueState("v", "x LONG")
            handle.getListState("v", "x LONG")
        elif self.how == "ttl_zero":
            handle.getValueState("v", "x LONG", 0)
        elif self.how == "ttl_without_processing_time":
            handle.getValueState("v", "x LONG", 1000)
        elif self.how == "timer_in_init":
            handle.registerTimer(10)

    def handleInputRows(self, key, rows, timerValues):
        if self.how == "timer_without_time_mode":
            self.handle.registerTimer(10)
        elif self.how == "state_declared_in_handle_input_rows":
            self.handle.getValueState("late", "x LONG")
        elif self.how == "delete_in_handle_input_rows":
            self.handle.deleteIfExists("v")
        return iter([])

    def close(self):
        pass


def _source(s, path):
    return s.readStream.schema("k STRING, ts TIMESTAMP, v INT").json(path)


def _first_error(action):
    try:
        action()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    raise AssertionError("no error")


def _fails_while_running(s, path, how, time_mode="None"):
    """Builds and starts without error; returns the running query's failure."""
    df = _source(s, path).groupBy("k").transformWithStateInPandas(Misdeclared(how), "k STRING", "Append", time_mode)
    q = df.writeStream.format("noop").trigger(availableNow=True).start()
    with pytest.raises(Exception) as e:
        q.awaitTermination()
    return e.value


PROCESSOR_ERRORS = {
    "ttl_without_processing_time": (
        "STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL",
        "Cannot use TTL for state=v in timeMode=NoTime, use TimeMode.ProcessingTime() instead."),
    "timer_without_time_mode": (
        "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_TIME_MODE",
        "Failed to perform stateful processor operation=register_timer with invalid timeMode=NoTime"),
    "state_declared_in_handle_input_rows": (
        "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
        "Failed to perform stateful processor operation=get_value_state with invalid handle state=INITIALIZED."),
    # Spark drops a state variable only while init runs.
    "delete_in_handle_input_rows": (
        "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE",
        "Failed to perform stateful processor operation=delete_if_exists with invalid handle state=INITIALIZED."),
}


@pytest.mark.parametrize("how", sorted(PROCESSOR_ERRORS))
def test_errors_reported_by_the_processor_on_a_batch_dataframe(spark, oracle, how):
    """PySpark reports these from its Python worker as a PythonException carrying the condition and message."""
    condition, message = PROCESSOR_ERRORS[how]
    got = []
    for s in (spark, oracle):
        df = s.createDataFrame([("a", 1)], "k STRING, v INT").groupBy("k").transformWithStateInPandas(
            Misdeclared(how), "k STRING", "Append", "None")
        e = _first_error(df.collect)
        got.append(type(e).__name__)
        assert f"[{condition}] {message}" in str(e), str(e)
    assert got == ["PythonException", "PythonException"]


@pytest.mark.parametrize("how", ["ttl_without_processing_time", "timer_without_time_mode",
                                 "delete_in_handle_input_rows"])
def test_errors_reported_by_the_processor_fail_the_running_query(events, spark, oracle, how):
    """The same errors in a stream fail the query (ember's message checked: PySpark's, on this loaded machine,
    sometimes reports its Python worker's failure to connect back instead)."""
    condition, message = PROCESSOR_ERRORS[how]
    ours = _fails_while_running(spark, events, how)
    theirs = _fails_while_running(oracle, events, how)
    assert type(ours).__name__ == type(theirs).__name__ == "StreamingQueryException"
    assert f"[{condition}] {message}" in str(ours), str(ours)


@pytest.mark.parametrize("how,condition", [
    ("duplicate", "STATEFUL_PROCESSOR_DUPLICATE_STATE_VARIABLE_DEFINED"),
    ("timer_in_init", "STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_TIME_MODE"),
])
def test_declaration_errors_fail_the_running_query(events, spark, oracle, how, condition):
    """PySpark's driver-side worker crashes on these (no condition in its error); ember names the rule broken."""
    ours = _fails_while_running(spark, events, how)
    theirs = _fails_while_running(oracle, events, how)
    assert type(ours).__name__ == type(theirs).__name__ == "StreamingQueryException"
    assert f"[{condition}]" in str(ours), str(ours)


def test_ttl_must_be_positive(events, spark):
    """PySpark 4.3's query hangs on a TTL of 0 (its driver-side worker never answers); ember fails it."""
    e = _fails_while_running(spark, events, "ttl_zero", "ProcessingTime")
    assert "[STATEFUL_PROCESSOR_TTL_DURATION_MUST_BE_POSITIVE] TTL duration must be greater than zero for State " \
           "store operation=update on state=v." in str(e)


@pytest.mark.parametrize("case", ["unknown_time_mode", "invalid_output_mode"])
def test_errors_when_the_dataframe_is_built(events, spark, oracle, case):
    mode, time_mode = ("Append", "Later") if case == "unknown_time_mode" else ("Foo", "None")
    got = []
    for s in (spark, oracle):
        e = _first_error(lambda: _source(s, events).groupBy("k").transformWithStateInPandas(
            Misdeclared("ok"), "k STRING", mode, time_mode))
        got.append((type(e).__name__, e.getCondition(), str(e)))
    assert got[0] == got[1]


def test_complete_mode_is_refused_at_start(events, spark, oracle):
    got = []
    for s in (spark, oracle):
        df = _source(s, events).groupBy("k").transformWithStateInPandas(Misdeclared("ok"), "k STRING", "Complete",
                                                                         "None")
        e = _first_error(lambda: df.writeStream.outputMode("complete").format("noop").start())
        got.append((type(e).__name__, e.getCondition(), str(e).split("\n")[0]))
    assert got[0] == got[1]


def test_processor_init_runs_at_start_not_when_the_dataframe_is_built(events, spark, oracle):
    """Building the DataFrame runs none of the processor: a broken init surfaces only once the query runs."""
    for s in (spark, oracle):
        _source(s, events).groupBy("k").transformWithStateInPandas(Misdeclared("duplicate"), "k STRING", "Append",
                                                                    "None")
