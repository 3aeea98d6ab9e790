"""The way out: with EMBER_BACKEND=spark an ember script is a PySpark script. A Spark standalone master and worker
(from the PySpark test dependency, on loopback ports) run seed 002's watermark query submitted unchanged with
spark-submit; its output is compared with the same script run on ember."""
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED002 = os.path.join(ROOT, "examples", "seed002")
SCRIPT = "stream_watermark.py"

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is absent: the Spark cluster cannot start", allow_module_level=True)

SPARK_HOME = os.path.dirname(pyspark.__file__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(log, text, proc, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited early:\n{log.read_text()}")
        if log.exists() and text in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {timeout}s:\n{log.read_text()}")


def _spark_env(tmp):
    return dict(os.environ, SPARK_HOME=SPARK_HOME, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp),
                SPARK_WORKER_DIR=str(tmp / "work"), PYSPARK_PYTHON=sys.executable,
                PYSPARK_DRIVER_PYTHON=sys.executable)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    env = _spark_env(tmp)
    spark_class = os.path.join(SPARK_HOME, "bin", "spark-class")
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    procs = []
    try:
        mlog = tmp / "master.log"
        procs.append(subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
             "--webui-port", str(_free_port())], env=env, stdout=mlog.open("w"), stderr=subprocess.STDOUT))
        _wait_for(mlog, "I have been elected leader", procs[-1])
        wlog = tmp / "worker.log"
        procs.append(subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2",
             "--memory", "1g", "--webui-port", str(_free_port()), master_url],
            env=env, stdout=wlog.open("w"), stderr=subprocess.STDOUT))
        _wait_for(wlog, "Successfully registered with master", procs[-1])
        yield master_url, env
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def _project(tmp):
    root = tmp / "seed002"
    root.mkdir(parents=True)
    for name in os.listdir(SEED002):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SEED002, name), root)
    # The seed's script writes Delta, which this offline Spark cluster cannot load: the parquet copy runs instead.
    shutil.copy(os.path.join(ROOT, "tests", "helpers", "way_out_stream_watermark.py"), root / SCRIPT)
    subprocess.run([sys.executable, "generate_batches.py", "--batches", "6", "--delay", "0",
                    "--start", "2024-01-01T12:00:00", "--step-minutes", "10", "--seed", "7"],
                   cwd=root, capture_output=True, text=True, timeout=60, check=True)
    return root


def _windows(root):
    import pyarrow.parquet as pq

    from datetime import timezone

    # Spark writes INT96 timestamps (read back without a zone), ember UTC-adjusted micros: compare the instants.
    def utc(t):
        return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t

    table = pq.read_table(str(root / "data" / "watermarked_aggregates"))
    return sorted((utc(r["window"]["start"]), r["event_type"], r["event_count"], round(r["avg_value"], 9))
                  for r in table.to_pylist())


def test_a_seed_script_submitted_to_a_spark_cluster_gives_embers_output(cluster, tmp_path):
    master_url, env = cluster
    on_ember, on_spark = _project(tmp_path / "ember"), _project(tmp_path / "spark")
    common = dict(PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"), TZ="UTC")
    e = subprocess.run([sys.executable, SCRIPT], cwd=on_ember, env=dict(os.environ, **common),
                       capture_output=True, text=True, timeout=300)
    assert e.returncode == 0, e.stdout + e.stderr
    s = subprocess.run([os.path.join(SPARK_HOME, "bin", "spark-submit"), "--master", master_url,
                        "--conf", "spark.sql.session.timeZone=UTC", "--conf", "spark.ui.enabled=false",
                        "--conf", "spark.executorEnv.EMBER_BACKEND=spark", SCRIPT],
                       cwd=on_spark, env=dict(env, EMBER_BACKEND="spark", **common),
                       capture_output=True, text=True, timeout=600)
    assert s.returncode == 0, s.stdout + s.stderr[-5000:]
    # The application ran on the cluster: its worker started executors for it in its work directory.
    assert any(name.startswith("app-") for name in os.listdir(env["SPARK_WORKER_DIR"])), s.stderr[-3000:]
    want = _windows(on_ember)
    assert want, "the ember run wrote windows"
    assert _windows(on_spark) == want
    summary = [line for line in e.stdout.splitlines() if "final windows written" in line]
    assert summary and summary[0] in s.stdout


def test_a_cluster_master_without_the_switch_names_it(tmp_path):
    code = ("from ember.sql import SparkSession\n"
            "SparkSession.builder.master('spark://127.0.0.1:7077').getOrCreate()\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    env.pop("EMBER_BACKEND", None)
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "PySparkRuntimeError" in p.stderr and "EMBER_BACKEND=spark" in p.stderr
    code = "from ember.sql import SparkSession\nSparkSession.builder.remote('sc://localhost').getOrCreate()\n"
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "Spark Connect server 'sc://localhost'" in p.stderr and "EMBER_BACKEND=spark" in p.stderr


def test_the_switch_makes_embers_modules_pysparks_own():
    code = ("import ember.sql, ember.sql.functions as F, pyspark.sql, pyspark.sql.functions as G\n"
            "from ember.sql.streaming import StreamingQuery\n"
            "from ember.errors import AnalysisException\n"
            "import pyspark.errors, pyspark.sql.streaming\n"
            "assert ember.sql is pyspark.sql and F is G\n"
            "assert AnalysisException is pyspark.errors.AnalysisException\n"
            "assert StreamingQuery is pyspark.sql.streaming.StreamingQuery\n"
            "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), EMBER_BACKEND="spark")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "ok", p.stderr
    env["EMBER_BACKEND"] = "nonsense"
    p = subprocess.run([sys.executable, "-c", "import ember"], env=env, capture_output=True, text=True, timeout=60)
    assert "EMBER_BACKEND='nonsense' is not a backend" in p.stderr
