"""The streaming monitoring page in a real browser: headless Chromium loads it while a query runs (the query
listed, charts drawn from its progress, numbers moving between two loads), a screenshot is saved, the page listens
on loopback only, and `spark.ui.enabled=false` turns it off."""
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from urllib.parse import urlparse

import pytest

from ember import _native
from ember.sql import functions as F

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args, timeout=120):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--hide-scrollbars", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def dump_dom(url, profile):
    # The virtual-time budget lets the page's script run its polls before the DOM is dumped.
    out = chromium(f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url)
    assert "<table id=\"queries\"" in out.stdout, out.stderr[-2000:]
    return out.stdout


def row_of(dom, run_id):
    m = re.search(r'<tr data-run-id="%s"[^>]*>(.*?)</tr>' % re.escape(run_id), dom, re.S)
    assert m, f"query {run_id} is not listed"
    return m.group(1)


def cell(row, cls):
    return re.search(r'<td class="%s">([^<]*)</td>' % cls, row).group(1)


def wait_batches(query, n):
    deadline = time.time() + 120
    while len(query.recentProgress) < n:
        assert time.time() < deadline, "the query made no progress"
        assert query.isActive, query.exception()
        time.sleep(0.1)


def listening_addresses(port):
    """The local addresses of the sockets listening on `port`, from the kernel's tables."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state == "0A" and int(p, 16) == port:
                found.append(addr if width == 32 else socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return found


@pytest.fixture(scope="module")
def running(spark, tmp_path_factory):
    df = (spark.readStream.format("rate").option("rowsPerSecond", 200).load()
          .withWatermark("timestamp", "2 seconds")
          .groupBy(F.window("timestamp", "1 second"))
          .count())
    q = (df.writeStream.format("noop").outputMode("update").queryName("ui_rate_counts")
         .option("checkpointLocation", str(tmp_path_factory.mktemp("ui") / "ckpt"))
         .trigger(processingTime="200 milliseconds").start())
    try:
        yield q
    finally:
        q.stop()


def test_the_page_listens_on_loopback_only(spark, running):
    url = spark.sparkContext.uiWebUrl
    parsed = urlparse(url)
    assert parsed.scheme == "http" and parsed.hostname == "127.0.0.1"
    assert listening_addresses(parsed.port) == ["127.0.0.1"]


def test_json_api_lists_the_query_and_its_progress(spark, running):
    wait_batches(running, 2)
    base = spark.sparkContext.uiWebUrl
    listed = json.load(urllib.request.urlopen(base + "/api/queries"))["queries"]
    mine = [q for q in listed if q["runId"] == running.runId]
    assert mine and mine[0]["status"] == "RUNNING" and mine[0]["name"] == "ui_rate_counts"
    assert mine[0]["id"] == running.id and mine[0]["batches"] >= 2
    detail = json.load(urllib.request.urlopen(f"{base}/api/queries/{running.runId}"))
    assert [p["batchId"] for p in detail["recentProgress"]][:2] == [0, 1]
    assert detail["recentProgress"][-1]["stateOperators"][0]["operatorName"] == "stateStoreSave"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
def test_chromium_shows_the_running_query_with_live_charts(spark, running, tmp_path):
    url = spark.sparkContext.uiWebUrl + "/"
    wait_batches(running, 3)
    first = dump_dom(url, tmp_path / "profile")
    row = row_of(first, running.runId)
    assert "ui_rate_counts" in row and "RUNNING" in row
    batches_before = int(cell(row, "batches"))
    assert batches_before >= 3
    # The selected query is the running one: its charts are drawn from its progress.
    for name in ("rates", "inputRows", "duration", "stateRows", "stateMemory", "watermark"):
        m = re.search(r'<svg class="chart" data-chart="%s" data-batches="(\d+)"(.*?)</svg>' % name, first, re.S)
        assert m, f"chart {name} is missing"
        assert int(m.group(1)) >= 3
        assert re.search(r'<polyline[^>]*points="[\d.]+,[\d.]+ [\d.]+,[\d.]+', m.group(2)) or \
            (name == "duration" and '<rect class="bar"' in m.group(2)), f"chart {name} has no data drawn"

    wait_batches(running, batches_before + 3)
    second = dump_dom(url, tmp_path / "profile")
    latest_before = int(cell(row, "latest-batch"))
    latest_after = int(cell(row_of(second, running.runId), "latest-batch"))
    assert latest_after > latest_before

    shot = tmp_path / "monitoring.png"
    chromium(f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--window-size=1280,1100",
             f"--screenshot={shot}", url)
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failed_query_shows_its_exception(spark):
    def fail(df, batch_id):
        raise ValueError("the batch function broke")

    q = spark.readStream.format("rate").load().writeStream.foreachBatch(fail).start()
    with pytest.raises(Exception):
        q.awaitTermination(60)
    base = spark.sparkContext.uiWebUrl
    detail = json.load(urllib.request.urlopen(f"{base}/api/queries/{q.runId}"))["query"]
    assert detail["status"] == "FAILED"
    assert "the batch function broke" in detail["exception"]
    if CHROMIUM:
        dom = chromium("--virtual-time-budget=3000", "--dump-dom", f"{base}/#{q.runId}").stdout
        m = re.search(r'<pre id="exception">(.*?)</pre>', dom, re.S)
        assert m and "the batch function broke" in m.group(1)


def test_disabled_ui_has_no_url(spark):
    # A core config: Spark takes it from the builder only (spark.conf.set refuses it with CANNOT_MODIFY_CONFIG).
    from ember.sql import SparkSession

    session = SparkSession.builder.config("spark.ui.enabled", "false").getOrCreate()
    try:
        assert session.sparkContext.uiWebUrl is None
    finally:
        session._jsession.conf_unset("spark.ui.enabled")
