"""The error model: one message table for the engine and Python, conditions with parameters, the cause chain."""
import json
import os

import pytest

import ember.errors as errors
from ember import _native
from ember.errors import AnalysisException, PySparkTypeError, StreamingQueryException
from ember.testing import MemoryStream


def test_python_and_engine_read_the_same_table():
    path = os.path.join(os.path.dirname(errors.__file__), "error_conditions.json")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert _native._ERROR_CONDITIONS_JSON == text
    assert errors.error_conditions() == json.loads(text)


def test_python_renders_from_the_table():
    e = errors._error(PySparkTypeError, "NOT_STR", arg_name="col", arg_type="int")
    assert str(e) == "[NOT_STR] Argument `col` should be a str, got int."
    assert e.getCondition() == "NOT_STR"
    assert e.getMessageParameters() == {"arg_name": "col", "arg_type": "int"}
    # One pass: a value that looks like a placeholder is not substituted again.
    e = errors._error("PySparkValueError", "UNSUPPORTED_DATA_TYPE", data_type="array<data_type>")
    assert str(e) == "[UNSUPPORTED_DATA_TYPE] Unsupported DataType `array<data_type>`."


def test_engine_error_carries_condition_and_parameters(spark):
    with pytest.raises(AnalysisException) as info:
        spark.range(1).select("nope").collect()
    e = info.value
    assert e.getCondition() == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
    assert e.getErrorClass() == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
    assert e.getMessageParameters() == {"objectName": "`nope`", "proposal": "`id`"}
    assert e.getSqlState() == "42703"


def test_foreach_batch_exception_is_the_cause_of_stream_failed(spark):
    ms = MemoryStream("x INT", spark)

    def divide(df, batch_id):
        return 1 / 0

    q = ms.toDF().writeStream.foreachBatch(divide).start()
    ms.addData([1])
    with pytest.raises(StreamingQueryException) as info:
        q.awaitTermination(10)
    e = info.value
    assert e.getCondition() == "STREAM_FAILED"
    assert str(e).startswith("[STREAM_FAILED] Query [id = ")
    assert ("terminated with exception: [FOREACH_BATCH_USER_FUNCTION_ERROR] An error occurred in the user provided "
            "function in foreach batch sink. Reason: ZeroDivisionError: division by zero") in str(e)
    assert str(e).endswith(" SQLSTATE: 39000 SQLSTATE: XXKST")
    assert set(e.getMessageParameters()) == {"id", "runId", "message"}
    # The causes as Spark chains them (the foreachBatch error, then the user's exception itself, with its
    # traceback, as Python users expect from `raise ... from`).
    assert e.__cause__.getCondition() == "FOREACH_BATCH_USER_FUNCTION_ERROR"
    assert isinstance(e.__cause__.__cause__, ZeroDivisionError)
    assert e.__cause__.__cause__.__traceback__ is not None
    assert str(q.exception()) == str(e)


def test_every_condition_raised_from_python_has_a_template():
    import glob
    import re

    table = errors.error_conditions()
    root = os.path.dirname(os.path.dirname(errors.__file__))
    used = set()
    for path in glob.glob(os.path.join(root, "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        # `_error(cls, "CONDITION")` or `_error(cls, "CONDITION", name=value, ...)`: the text comes from the table.
        used.update(re.findall(r'_error\(\s*[\w."]+,\s*"([A-Z_.]+)"\s*(?=\)|,\s*\w+=)', source))
    assert used, "no _error call sites found"
    assert sorted(used - set(table)) == []
