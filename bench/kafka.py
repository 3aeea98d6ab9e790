"""Kafka benchmark (ember only: PySpark has no Kafka connector jar offline), against a Tansu broker on loopback.

  read      spark.read.format("kafka") of N 100-byte values from a 2-partition topic: messages per second
  windows   Kafka → from_json → withWatermark 10 s → groupBy(window 1 min).count() → to_json → Kafka, update mode,
            availableNow: events per second, and the latency from an event's produce time to the time its window's
            output record was written (Kafka's record timestamps), p50/p99

    python bench/kafka.py [N]      (default 1,000,000)

Prints progress lines on stderr and one JSON line on stdout. The broker is Tansu 0.6 with memory storage (the one
the tests use): its fetch path, not ember's reader, may bound the figures; the note printed says which.
"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from kafka_broker import Broker, tansu_binary  # noqa: E402


def log(msg):
    print("    " + msg, file=sys.stderr, flush=True)


def produce(broker, topic, n, value_of, partitions):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 1000000, "compression.type": "none"})
    t0 = time.perf_counter()
    for i in range(n):
        while True:
            try:
                p.produce(topic, value=value_of(i), partition=i % partitions)
                break
            except BufferError:
                p.poll(0.05)
        if i % 10000 == 0:
            p.poll(0)
    # A last one-record request after the rest: Tansu 0.6 reports a partition's end as its last request's first
    # offset + 1, so each partition ends with a single record to make every record visible.
    p.flush(120)
    for part in range(partitions):
        p.produce(topic, value=value_of(n + part), partition=part)
        p.flush(30)
    return time.perf_counter() - t0


def record_times(broker, topic):
    """The Kafka timestamps (ms) of every record of a one-partition topic."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench", "enable.partition.eof": True})
    c.assign([TopicPartition(topic, 0, 0)])
    out, deadline = [], time.time() + 30
    while time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            break  # the partition's end
        out.append(m.timestamp()[1])
    c.close()
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from ember.sql import SparkSession
    import ember.sql.functions as F

    broker = Broker(tansu_binary()).start()
    out = {"events": n}
    try:
        spark = SparkSession.builder.appName("bench-kafka").getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        # ---- raw read rate ----
        topic = broker.create_topic("bench_read", partitions=2)
        payload = b"x" * 100
        secs = produce(broker, topic, n, lambda i: payload, 2)
        log(f"produced {n} 100-byte values in {secs:.1f} s")
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            df = spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap) \
                .option("subscribe", topic).load()
            rows = df.count()
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
            log(f"read {rows} messages in {dt:.2f} s ({rows / dt / 1e6:.2f} M msg/s)")
        out["read_rows"] = rows
        out["read_msgs_per_s"] = rows / best
        # ---- windowed pipeline ----
        src = broker.create_topic("bench_events", partitions=2)
        dst = broker.create_topic("bench_windows", partitions=1)
        base_ms = 1_700_000_000_000

        def event(i):
            return json.dumps({"id": i, "ts": (base_ms + i * 60) / 1000.0, "kind": "k%d" % (i % 4)}).encode()

        secs = produce(broker, src, n, event, 2)
        produced_at = time.time()
        log(f"produced {n} JSON events in {secs:.1f} s")
        ckpt = tempfile.mkdtemp(prefix="bench-kafka-")
        raw = spark.readStream.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap) \
            .option("subscribe", src).option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 200000).load()
        parsed = raw.select(F.from_json(F.col("value").cast("string"), "id LONG, ts DOUBLE, kind STRING").alias("e")) \
            .select(F.col("e.ts").cast("timestamp").alias("ts"), "e.kind")
        counts = parsed.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "1 minute")).count()
        t0 = time.perf_counter()
        q = counts.select(F.to_json(F.struct("window", "count")).alias("value")).writeStream.format("kafka") \
            .option("kafka.bootstrap.servers", broker.bootstrap).option("topic", dst) \
            .option("checkpointLocation", ckpt).outputMode("update").trigger(availableNow=True).start()
        q.awaitTermination()
        dt = time.perf_counter() - t0
        rows_in = sum(p["numInputRows"] for p in q.recentProgress)
        log(f"windowed pipeline: {rows_in} events in {dt:.2f} s ({rows_in / dt / 1e6:.2f} M events/s), "
            f"{len(q.recentProgress)} batches")
        out["windows_events"] = rows_in
        out["windows_events_per_s"] = rows_in / dt
        # Latency: each output record's Kafka timestamp minus the time the input was fully produced (the inputs
        # were all waiting when the query started, so this is the time to each window's result). Read with a
        # consumer that fetches to the log's end: Tansu 0.6 under-reports the end of multi-record requests.
        lat = sorted(t / 1000.0 - produced_at for t in record_times(broker, dst))
        if lat:
            out["latency_p50_s"] = lat[len(lat) // 2]
            out["latency_p99_s"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            log(f"output records {len(lat)}: latency p50 {out['latency_p50_s']:.2f} s, p99 {out['latency_p99_s']:.2f} s")
    finally:
        broker.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
