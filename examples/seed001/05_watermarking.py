import json
import os
import time

from ember.sql import SparkSession
from ember.sql.functions import col, window

spark = SparkSession.builder.appName("Watermarking").getOrCreate()

# Sample events in three files, one per micro-batch. After the first the latest event time is 12:15, so the
# watermark is 12:05 (the README's example). It applies from the batch after next: Spark checks late rows against
# the watermark of the previous batch. In the third file, 12:02 is too late and dropped, 12:07 is still accepted,
# and 12:31 moves the watermark on to 12:21.
os.makedirs("input/watermarking", exist_ok=True)
for i, (name, events) in enumerate([
    ("events_1.json", [("12:00:30", 1), ("12:03:10", 1), ("12:04:50", 2), ("12:09:00", 1), ("12:15:00", 2)]),
    ("events_2.json", [("12:11:00", 1), ("12:13:30", 2)]),
    ("events_3.json", [("12:02:00", 1), ("12:07:00", 2), ("12:31:00", 1)]),
]):
    path = os.path.join("input/watermarking", name)
    with open(path, "w") as f:
        for t, user in events:
            f.write(json.dumps({"timestamp": f"2024-01-01T{t}", "user_id": user}) + "\n")
    # Files are read in modification-time order: one second apart, they are read in this order.
    os.utime(path, (time.time() - 10 + i, time.time() - 10 + i))

df = spark.readStream \
    .format("json") \
    .schema("timestamp TIMESTAMP, user_id INT") \
    .option("maxFilesPerTrigger", 1) \
    .load("input/watermarking")

# Define watermark (10 minutes late data tolerance)
df_with_watermark = df \
    .withWatermark("timestamp", "10 minutes") \
    .groupBy(
        window(col("timestamp"), "5 minutes"),
        col("user_id")
    ) \
    .count()

# Append mode prints each window once, when the watermark has passed its end and no late event can change it.
# availableNow processes the three files, then runs one more batch without data for the final watermark.
query = df_with_watermark.writeStream \
    .outputMode("append") \
    .format("console") \
    .option("truncate", False) \
    .trigger(availableNow=True) \
    .start()

query.awaitTermination()

for progress in query.recentProgress:
    print(f"Batch {progress['batchId']}: watermark {progress['eventTime']['watermark']}, "
          f"{progress['numInputRows']} rows read, "
          f"{progress['stateOperators'][0]['numRowsDroppedByWatermark']} dropped as too late")
