"""Seed 002, "Stateful Processing (Deduplication)": events without repeats of (event_id, timestamp), written to
./data/deduplicated_events. Processes what ./input/ holds (availableNow) and stops."""
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

from ember.sql.functions import expr

# Deduplicate events within a 1-hour window
deduplicated = stream_df \
    .withWatermark("timestamp", "1 hour") \
    .dropDuplicates(["event_id", "timestamp"])

# Delta → parquet: ember has no Delta Lake yet.
query_dedup = deduplicated.writeStream \
    .format("parquet") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/dedup") \
    .trigger(availableNow=True) \
    .start("./data/deduplicated_events")

query_dedup.awaitTermination()

deduplicated_events = spark.read.format("parquet").load("./data/deduplicated_events")
print(f"\n✓ {deduplicated_events.count()} distinct events written")
deduplicated_events.show(10)
