"""Seed 003's notebooks (notebooks/ at the top), executed in order in a Jupyter kernel running this
interpreter, on data from the example's own generator; then their output files are checked with plain Python."""
import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from file_order import order_by_batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED003 = os.path.join(ROOT, "examples", "seed003")
NOTEBOOKS = os.path.join(ROOT, "notebooks")
KERNEL = "ember-seed003-tests"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.fixture(scope="module")
def kernel_manager(tmp_path_factory):
    """A kernel spec for this interpreter, written to a temporary directory and found only there: no kernel need be
    installed on the machine, and a user's own `python3` kernel (another Python) is never picked up."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(str(kernels / KERNEL), overrides={"display_name": "ember tests", "argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return lambda: KernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The example copied without data, and 24 JSON files from its generator: 2 minutes of event time from
    10:00:00, 5 records every 5 seconds."""
    root = tmp_path_factory.mktemp("seed003") / "seed003"
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns("executed_*", ".ipynb_checkpoints"))
    subprocess.run([sys.executable, os.path.join(SEED003, "main.py"), "--files", "24", "--records", "5",
                    "--interval", "0", "--start", "2024-01-01 10:00:00", "--seed", "3",
                    "--out", str(root / "data" / "json_files")], check=True, capture_output=True, timeout=120)
    return root


def _execute(name, root, kernel_manager, monkeypatch):
    # The kernel inherits the environment: UTC, so the files' timestamps read as the generator's wall times.
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("PYTHONPATH", os.path.join(ROOT, "python"))
    nb = nbformat.read(str(root / "notebooks" / name), as_version=4)
    client = nbclient.NotebookClient(nb, km=kernel_manager(), timeout=600,
                                     resources={"metadata": {"path": str(root / "notebooks")}})
    client.execute()
    nbformat.write(nb, str(root / "notebooks" / f"executed_{name}"))
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", "".join(out.get("traceback", []))
            text.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "".join(text)


