"""Seed 001, example 06 with Spark 4's ``transformWithStateInPandas``, the successor of ``applyInPandasWithState``.

The same job as ``06_stateful_operations.py``: each user's running total is kept in a ``ValueState``; an event-time
timer 10 seconds after the user's latest event reports the user as timed out and clears the state. Only the import
line differs from PySpark (``pyspark.sql`` → ``ember.sql``).
"""
import datetime
import tempfile

import pandas as pd

from ember.sql import SparkSession
from ember.sql.streaming import StatefulProcessor, StatefulProcessorHandle

spark = SparkSession.builder.appName("StatefulOperationsTWS").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "UTC")
# PySpark runs transformWithState only on the RocksDB state store; ember ignores the setting.
spark.conf.set("spark.sql.streaming.stateStore.providerClass",
               "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")


class RunningTotal(StatefulProcessor):
    def init(self, handle: StatefulProcessorHandle) -> None:
        self.handle = handle
        self.total = handle.getValueState("total", "count LONG")

    def handleInputRows(self, key, rows, timerValues):
        count = self.total.get()[0] if self.total.exists() else 0
        latest = None
        for pdf in rows:
            count += int(pdf["amount"].sum())
            batch_latest = pdf["timestamp"].max()
            latest = batch_latest if latest is None else max(latest, batch_latest)
        self.total.update((count,))
        # One timer per user: 10 seconds (event time) after the latest event.
        for t in list(self.handle.listTimers()):
            self.handle.deleteTimer(t)
        self.handle.registerTimer(int(latest.timestamp() * 1000) + 10_000)
        yield pd.DataFrame({"user_id": [key[0]], "total": [count], "status": ["active"]})

    def handleExpiredTimer(self, key, timerValues, expiredTimerInfo):
        count = self.total.get()[0]
        self.total.clear()
        yield pd.DataFrame({"user_id": [key[0]], "total": [count], "status": ["timed out"]})

    def close(self) -> None:
        pass


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

query = (df.withWatermark("timestamp", "5 seconds")
         .groupBy("user_id")
         .transformWithStateInPandas(RunningTotal(), "user_id STRING, total LONG, status STRING", "Append",
                                     "EventTime")
         .writeStream
         .outputMode("append")
         .format("console")
         .option("truncate", False)
         .trigger(availableNow=True)
         .start())
query.awaitTermination()
spark.stop()
