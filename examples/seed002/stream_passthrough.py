"""Seed 002, "Build Your First Streaming Query": events from ./input/ copied to ./data/events as they arrive.
Run data_generator.py (or generate_batches.py) first; this query runs for 30 seconds, as in the seed, then stops."""
import time

from ember.sql import SparkSession

# The seed's Delta set-up, but for the import: ember.delta stands for delta-spark's `delta` package (ember writes
# Delta tables itself, so the extension, catalog and package confs are accepted and no jars are fetched).
from ember.delta import *

builder = SparkSession.builder \
    .appName("StructuredStreamingDemo") \
    .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension") \
    .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog") \
    .config("spark.jars.packages", "io.delta:delta-core_2.12:2.4.0") \
    .config("spark.sql.streaming.checkpointLocation", "./checkpoints")

spark = configure_spark_with_delta_pip(builder).getOrCreate()

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
query = stream_df.writeStream \
    .format("delta") \
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
events = spark.read.format("delta").load("./data/events")
print(f"\n✓ Processed {events.count()} events")
events.show(10)
