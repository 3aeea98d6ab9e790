"""Seed 002, "Sliding Windows": event counts and average values per 5-minute window sliding every minute, by event type, kept as a parquet
table in ./data/sliding_aggregates. Processes what ./input/ holds (availableNow) and stops."""
import time

from ember.sql import SparkSession

# The seed's Spark setup without Delta Lake, which ember does not have yet: `from delta import *`, the Delta
# extension, catalog and package settings and `configure_spark_with_delta_pip` are left out, and every Delta table
# of the seed is written and read as parquet.
builder = SparkSession.builder \
    .appName("StructuredStreamingDemo") \
    .config("spark.sql.streaming.checkpointLocation", "./checkpoints")

spark = builder.getOrCreate()

print("✓ Spark Structured Streaming configured")

from ember.sql.types import StructType, StructField, StringType, IntegerType, DoubleType, TimestampType
from ember.sql.functions import col, from_json

# Define schema for incoming events
schema = StructType([
    StructField("event_id", StringType(), False),
    StructField("timestamp", TimestampType(), False),
    StructField("user_id", IntegerType(), False),
    StructField("event_type", StringType(), False),
    StructField("value", DoubleType(), False),
    StructField("session_id", StringType(), False)
])

# Read streaming data
stream_df = spark.readStream \
    .format("json") \
    .schema(schema) \
    .option("maxFilesPerTrigger", 1) \
    .load("./input/")

print("✓ Streaming source configured")

from ember.sql.functions import window, count, avg

# 5-minute windows, sliding every 1 minute
sliding = stream_df \
    .groupBy(
        window(col("timestamp"), "5 minutes", "1 minute"),
        col("event_type")
    ) \
    .agg(
        count("*").alias("event_count"),
        avg("value").alias("avg_value")
    )

# The seed writes this with `.format("delta").outputMode("update")`, which Spark rejects at start(): file sinks
# (parquet: STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE) take append only, Delta's sink append or complete; and
# append is impossible here, since without a watermark a window is never final. So the aggregation runs in complete
# mode — what a Delta sink would accept — and foreachBatch does what Delta's complete mode does: replace the table
# with every window's current figures at each micro-batch, as parquet (ember has no Delta Lake yet). As in Spark,
# the path given to start() is not used by foreachBatch; write_sliding writes there.
def write_sliding(batch_df, batch_id):
    batch_df.write.mode("overwrite").parquet("./data/sliding_aggregates")


query_sliding = sliding.writeStream \
    .foreachBatch(write_sliding) \
    .outputMode("complete") \
    .option("checkpointLocation", "./checkpoints/sliding") \
    .trigger(availableNow=True) \
    .start("./data/sliding_aggregates")

query_sliding.awaitTermination()

sliding_table = spark.read.format("parquet").load("./data/sliding_aggregates")
print(f"\n✓ {sliding_table.count()} (window, event_type) rows")
sliding_table.orderBy("window", "event_type").show(20, truncate=False)
