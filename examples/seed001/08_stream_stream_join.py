import json
import os
import time

from ember.sql import SparkSession
from ember.sql.functions import expr

spark = SparkSession.builder.appName("StreamStreamJoin").getOrCreate()

# The guide reads the two streams from Kafka topics; this port reads the same events from JSON files, one file per
# micro-batch and stream, so it runs without a broker. Clicks and purchases of three users: user 1 buys 20 minutes
# after clicking, user 2 buys two hours after clicking (outside the 1-hour range), user 3 never buys. The last pair
# of files moves both streams' event time on, so the watermark passes the early clicks.
for topic, files in [
    ("clicks", [[(1, "12:00"), (2, "12:05"), (3, "12:10")], [(1, "15:00")]]),
    ("purchases", [[(1, "12:20")], [(2, "14:05"), (1, "15:30")]]),
]:
    os.makedirs(f"input/{topic}", exist_ok=True)
    column = "click_time" if topic == "clicks" else "purchase_time"
    for i, rows in enumerate(files):
        path = f"input/{topic}/{topic}_{i}.json"
        with open(path, "w") as f:
            for user, t in rows:
                f.write(json.dumps({"user_id": user, column: f"2024-01-01T{t}:00"}) + "\n")
        # Files are read in modification-time order: one second apart, they are read in this order.
        os.utime(path, (time.time() - 10 + i, time.time() - 10 + i))

# Stream 1: User clicks
clicks = spark.readStream.format("json") \
    .schema("user_id INT, click_time TIMESTAMP") \
    .option("maxFilesPerTrigger", 1) \
    .option("path", "input/clicks") \
    .load()

# Stream 2: User purchases
purchases = spark.readStream.format("json") \
    .schema("user_id INT, purchase_time TIMESTAMP") \
    .option("maxFilesPerTrigger", 1) \
    .option("path", "input/purchases") \
    .load()

# Both streams have a user_id column, so the guide's `user_id = user_id` is ambiguous (Spark raises
# AMBIGUOUS_REFERENCE): the port names each side through an alias.
clicks = clicks.alias("c")
purchases = purchases.alias("p")

# Join with watermarks
joined = clicks \
    .withWatermark("click_time", "10 minutes") \
    .join(
        purchases.withWatermark("purchase_time", "10 minutes"),
        expr("c.user_id = p.user_id AND purchase_time >= click_time AND purchase_time <= click_time + interval 1 hour"),
        "inner"
    )

# Join types: inner (above), and left, right and full outer joins, which also emit the rows that found no match —
# null-padded, once the watermark shows no match can come any more (the range condition bounds how long a row waits).
for how in ["inner", "leftOuter", "rightOuter", "fullOuter"]:
    print(f"=== {how} ===")
    query = clicks \
        .withWatermark("click_time", "10 minutes") \
        .join(
            purchases.withWatermark("purchase_time", "10 minutes"),
            expr("c.user_id = p.user_id AND purchase_time >= click_time AND purchase_time <= click_time + interval 1 hour"),
            how
        ) \
        .writeStream \
        .format("console") \
        .option("truncate", False) \
        .trigger(availableNow=True) \
        .start()
    query.awaitTermination()
    for progress in query.recentProgress:
        state = progress["stateOperators"][0]
        print(f"Batch {progress['batchId']}: watermark {progress['eventTime']['watermark']}, "
              f"{state['numRowsTotal']} rows buffered in the join's state")
