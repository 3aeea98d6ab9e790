"""Seed 001 example 06 (applyInPandasWithState) and its transformWithState variant (06b) run to completion and
print PySpark's batches."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_stateful_operations_example_times_users_out():
    pytest.importorskip("pandas")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "seed001", "06_stateful_operations.py")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # Captured from PySpark 4.3 running the same script with the pyspark import.
    assert "Batch: 3" in out.stdout
    assert "|alice  |11   |timed out|\n|bob    |3    |timed out|" in out.stdout
    assert "|carol  |3    |active|" in out.stdout


def test_transform_with_state_variant_times_users_out():
    """Example 06b (transformWithStateInPandas, a ValueState and an event-time timer) prints the same batches as
    PySpark 4.3 running it with the pyspark import."""
    pytest.importorskip("pandas")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    script = os.path.join(ROOT, "examples", "seed001", "06b_stateful_transform_with_state.py")
    out = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    batches = out.stdout.split("-------------------------------------------")
    text = "\n".join(batches)
    assert "Batch: 3" in text
    assert "|alice  |7    |active|" in text and "|bob    |3    |active|" in text
    assert "|alice  |11   |active|" in text and "|carol  |3    |active|" in text
    last = out.stdout[out.stdout.index("Batch: 3"):]
    assert "|alice  |11   |timed out|" in last and "|bob    |3    |timed out|" in last
