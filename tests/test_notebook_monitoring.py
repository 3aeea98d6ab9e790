"""The notebook view of a streaming query: a notebook run in a Jupyter kernel displays a StreamingQuery (status and
progress charts) and `ember.monitoring.plot_progress` draws a finished query's `recentProgress`; the output HTML
is checked."""
import re
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

KERNEL = "ember-monitoring-tests"

CELLS = [
    """import json, pathlib, tempfile
from ember.sql import SparkSession, functions as F
from ember.monitoring import plot_progress
spark = SparkSession.builder.getOrCreate()
spark.conf.set("spark.ui.enabled", "false")
root = pathlib.Path(tempfile.mkdtemp())
(root / "in").mkdir()
q = (spark.readStream.schema("k string, v long").json(str(root / "in")).groupBy("k").count()
     .writeStream.format("noop").outputMode("update").queryName("nb_counts")
     .option("checkpointLocation", str(root / "ckpt")).start())
for i in range(3):
    (root / "in" / f"{i}.json").write_text("\\n".join(json.dumps({"k": k, "v": i}) for k in "abc"[: i + 1]))
    q.processAllAvailable()
q""",
    """from ember.monitoring import watch
watch(q, interval=0.1, timeout=0.5)""",
    """q.stop()
plot_progress(q.recentProgress)""",
]


def html_of(cell):
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs if o.get("output_type") in
                   ("execute_result", "display_data"))


def test_a_query_and_its_progress_render_in_a_notebook(tmp_path):
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    write_kernel_spec(str(tmp_path / "kernels" / KERNEL), overrides={"display_name": "ember tests", "argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(nb, km=KernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm), timeout=300)
    client.execute()
    nbformat.write(nb, str(tmp_path / "executed.ipynb"))

    running = html_of(nb.cells[0])
    assert "nb_counts" in running and ">RUNNING<" in running
    assert re.search(r'class="ember-latest-batch">2<', running)
    rates = re.search(r'<svg class="ember-progress" data-chart="rates" data-batches="3"(.*?)</svg>', running, re.S)
    assert rates and "<polyline" in rates.group(1)
    assert 'data-chart="stateRows" data-batches="3"' in running

    # watch() shows the running query in one display (redrawn in place every interval until the timeout).
    watched = html_of(nb.cells[1])
    assert ">RUNNING<" in watched and 'data-chart="rates" data-batches="3"' in watched

    finished = html_of(nb.cells[2])
    assert 'data-chart="rates" data-batches="3"' in finished
    duration = re.search(r'data-chart="duration" data-batches="3"(.*?)</svg>', finished, re.S)
    assert duration and "<rect" in duration.group(1)
