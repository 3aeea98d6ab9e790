"""Delta sink case: 1M events of seed 002's shape (bench/datagen.json_events_dir: 20 JSON files) read as a stream,
maxFilesPerTrigger 2, each micro-batch one Delta commit (parquet part file + `_delta_log/N.json` with its txn),
availableNow. Prints events/s end to end and the sink's time per micro-batch (progress `durationMs.addBatch`: the
parquet write and the commit) as p50/max; the last line is the JSON result. ember only: PySpark would need
delta-spark's jars, which cannot be fetched here.

    python bench/delta_sink.py DATA_DIR
"""
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import datagen  # noqa: E402

SCHEMA = "event_id STRING, timestamp TIMESTAMP, user_id BIGINT, event_type STRING, value DOUBLE, session_id STRING"


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    path = datagen.json_events_dir(data)
    from ember.sql import SparkSession

    spark = SparkSession.builder.appName("bench-delta").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "events")
        df = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 2).json(path)
        t0 = time.perf_counter()
        q = (df.writeStream.format("delta").option("checkpointLocation", os.path.join(tmp, "ck"))
             .trigger(availableNow=True).start(out))
        q.awaitTermination()
        total = time.perf_counter() - t0
        progress = [p for p in q.recentProgress if p["numInputRows"] > 0]
        add_ms = [p["durationMs"]["addBatch"] for p in progress]
        rows = spark.read.format("delta").load(out).count()
        commits = len([f for f in os.listdir(os.path.join(out, "_delta_log")) if f.endswith(".json")])
        result = {"rows": rows, "batches": len(progress), "commits": commits, "total_s": total,
                  "events_per_s": rows / total, "add_batch_ms_p50": statistics.median(add_ms) if add_ms else None,
                  "add_batch_ms_max": max(add_ms) if add_ms else None}
        print(f"    {rows} events in {len(progress)} batches ({commits} commits): {total:.2f} s end to end "
              f"({result['events_per_s'] / 1e3:.0f}k events/s); sink per batch p50 {result['add_batch_ms_p50']} ms, "
              f"max {result['add_batch_ms_max']} ms", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
