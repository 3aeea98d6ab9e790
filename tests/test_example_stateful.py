"""Seed 001 example 06 (applyInPandasWithState) runs to completion and prints PySpark's batches."""
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
