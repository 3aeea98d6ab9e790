"""A stateful streaming job for the kill test (tests/test_checkpoint.py): a windowed aggregation with a watermark
into a parquet file sink, and a foreachBatch writer that is idempotent by batch id. Run repeatedly on the same
checkpoints; it ends by itself once every input file is processed (availableNow)."""
import sys
import time

from ember.sql import SparkSession, functions as F

root = sys.argv[1]
slow = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
spark = SparkSession.builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
events = (spark.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1)
          .json(f"{root}/input"))
windows = (events.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds"), "k")
           .agg(F.count("*").alias("n"), F.sum("v").alias("total")))
to_parquet = (windows.writeStream.format("parquet").outputMode("append").trigger(availableNow=True)
              .option("checkpointLocation", f"{root}/ck_parquet").start(f"{root}/out_parquet"))


def write_batch(df, batch_id):
    time.sleep(slow)
    # Idempotent by batch id: a replayed batch overwrites its own directory.
    df.write.mode("overwrite").json(f"{root}/out_batches/batch_id={batch_id}")


to_batches = (events.groupBy("k").agg(F.sum("v").alias("total")).writeStream.outputMode("update")
              .foreachBatch(write_batch).trigger(availableNow=True)
              .option("checkpointLocation", f"{root}/ck_batches").start())
to_parquet.awaitTermination()
to_batches.awaitTermination()
print("done", flush=True)
