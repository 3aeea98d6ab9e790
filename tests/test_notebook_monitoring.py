"""The notebook view of a streaming query: a notebook run in a Jupyter kernel displays a StreamingQuery (status and
progress charts) and `ember.monitoring.plot_progress` draws a finished query's `recentProgress`; the output HTML
is checked. `watch` is also driven through IPython's display machinery while a query runs, update by update."""
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
spark = SparkSession.builder.config("spark.ui.enabled", "false").getOrCreate()
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


def test_the_display_updates_while_the_query_runs(spark, tmp_path):
    """`watch` drives IPython's display machinery (one display, then updates of it by display id) while files
    arrive: the displayed latest batch and the charts' batch counts grow from one update to the next, then the
    display ends on the stopped query."""
    import json
    import threading
    import time

    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    from ember.monitoring import watch

    src = tmp_path / "in"
    src.mkdir()
    q = (spark.readStream.schema("k string, v long").json(str(src)).groupBy("k").count()
         .writeStream.format("noop").outputMode("update").queryName("watched_counts").start())

    def feed():
        try:
            for i in range(4):
                (src / f"{i}.json").write_text(json.dumps({"k": "abcd"[i], "v": i}) + "\n")
                deadline = time.monotonic() + 60
                while (q.lastProgress or {}).get("batchId", -1) < i and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(0.4)  # a few redraws per batch
        finally:
            q.stop()

    shell = InteractiveShell.instance()
    saved, shell.display_pub = shell.display_pub, CapturingDisplayPublisher()
    feeder = threading.Thread(target=feed)
    try:
        feeder.start()
        watch(q, interval=0.1, timeout=120)
        feeder.join()
        outputs = list(shell.display_pub.outputs)
    finally:
        shell.display_pub = saved
        InteractiveShell.clear_instance()
        q.stop()

    assert not outputs[0]["update"] and all(o["update"] for o in outputs[1:])
    assert len({o["transient"]["display_id"] for o in outputs}) == 1
    shown = [o["data"]["text/html"] for o in outputs]
    latest = [re.search(r'class="ember-latest-batch">([^<]*)<', h).group(1) for h in shown]
    charted = [int(m.group(1)) if (m := re.search(r'data-chart="rates" data-batches="(\d+)"', h)) else 0
               for h in shown]
    distinct = [b for i, b in enumerate(latest) if i == 0 or b != latest[i - 1]]
    # Each batch was on screen while it was the latest one, in order, while the query ran.
    assert [b for b in distinct if b.isdigit()] == ["0", "1", "2", "3"], distinct
    assert charted == sorted(charted) and charted[-1] == 4
    assert all(">RUNNING<" in h for h, b in zip(shown, latest) if b in ("0", "1", "2"))
    assert ">FINISHED<" in shown[-1] and latest[-1] == "3"
