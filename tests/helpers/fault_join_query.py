"""A stream-stream join for the kill test (tests/test_checkpoint.py): clicks left-outer-joined with purchases under
watermarks and a time-range condition into a parquet file sink, and the same join into a foreachBatch writer that
is idempotent by batch id. Run repeatedly on the same checkpoints; it ends by itself once every input file is
processed (availableNow)."""
import sys
import time

from ember.sql import SparkSession, functions as F

root = sys.argv[1]
slow = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
spark = SparkSession.builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def side(name, schema, time_column):
    return (spark.readStream.schema(schema).option("maxFilesPerTrigger", 1).json(f"{root}/input/{name}")
            .withWatermark(time_column, "10 seconds"))


def joined():
    clicks = side("clicks", "ck STRING, ct TIMESTAMP, cv INT", "ct")
    purchases = side("purchases", "pk STRING, pt TIMESTAMP, pv INT", "pt")
    return clicks.join(purchases, F.expr("ck = pk AND pt >= ct AND pt <= ct + interval 15 seconds"), "leftOuter")


to_parquet = (joined().writeStream.format("parquet").outputMode("append").trigger(availableNow=True)
              .option("checkpointLocation", f"{root}/ck_parquet").start(f"{root}/out_parquet"))


def write_batch(df, batch_id):
    time.sleep(slow)
    # Idempotent by batch id: a replayed batch overwrites its own directory.
    df.write.mode("overwrite").json(f"{root}/out_batches/batch_id={batch_id}")


to_batches = (joined().writeStream.foreachBatch(write_batch).trigger(availableNow=True)
              .option("checkpointLocation", f"{root}/ck_batches").start())
to_parquet.awaitTermination()
to_batches.awaitTermination()
print("done", flush=True)
