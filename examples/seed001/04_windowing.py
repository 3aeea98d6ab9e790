import json
import os
import time

from ember.sql import SparkSession
from ember.sql.functions import col
from ember.sql.functions import window

spark = SparkSession.builder.appName("Windowing").getOrCreate()

# Sample events of two users over 20 minutes, in two files: the stream reads one file per micro-batch.
os.makedirs("input/windowing", exist_ok=True)
for i, (name, events) in enumerate([
    ("events_1.json", [("12:00:30", 1), ("12:03:10", 1), ("12:04:50", 2), ("12:06:00", 1)]),
    ("events_2.json", [("12:07:20", 2), ("12:12:00", 1), ("12:19:40", 2)]),
]):
    path = os.path.join("input/windowing", name)
    with open(path, "w") as f:
        for t, user in events:
            f.write(json.dumps({"timestamp": f"2024-01-01T{t}", "user_id": user}) + "\n")
    # Files are read in modification-time order: one second apart, they are read in this order.
    os.utime(path, (time.time() - 10 + i, time.time() - 10 + i))

df = spark.readStream \
    .format("json") \
    .schema("timestamp TIMESTAMP, user_id INT") \
    .option("maxFilesPerTrigger", 1) \
    .load("input/windowing")

# Tumbling window (5 minutes)
windowed_counts = df \
    .groupBy(
        window(col("timestamp"), "5 minutes"),
        col("user_id")
    ) \
    .count()

# Sliding window (10 min window, 5 min slide)
sliding_counts = df \
    .groupBy(
        window(col("timestamp"), "10 minutes", "5 minutes"),
        col("user_id")
    ) \
    .count()

from ember.sql.functions import session_window

# Session window: a user's events less than 5 minutes apart form one session
session_counts = df \
    .groupBy(
        session_window(col("timestamp"), "5 minutes"),
        col("user_id")
    ) \
    .count()

# Without a watermark every window stays open, so each query prints all of its windows (complete mode, sorted)
# after every micro-batch; availableNow processes the files there are, then the query stops.
for name, counts, window_column in [
    ("Tumbling", windowed_counts, "window"),
    ("Sliding", sliding_counts, "window"),
    ("Session", session_counts, "session_window"),
]:
    print(f"=== {name} windows ===")
    query = counts.orderBy(window_column, "user_id").writeStream \
        .outputMode("complete") \
        .format("console") \
        .option("truncate", False) \
        .trigger(availableNow=True) \
        .start()
    query.awaitTermination()
