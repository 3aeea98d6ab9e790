"""Trigger modes: when a streaming query runs its micro-batches.

Usage: python 09_trigger_modes.py [WORK_DIR]

Three small CSV files are written to WORK_DIR/input/ (WORK_DIR is a new temporary directory by default) and read
with maxFilesPerTrigger=1, so each trigger mode shows how many batches it runs and how it ends:
  - default / processingTime="0 seconds": a batch as soon as the previous one finished;
  - processingTime="5 seconds": a batch every 5 seconds (stopped here after two batches);
  - once=True: one batch with everything available, then the query stops by itself;
  - availableNow=True: everything available, in as many batches as maxFilesPerTrigger asks, then it stops;
  - continuous="1 second": low-latency processing of map-like queries (here the rate source, for 3 seconds).
"""
import os
import sys
import tempfile
import time

# Relative paths are resolved against the working directory the session starts in: move there first.
WORK_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="trigger_modes_"))
os.makedirs(WORK_DIR, exist_ok=True)
os.chdir(WORK_DIR)

from ember.sql import SparkSession

spark = SparkSession.builder.appName("TriggerModes").getOrCreate()
spark.sparkContext.setLogLevel("WARN")

os.makedirs("input", exist_ok=True)
for i, words in enumerate(["spark streaming", "trigger modes", "micro batch"]):
    with open(f"input/part{i}.csv", "w") as f:
        f.write("".join(f"{i},{w}\n" for w in words.split()))
    # Files are picked up in modification-time order: keep them apart.
    os.utime(f"input/part{i}.csv", (1_700_000_000 + i, 1_700_000_000 + i))

df = spark.readStream \
    .schema("file INT, word STRING") \
    .option("maxFilesPerTrigger", 1) \
    .csv("input/")


def batch_sizes(query):
    """Input rows of each micro-batch that read data."""
    return [p["numInputRows"] for p in query.recentProgress if p["numInputRows"] > 0]


def wait_for_batches(query, n, timeout=60):
    deadline = time.time() + timeout
    while len(batch_sizes(query)) < n and time.time() < deadline:
        time.sleep(0.1)


print("== Default: as fast as possible ==")
query = df.writeStream \
    .format("memory") \
    .queryName("default_trigger") \
    .trigger(processingTime="0 seconds") \
    .start()
query.processAllAvailable()
query.stop()
print(f"{len(batch_sizes(query))} batches, rows per batch {batch_sizes(query)}")

print("== Fixed interval ==")
started = time.time()
query = df.writeStream \
    .format("memory") \
    .queryName("fixed_interval") \
    .trigger(processingTime="5 seconds") \
    .start()
wait_for_batches(query, 2)
query.stop()
print(f"{len(batch_sizes(query))} batches in {time.time() - started:.0f} s, one file each: "
      f"rows per batch {batch_sizes(query)}")

print("== Once: single batch then stop ==")
query = df.writeStream \
    .format("memory") \
    .queryName("once_trigger") \
    .trigger(once=True) \
    .start()
query.awaitTermination()
print(f"stopped by itself (isActive={query.isActive}); {len(batch_sizes(query))} batch, "
      f"rows per batch {batch_sizes(query)}")
spark.sql("select word from once_trigger order by word").show()

print("== Available-now: all available data, in batches, then stop ==")
query = df.writeStream \
    .format("console") \
    .trigger(availableNow=True) \
    .start()
query.awaitTermination()
print(f"stopped by itself (isActive={query.isActive}); {len(batch_sizes(query))} batches, "
      f"rows per batch {batch_sizes(query)}")

print("== Continuous: low latency, map-like queries only ==")
rates = spark.readStream \
    .format("rate") \
    .option("rowsPerSecond", 5) \
    .option("numPartitions", 1) \
    .load()
query = rates.select("value") \
    .writeStream \
    .format("memory") \
    .queryName("continuous_values") \
    .trigger(continuous="1 second") \
    .start()
time.sleep(3)
query.stop()
values = [r.value for r in spark.table("continuous_values").orderBy("value").collect()]
print(f"received {'some' if values else 'no'} rows from the rate source; the first ones: {values[:5]}")

spark.stop()
