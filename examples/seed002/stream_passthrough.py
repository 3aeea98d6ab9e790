"""Seed 002, "Build Your First Streaming Query": events from ./input/ copied to ./data/events as they arrive.
Run data_generator.py (or generate_batches.py) first; this query runs for 30 seconds, as in the seed, then stops."""
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

# Write to Delta Lake (pass-through)
# (Delta → parquet: ember has no Delta Lake yet.)
query = stream_df.writeStream \
    .format("parquet") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/raw_events") \
    .start("./data/events")

print("✓ Streaming query started")
print(f"  Query ID: {query.id}")
print(f"  Status: {query.status}")

# Let it run for a bit, then check
time.sleep(30)
query.stop()

# Query the Delta table
events = spark.read.format("parquet").load("./data/events")
print(f"\n✓ Processed {events.count()} events")
events.show(10)