def _records(root):
    """The generated records, flattened and typed as Task 1 does it."""
    out = []
    for name in sorted(os.listdir(root / "data" / "json_files")):
        with open(root / "data" / "json_files" / name, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.append({"Clicks": int(r["Analytics"]["Clicks"]), "Impressions": int(r["Analytics"]["Impressions"]),
                            "Quantity": int(r["Sales"]["Quantity"]), "Total_Price": Decimal(r["Sales"]["Total_Price"]),
                            "Datetime": datetime.strptime(r["Datetime"], "%Y-%m-%d %H:%M:%S")})
    return out


def test_notebooks_run_in_order_and_write_csv_then_final_windows(project, kernel_manager, monkeypatch):
    records = _records(project)
    assert len(records) == 120

    out1 = _execute("Task_1.ipynb", project, kernel_manager, monkeypatch)
    assert "120 rows in ../data/csv_files" in out1
    assert " |-- Analytics: struct (nullable = true)" in out1 and " |-- Total_Price: decimal(10,2) (nullable = true)" in out1
    csv_dir = project / "data" / "csv_files"
    assert (csv_dir / "_spark_metadata" / "0").exists()
    written = []
    for name in os.listdir(csv_dir):
        if name.endswith(".csv"):
            with open(csv_dir / name, encoding="utf-8") as f:
                rows = list(csv.reader(f))
            assert rows[0] == ["Clicks", "Impressions", "Quantity", "Total_Price", "Datetime"]
            written += [(int(c), int(i), int(q), Decimal(p), datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.000Z"))
                        for c, i, q, p, t in rows[1:]]
    assert sorted(written) == sorted(tuple(r.values()) for r in records)

    order_by_batch(csv_dir)
    out2 = _execute("Task_2.ipynb", project, kernel_manager, monkeypatch)
    # Expected: 10-second windows whose end the final watermark (latest event − 30 s) has reached.
    watermark = max(r["Datetime"] for r in records) - timedelta(seconds=30)
    sums = defaultdict(lambda: [0, 0, 0, 0, Decimal(0)])
    for r in records:
        start = r["Datetime"].replace(second=r["Datetime"].second // 10 * 10)
        s = sums[start]
        s[0] += 1
        s[1] += r["Clicks"]
        s[2] += r["Impressions"]
        s[3] += r["Quantity"]
        s[4] += r["Total_Price"]
    want = sorted((start, start + timedelta(seconds=10), *s) for start, s in sums.items()
                  if start + timedelta(seconds=10) <= watermark)
    assert len(want) == 8

    import pyarrow.parquet as pq

    table = pq.read_table(str(project / "data" / "parquet_files"))
    assert table.column_names == ["Window_Start", "Window_End", "Records", "Clicks", "Impressions", "Quantity",
                                  "Total_Price"]
    utc = lambda v: v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v  # noqa: E731
    got = sorted((utc(r["Window_Start"]), utc(r["Window_End"]), r["Records"], r["Clicks"], r["Impressions"],
                  r["Quantity"], r["Total_Price"]) for r in table.to_pylist())
    assert got == want
    assert "8 finished windows in ../data/parquet_files" in out2
    assert "|2024-01-01 10:00:00|2024-01-01 10:00:10|10     |85    |629        |20      |512.25     |" in out2
    assert f"final watermark {watermark.isoformat()}.000Z" in out2
    # The debugging console printed windows before they were final; the parquet batches were empty meanwhile.
    assert "Batch: 0" in out2
    import re

    finished = [int(n) for n in re.findall(r"batch \d+: (\d+) finished window\(s\)", out2)]
    assert finished[:2] == [0, 0] and sum(finished) == 8


def test_task_2_explains_the_watermark_delay():
    nb = nbformat.read(os.path.join(NOTEBOOKS, "Task_2.ipynb"), as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Why a window shows up only after the watermark passes" in text
    for nb_name in ("Task_1.ipynb", "Task_2.ipynb"):
        nb = nbformat.read(os.path.join(NOTEBOOKS, nb_name), as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "from ember.sql import SparkSession" in code and "pyspark" not in code
        assert "availableNow=True" in code
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"


def test_the_streaming_demo_runs_and_shows_what_its_committed_outputs_show(kernel_manager, monkeypatch, tmp_path):
    committed = nbformat.read(os.path.join(NOTEBOOKS, "streaming_demo.ipynb"), as_version=4)
    assert all(c.get("outputs") for c in committed.cells if c.cell_type == "code" and "rmtree" not in c.source), \
        "the demo is committed with its outputs"
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("PYTHONPATH", os.path.join(ROOT, "python"))
    nb = nbformat.read(str(tmp_path / "notebooks" / "streaming_demo.ipynb"), as_version=4)
    nbclient.NotebookClient(nb, km=kernel_manager(), timeout=300,
                            resources={"metadata": {"path": str(tmp_path / "notebooks")}}).execute()

    def shown(cell):
        """The cell's printed text (however the kernel split it into messages) and its displayed values."""
        outs = cell.get("outputs", [])
        text = "".join(o.get("text", "") for o in outs if o["output_type"] == "stream")
        values = [o["data"].get("text/plain") for o in outs if o["output_type"] == "execute_result"]
        return text, values

    for ran, kept in zip(nb.cells, committed.cells):
        if ran.cell_type != "code":
            continue
        assert not [o for o in ran.get("outputs", []) if o["output_type"] == "error"], ran.source
        # Tables and printed figures match the committed notebook (progress timings and temp paths aside).
        if "json.dumps" in ran.source and "lastProgress" in ran.source:
            continue
        assert shown(ran) == shown(kept), ran.source
    console_cell = next(c for c in nb.cells if c.cell_type == "code" and 'format("console")' in c.source)
    assert "Batch: 1" in "".join(o.get("text", "") for o in console_cell.outputs), "console output in its own cell"
    html = [o for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert html and "<table" in html[0]["data"]["text/html"]
