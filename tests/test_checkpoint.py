"""Checkpoints and exactly-once restarts: the layout, restarts per sink and per stateful operator, clear errors,
and a job killed with SIGKILL at random moments that still ends with exactly the output of an uninterrupted run."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

import ember.sql.functions as F
from ember.errors import StreamingQueryException
from ember.testing import MemoryStream

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _write_inputs(d, files=24, rows=20):
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(7)
    for i in range(files):
        p = os.path.join(d, f"part{i:03d}.json")
        with open(p, "w") as f:
            for j in range(rows):
                sec = i * 5 + rnd.randint(-8, 3)
                ts = f"2024-01-01 00:{sec // 60:02d}:{sec % 60:02d}" if sec >= 0 else "2024-01-01 00:00:00"
                f.write(json.dumps({"k": rnd.choice("abc"), "ts": ts, "v": rnd.randint(1, 9)}) + "\n")
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


def _write_join_inputs(d, files=16, rows=6):
    """Clicks and purchases, one file per micro-batch and side, with late rows and purchases out of range."""
    rnd = random.Random(5)
    for side, names in (("clicks", ("ck", "ct", "cv")), ("purchases", ("pk", "pt", "pv"))):
        os.makedirs(os.path.join(d, side), exist_ok=True)
        for i in range(files):
            p = os.path.join(d, side, f"part{i:03d}.json")
            with open(p, "w") as f:
                for j in range(rows):
                    sec = max(0, i * 5 + rnd.randint(-12, 8))
                    row = (rnd.choice("abcdefgh"), f"2024-01-01 00:{sec // 60:02d}:{sec % 60:02d}", i * 100 + j)
                    f.write(json.dumps(dict(zip(names, row))) + "\n")
            os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


def _copy_inputs(src, dst):
    """The inputs with their modification times (the file source takes files in that order)."""
    for dirpath, _, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            shutil.copy2(os.path.join(dirpath, f), os.path.join(dst, rel, f))


def _run_job(root, slow=0.0, script="fault_query.py"):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    return subprocess.Popen([sys.executable, os.path.join(HERE, "helpers", script), root, str(slow)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outputs(spark, root):
    parquet = sorted(tuple(str(x) for x in r) for r in spark.read.parquet(f"{root}/out_parquet").collect())
    batches = {}
    for d in sorted(os.listdir(f"{root}/out_batches")):
        rows = spark.read.json(f"{root}/out_batches/{d}").collect() if os.listdir(f"{root}/out_batches/{d}") else []
        batches[d] = sorted(tuple(str(x) for x in r) for r in rows)
    return parquet, batches


def test_killed_at_random_moments_the_job_ends_with_exactly_the_uninterrupted_output(tmp_path, spark):
    clean, killed = str(tmp_path / "clean"), str(tmp_path / "killed")
    _write_inputs(f"{clean}/input")
    shutil.copytree(f"{clean}/input", f"{killed}/input")
    for f in os.listdir(f"{killed}/input"):
        st = os.stat(f"{clean}/input/{f}")
        os.utime(f"{killed}/input/{f}", (st.st_atime, st.st_mtime))
    p = _run_job(clean)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "done" in out, err
    expected = _outputs(spark, clean)
    assert expected[0] and len(expected[1]) >= 24

    rnd = random.Random(11)
    kills = 0
    attempts = 0
    while kills < 20 and attempts < 200:
        attempts += 1
        p = _run_job(killed, slow=0.04)
        time.sleep(rnd.uniform(0.15, 1.2))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate(timeout=60)
        if p.returncode == 0:
            # Finished before the kill: start over so that every kill lands in a running job.
            shutil.rmtree(killed)
            shutil.copytree(f"{clean}/input", f"{killed}/input")
            for f in os.listdir(f"{killed}/input"):
                st = os.stat(f"{clean}/input/{f}")
                os.utime(f"{killed}/input/{f}", (st.st_atime, st.st_mtime))
    assert kills >= 20
    p = _run_job(killed)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "done" in out, err
    assert _outputs(spark, killed) == expected


def test_killed_join_ends_with_exactly_the_uninterrupted_output(tmp_path, spark):
    """SIGKILL while a stream-stream join runs, restart on the same checkpoints, again and again: the file sink and
    the foreachBatch directories hold each joined row once (inner matches and outer rows released by the
    watermark alike), exactly as a run never interrupted."""
    clean, killed = str(tmp_path / "clean"), str(tmp_path / "killed")
    _write_join_inputs(f"{clean}/input")
    _copy_inputs(f"{clean}/input", f"{killed}/input")
    p = _run_job(clean, script="fault_join_query.py")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "done" in out, err
    expected = _outputs(spark, clean)
    # Matches and null-padded clicks both reach the sink.
    assert any(r[3] == "None" for r in expected[0]) and any(r[3] != "None" for r in expected[0])
    assert len(expected[1]) >= 16

    rnd = random.Random(13)
    kills = attempts = mid_stream = 0
    while kills < 12 and attempts < 120:
        attempts += 1
        commits = f"{killed}/ck_parquet/commits"
        committed = lambda: len(os.listdir(commits)) if os.path.isdir(commits) else 0  # noqa: E731
        # Kill once a random number of further batches has committed (a quarter of the time during the start-up):
        # counting commits rather than sleeping keeps the kills mid-stream on slow and fast machines alike.
        before = committed()
        target = before if rnd.random() < 0.25 else rnd.randint(before + 1, max(before + 1, len(expected[1]) - 1))
        p = _run_job(killed, slow=0.04, script="fault_join_query.py")
        deadline = time.monotonic() + 60
        while p.poll() is None and committed() < target and time.monotonic() < deadline:
            time.sleep(0.005)
        if target == before:
            time.sleep(rnd.uniform(0.0, 0.3))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
            mid_stream += os.path.isdir(commits) and 0 < len(os.listdir(commits)) < len(expected[1])
        p.communicate(timeout=60)
        if p.returncode == 0:
            # Finished before the kill: start over so that every kill lands in a running job.
            shutil.rmtree(killed)
            _copy_inputs(f"{clean}/input", f"{killed}/input")
    assert kills >= 12 and mid_stream >= 3, (kills, mid_stream)
    p = _run_job(killed, script="fault_join_query.py")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "done" in out, err
    assert _outputs(spark, killed) == expected


def _agg_query(src, ck, out, mode="update"):
    return (src.toDF().groupBy("k").agg(F.sum("v").alias("s")).writeStream.outputMode(mode)
            .option("checkpointLocation", ck)
            .foreachBatch(lambda df, b: out.append((b, sorted(tuple(r) for r in df.collect())))).start())


def test_layout_and_restart_of_an_aggregation(spark, tmp_path):
    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING, v INT", spark)
    out = []
    q = _agg_query(src, ck, out)
    src.addData([("a", 1), ("b", 2)])
    q.processAllAvailable()
    first_id, first_run = q.id, q.runId
    q.stop()
    assert sorted(os.listdir(ck)) == ["commits", "metadata", "offsets", "state"]
    assert json.loads(open(f"{ck}/metadata").read()) == {"id": first_id}
    lines = open(f"{ck}/offsets/0").read().splitlines()
    assert lines[0] == "v1" and json.loads(lines[1])["batchWatermarkMs"] == 0
    assert json.loads(open(f"{ck}/commits/0").read().splitlines()[1]) == {"nextBatchWatermarkMs": 0}
    assert sorted(os.listdir(f"{ck}/state/0")) == ["0", "1", "_metadata"]
    q = _agg_query(src, ck, out)
    src.addData([("a", 10)])
    q.processAllAvailable()
    assert (q.id, q.runId != first_run) == (first_id, True)
    q.stop()
    assert out == [(0, [("a", 1), ("b", 2)]), (1, [("a", 11)])]


def test_fsynced_checkpoints_restart_the_same_and_a_bad_setting_is_named(spark, tmp_path):
    # ember.streaming.checkpoint.fsync=true makes every per-batch file durable against power loss; the layout and
    # the restart are the same as without it.
    spark.conf.set("ember.streaming.checkpoint.fsync", "true")
    try:
        test_layout_and_restart_of_an_aggregation(spark, tmp_path / "fsync")
    finally:
        spark.conf.unset("ember.streaming.checkpoint.fsync")
    spark.conf.set("ember.streaming.checkpoint.fsync", "sometimes")
    try:
        src = MemoryStream("k STRING, v INT", spark)
        with pytest.raises(Exception, match="ember.streaming.checkpoint.fsync should be boolean, but was sometimes"):
            q = _agg_query(src, str(tmp_path / "bad"), [])
            q.awaitTermination(10)
    finally:
        spark.conf.unset("ember.streaming.checkpoint.fsync")


def test_offsets_and_commits_keep_min_batches_to_retain_across_restarts(spark, tmp_path):
    spark.conf.set("spark.sql.streaming.minBatchesToRetain", "3")
    try:
        ck = str(tmp_path / "ck")
        src = MemoryStream("k STRING, v INT", spark)
        out = []
        for run in range(3):
            q = _agg_query(src, ck, out)
            for i in range(4):
                src.addData([("a", i)])
                q.processAllAvailable()
            q.stop()
        for d in ("offsets", "commits"):
            assert sorted(int(f) for f in os.listdir(f"{ck}/{d}")) == [9, 10, 11], d
    finally:
        spark.conf.unset("spark.sql.streaming.minBatchesToRetain")


def test_an_uncommitted_batch_is_replayed_with_the_same_id_and_rows(spark, tmp_path):
    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING, v INT", spark)
    seen = []
    fail = {"on": True}

    def sink(df, batch_id):
        rows = sorted(tuple(r) for r in df.collect())
        seen.append((batch_id, rows))
        if batch_id == 1 and fail["on"]:
            raise ValueError("boom")

    def start():
        return (src.toDF().groupBy("k").agg(F.sum("v").alias("s")).writeStream.outputMode("update")
                .option("checkpointLocation", ck).foreachBatch(sink).start())

    q = start()
    src.addData([("a", 1)])
    q.processAllAvailable()
    src.addData([("a", 2)])
    with pytest.raises(StreamingQueryException, match="boom"):
        q.awaitTermination(10)
    fail["on"] = False
    assert os.path.exists(f"{ck}/offsets/1") and not os.path.exists(f"{ck}/commits/1")
    q = start()
    q.processAllAvailable()
    q.stop()
    assert seen == [(0, [("a", 1)]), (1, [("a", 3)]), (1, [("a", 3)])]


STATEFUL = {
    "dedup": (lambda df: df.withWatermark("ts", "1 hour").dropDuplicates(["k"]), "append"),
    "window": (lambda df: df.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds")).count(), "update"),
    "session": (lambda df: df.withWatermark("ts", "10 seconds").groupBy(F.session_window("ts", "20 seconds"), "k")
                .count(), "append"),
}


def _group_state_with_timeout(df):
    """applyInPandasWithState keyed over both state partitions, with event-time timeouts that remove keys."""
    from test_differential_group_state import session_with_event_timeout

    return (df.withWatermark("ts", "10 seconds").groupBy("k")
            .applyInPandasWithState(session_with_event_timeout, "k STRING, n LONG, closed BOOLEAN", "n LONG",
                                    "append", "EventTimeTimeout"))


STATEFUL["group_state"] = (_group_state_with_timeout, "append")


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_continues_across_restarts(name, spark, tmp_path):
    import datetime as dt

    build, mode = STATEFUL[name]
    data = [[("a", 0), ("b", 5)], [("a", 12), ("a", 3)], [("b", 40), ("a", 41)], [("c", 90)]]

    def ts(s):
        return dt.datetime(2024, 1, 1) + dt.timedelta(seconds=s)

    def run(restart_each):
        src = MemoryStream("k STRING, ts TIMESTAMP", spark)
        ck = str(tmp_path / f"{name}_{restart_each}")
        got = []

        def start():
            return (build(src.toDF()).writeStream.outputMode(mode).option("checkpointLocation", ck)
                    .foreachBatch(lambda df, b: got.append((b, sorted(str(tuple(r)) for r in df.collect())))).start())

        q = start()
        for rows in data:
            src.addData([(k, ts(s)) for k, s in rows])
            q.processAllAvailable()
            if restart_each:
                q.stop()
                q = start()
                q.processAllAvailable()
        q.stop()
        return [g for g in got if g[1]]

    assert run(True) == run(False)


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_continues_across_restarts_through_snapshots_and_pruned_change_files(name, spark, tmp_path):
    # A snapshot every other version and only 2 batches kept: restarts load a snapshot plus change files.
    spark.conf.set("spark.sql.streaming.stateStore.minDeltasForSnapshot", "1")
    spark.conf.set("spark.sql.streaming.minBatchesToRetain", "2")
    try:
        test_state_continues_across_restarts(name, spark, tmp_path)
    finally:
        spark.conf.unset("spark.sql.streaming.stateStore.minDeltasForSnapshot")
        spark.conf.unset("spark.sql.streaming.minBatchesToRetain")
    ck = str(tmp_path / f"{name}_True")
    files = sorted(os.listdir(f"{ck}/state/0/0"), key=lambda f: int(f.split(".")[0]))
    assert any(f.endswith(".snapshot") for f in files) and any(f.endswith(".delta") for f in files)
    assert not files[0].startswith("0."), files


def test_group_state_continues_across_restarts(spark, tmp_path):
    pd = pytest.importorskip("pandas")

    def count(key, frames, state):
        n = (state.get[0] if state.exists else 0) + sum(len(f) for f in frames)
        state.update((n,))
        yield pd.DataFrame({"k": [key[0]], "n": [n]})

    src = MemoryStream("k STRING", spark)
    ck = str(tmp_path / "ck")
    got = []

    def start():
        df = src.toDF().groupBy("k").applyInPandasWithState(count, "k STRING, n LONG", "n LONG", "update", "NoTimeout")
        return (df.writeStream.outputMode("update").option("checkpointLocation", ck)
                .foreachBatch(lambda d, b: got.append(sorted(tuple(r) for r in d.collect()))).start())

    for rows in ([("a",), ("a",)], [("a",), ("b",)]):
        q = start()
        src.addData(rows)
        q.processAllAvailable()
        q.stop()
    assert got == [[("a", 2)], [("a", 3), ("b", 1)]]


def test_file_sink_restart_writes_nothing_twice(spark, tmp_path):
    inp, out, ck = tmp_path / "in", str(tmp_path / "out"), str(tmp_path / "ck")
    inp.mkdir()
    for i in range(3):
        (inp / f"f{i}.csv").write_text(f"{i}\n{i + 10}\n")
        os.utime(inp / f"f{i}.csv", (1_700_000_000 + i, 1_700_000_000 + i))

    def run():
        q = (spark.readStream.schema("v INT").option("maxFilesPerTrigger", 1).csv(str(inp)).writeStream
             .format("parquet").option("checkpointLocation", ck).trigger(availableNow=True).start(out))
        q.awaitTermination()

    run()
    (inp / "f3.csv").write_text("3\n")
    run()
    run()
    assert sorted(r.v for r in spark.read.parquet(out).collect()) == [0, 1, 2, 3, 10, 11, 12]
    assert sorted(os.listdir(f"{ck}/sources/0")) == ["0", "1", "2", "3"]


def test_changed_grouping_keys_are_named(spark, tmp_path):
    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING, j STRING, v INT", spark)
    q = src.toDF().groupBy("k").count().writeStream.outputMode("update").format("noop").option("checkpointLocation", ck).start()
    src.addData([("a", "x", 1)])
    q.processAllAvailable()
    q.stop()
    q = src.toDF().groupBy("j").count().writeStream.outputMode("update").format("noop").option("checkpointLocation", ck).start()
    with pytest.raises(StreamingQueryException, match=r"keys: checkpoint \[\"k: string\"\] vs query \[\"j: string\"\]"):
        q.awaitTermination(10)
    q = src.toDF().writeStream.outputMode("append").format("noop").option("checkpointLocation", ck).start()
    with pytest.raises(StreamingQueryException, match="has 0 stateful operator.*has state for 1: an operator was added or removed"):
        q.awaitTermination(10)


def test_corrupt_checkpoint_file_is_named(spark, tmp_path):
    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING", spark)
    q = src.toDF().groupBy("k").count().writeStream.outputMode("update").format("noop").option("checkpointLocation", ck).start()
    src.addData([("a",)])
    q.processAllAvailable()
    q.stop()
    with open(f"{ck}/commits/0", "w") as f:
        f.write("v1\n{\"nextBatchWat")
    q = src.toDF().groupBy("k").count().writeStream.outputMode("update").format("noop").option("checkpointLocation", ck).start()
    with pytest.raises(StreamingQueryException, match=r"checkpoint file .*commits/0 is corrupt"):
        q.awaitTermination(10)


def test_a_vanished_source_file_fails_or_is_skipped_with_fail_on_data_loss(spark, tmp_path):
    inp, ck = tmp_path / "in", str(tmp_path / "ck")
    inp.mkdir()
    (inp / "a.csv").write_text("1\n")
    os.utime(inp / "a.csv", (1_700_000_000, 1_700_000_000))
    (inp / "b.csv").write_text("2\n")
    got = []

    def start(**opts):
        reader = spark.readStream.schema("v INT").option("maxFilesPerTrigger", 1)
        for k, v in opts.items():
            reader = reader.option(k, v)

        def sink(df, b):
            got.append((b, [r.v for r in df.collect()]))
            if b == 1 and not opts:
                raise ValueError("crash before commit")
        return reader.csv(str(inp)).writeStream.option("checkpointLocation", ck).foreachBatch(sink).start()

    q = start()
    with pytest.raises(StreamingQueryException):
        q.awaitTermination(10)
    os.remove(inp / "b.csv")
    q = start(failOnDataLoss="true")
    q.awaitTermination(10) if False else None
    with pytest.raises(StreamingQueryException, match=r"b.csv planned for this batch no longer exists"):
        q.awaitTermination(10)
    q = start(failOnDataLoss="false")
    q.processAllAvailable()
    q.stop()
    assert got[-1] == (1, [])


def test_inspect_tool_reports_batches_watermark_and_state(spark, tmp_path):
    import datetime as dt

    from ember.checkpoint import inspect

    ck = str(tmp_path / "ck")
    src = MemoryStream("k STRING, ts TIMESTAMP", spark)
    q = (src.toDF().withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds"), "k").count()
         .writeStream.outputMode("update").format("noop").option("checkpointLocation", ck).start())
    src.addData([("a", dt.datetime(2024, 1, 1, 0, 0, 30)), ("b", dt.datetime(2024, 1, 1, 0, 0, 31))])
    q.processAllAvailable()
    qid = q.id
    q.stop()
    info = inspect(ck)
    assert info.query_id == qid
    assert [b.batch_id for b in info.batches if b.committed] == [0, 1]
    assert info.watermark_ms == 1704067221000
    op = info.operators[0]
    assert (op.name, op.partitions, op.state_rows) == ("stateStoreSave", 2, 2)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, "-m", "ember.checkpoint", "inspect", ck], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert qid in out and "stateStoreSave" in out and "2024-01-01T00:00:21.000Z" in out
    bad = subprocess.run([sys.executable, "-m", "ember.checkpoint", "inspect", str(tmp_path / "nope")], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "No checkpoint" in bad.stderr


def test_memory_sink_and_default_checkpoint_location_restart(spark, tmp_path):
    root = str(tmp_path / "checkpoints")
    spark.conf.set("spark.sql.streaming.checkpointLocation", root)
    try:
        src = MemoryStream("k STRING", spark)

        def start():
            return (src.toDF().groupBy("k").count().writeStream.outputMode("complete").format("memory")
                    .queryName("restart_counts").start())

        q = start()
        src.addData([("a",), ("b",)])
        q.processAllAvailable()
        first = q.id
        q.stop()
        # Spark: <spark.sql.streaming.checkpointLocation>/<queryName>.
        assert os.path.exists(os.path.join(root, "restart_counts", "commits", "0"))
        q = start()
        src.addData([("a",)])
        q.processAllAvailable()
        assert q.id == first
        q.stop()
        assert sorted(tuple(r) for r in spark.table("restart_counts").collect()) == [("a", 2), ("b", 1)]
    finally:
        spark.conf.unset("spark.sql.streaming.checkpointLocation")


def test_a_checkpoint_of_the_previous_layout_restarts(spark, tmp_path):
    # tests/fixtures/checkpoint_previous_layout: written by ember before the state store (whole state per batch in
    # state/<op>/<partition>/<N>.arrow) by this query after one batch of ("a", 1), ("b", 2), ("a", 3).
    from ember.checkpoint import inspect

    ck = str(tmp_path / "ck")
    shutil.copytree(os.path.join(HERE, "fixtures", "checkpoint_previous_layout"), ck)
    src = MemoryStream("k STRING, v INT", spark)
    src.addData([("a", 1), ("b", 2), ("a", 3)])
    src.addData([("a", 10), ("c", 5)])
    q = (src.toDF().groupBy("k").agg(F.count("*").alias("n"), F.sum("v").alias("s")).writeStream
         .outputMode("complete").format("memory").queryName("previous_layout").option("checkpointLocation", ck)
         .start())
    q.processAllAvailable()
    q.stop()
    got = sorted(tuple(r) for r in spark.sql("select * from previous_layout").collect())
    assert got == [("a", 3, 14), ("b", 1, 2), ("c", 1, 5)]
    assert sorted(os.listdir(f"{ck}/state/0/0")) == ["0.arrow", "1.delta"]
    op = inspect(ck).operators[0]
    assert (op.version, op.state_rows, op.snapshot_version, op.delta_files) == (1, 3, 0, 2)
