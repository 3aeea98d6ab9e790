"""Seed 001, example 06: custom stateful processing.

The seed sketches Scala's ``groupByKey(...).mapGroupsWithState(update_state)``; PySpark's way of the same thing is
``groupBy(...).applyInPandasWithState``, which this example uses (the only change from PySpark is the import line; the seed's
``from pyspark.sql.streaming import GroupState`` does not work on PySpark 4, whose GroupState lives in
``pyspark.sql.streaming.state``).
Each user's running total is kept in a ``GroupState``; users idle for 10 seconds of event time time out and are
reported once more, then forgotten.
"""
import datetime
import tempfile

import pandas as pd

from ember.sql import SparkSession
from ember.sql.streaming.state import GroupState, GroupStateTimeout
from ember.sql.types import LongType, StringType, StructField, StructType

spark = SparkSession.builder.appName("StatefulOperations").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "UTC")


def update_state(key, values, state: GroupState):
    """Custom state update logic."""
    if state.hasTimedOut:
        (old_count,) = state.get
        state.remove()
        yield pd.DataFrame({"user_id": [key[0]], "total": [old_count], "status": ["timed out"]})
        return
    if state.exists:
        (old_count,) = state.get
    else:
        old_count = 0

    latest = None
    new_count = old_count
    for pdf in values:
        new_count += int(pdf["amount"].sum())
        batch_latest = pdf["timestamp"].max()
        latest = batch_latest if latest is None else max(latest, batch_latest)
    state.update((new_count,))
    assert latest is not None, "a key's function is called only with rows for it"
    # Time out 10 seconds (event time) after the user's latest event.
    state.setTimeoutTimestamp(int(latest.timestamp() * 1000) + 10_000)

    yield pd.DataFrame({"user_id": [key[0]], "total": [new_count], "status": ["active"]})


output_schema = StructType([StructField("user_id", StringType()), StructField("total", LongType()),
                            StructField("status", StringType())])
state_schema = StructType([StructField("count", LongType())])

input_dir = tempfile.mkdtemp(prefix="stateful_input_")
base = datetime.datetime(2024, 1, 1, 12, 0, 0)
batches = [
    [("alice", 0, 5), ("bob", 1, 3), ("alice", 2, 2)],
    [("alice", 6, 4), ("carol", 7, 1)],
    [("carol", 30, 2)],
]
for i, rows in enumerate(batches):
    with open(f"{input_dir}/events_{i}.csv", "w") as f:
        for user, sec, amount in rows:
            f.write(f"{user},{(base + datetime.timedelta(seconds=sec)).isoformat(sep=' ')},{amount}\n")

df = (spark.readStream.schema("user_id STRING, timestamp TIMESTAMP, amount INT")
      .option("maxFilesPerTrigger", 1).csv(input_dir))

# Apply stateful operation
query = (df.withWatermark("timestamp", "5 seconds")
         .groupBy("user_id")
         .applyInPandasWithState(update_state, output_schema, state_schema, "append",
                                 GroupStateTimeout.EventTimeTimeout)
         .writeStream
         .outputMode("append")
         .format("console")
         .option("truncate", False)
         .trigger(availableNow=True)
         .start())
query.awaitTermination()
spark.stop()
