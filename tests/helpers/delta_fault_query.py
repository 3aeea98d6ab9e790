"""A streaming job for the Delta kill test (tests/test_delta.py): JSON files, one per micro-batch, appended to a
Delta table, plus a windowed count in complete mode into a second one. Run repeatedly on the same checkpoints; it
ends by itself once every input file is processed (availableNow)."""
import sys

from ember.sql import SparkSession, functions as F

root = sys.argv[1]
spark = SparkSession.builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
events = spark.readStream.schema("id BIGINT, k STRING").option("maxFilesPerTrigger", 1).json(f"{root}/input")
appended = (events.writeStream.format("delta").trigger(availableNow=True)
            .option("checkpointLocation", f"{root}/ck_events").start(f"{root}/events"))
counts = (events.groupBy("k").agg(F.count("*").alias("n")).writeStream.format("delta").outputMode("complete")
          .trigger(availableNow=True).option("checkpointLocation", f"{root}/ck_counts").start(f"{root}/counts"))
appended.awaitTermination()
counts.awaitTermination()
print("done", flush=True)
