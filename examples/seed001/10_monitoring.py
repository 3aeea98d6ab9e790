"""Monitoring streaming queries: the active queries, a query's status and progress reports (input rate, processing
rate, batch duration, input rows, state store metrics), a StreamingQueryListener, and stopping queries.

Usage: python 10_monitoring.py

Two queries run on the rate source (10 rows per second): a running count per parity into a memory table, and the
raw rows into the noop sink. The script watches them for three progress reports, then stops them.
"""
import time
from collections import defaultdict

from ember.sql import SparkSession
from ember.sql.functions import col
from ember.sql.streaming import StreamingQueryListener

spark = SparkSession.builder.appName("Monitoring").getOrCreate()
spark.sparkContext.setLogLevel("WARN")


class CollectingListener(StreamingQueryListener):
    """Called for every query of this session (on another thread): query start, each progress report, idle
    periods and termination. It records what it is told; a real one would feed a metrics system."""

    def __init__(self):
        self.started = []
        self.progress = defaultdict(list)
        self.terminated = []

    def onQueryStarted(self, event):
        self.started.append(event.name)

    def onQueryProgress(self, event):
        p = event.progress
        self.progress[p["name"]].append(p["numInputRows"])

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        self.terminated.append((str(event.id), event.exception))


listener = CollectingListener()
spark.streams.addListener(listener)

df = spark.readStream \
    .format("rate") \
    .option("rowsPerSecond", 10) \
    .load()

print("isStreaming:", df.isStreaming)
df.printSchema()

counts = df.groupBy((col("value") % 2).alias("parity")).count()
query = counts.writeStream \
    .outputMode("complete") \
    .format("memory") \
    .queryName("parity_counts") \
    .trigger(processingTime="1 second") \
    .start()
raw = df.writeStream \
    .format("noop") \
    .queryName("raw_rows") \
    .start()

# Get active queries
active_queries = spark.streams.active
print("active queries:", sorted(str(q.name) for q in active_queries))

# Query status
print("status:", query.status)

deadline = time.time() + 60
while len(query.recentProgress) < 3 and time.time() < deadline:
    time.sleep(0.2)

# Recent progress
print("recent progress (batchId, numInputRows):",
      [(p["batchId"], p["numInputRows"]) for p in query.recentProgress])

# Last progress
progress = query.lastProgress
assert progress is not None, "the loop above waited for three batches"
print("last progress:")
print(f"  batch {progress['batchId']}: {progress['numInputRows']} input rows")
print(f"  input rate: {progress['inputRowsPerSecond']:.1f} rows/s, "
      f"processing rate: {progress['processedRowsPerSecond']:.1f} rows/s")
print(f"  batch duration: {progress['batchDuration']} ms "
      f"(triggerExecution {progress['durationMs']['triggerExecution']} ms)")
for op in progress["stateOperators"]:
    print(f"  state store {op['operatorName']}: {op['numRowsTotal']} rows, {op['numRowsUpdated']} updated")
print(f"  source: {progress['sources'][0]['description']}, sink: {progress['sink']['description']}")

# Check if running
if query.isActive:
    print(f"Status: {query.status}")

spark.sql("select parity, count from parity_counts order by parity").show()

# Stop query
query.stop()

# Check if query is active
print("after stop: isActive =", query.isActive, "| status:", query.status["message"])
print("still active:", [q.name for q in spark.streams.active])

raw.stop()
print("active after stopping both:", spark.streams.active)

# Listener events arrive asynchronously: give the last ones a moment.
deadline = time.time() + 10
while len(listener.terminated) < 2 and time.time() < deadline:
    time.sleep(0.1)
spark.streams.removeListener(listener)
print("listener: started", sorted(listener.started))
print("listener: progress reports per query",
      {name: len(rows) for name, rows in sorted(listener.progress.items())})
print("listener: terminated", len(listener.terminated), "queries, exceptions:",
      [exception for _, exception in listener.terminated])
spark.stop()
