"""Seed 002, "Stateful Processing (Deduplication)": events without repeats of (event_id, timestamp), written to
./data/deduplicated_events. Processes what ./input/ holds (availableNow) and stops."""
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

from ember.sql.functions import expr

# Deduplicate events within a 1-hour window
deduplicated = stream_df \
    .withWatermark("timestamp", "1 hour") \
    .dropDuplicates(["event_id", "timestamp"])

query_dedup = deduplicated.writeStream \
    .format("delta") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/dedup") \
    .trigger(availableNow=True) \
    .start("./data/deduplicated_events")

query_dedup.awaitTermination()

deduplicated_events = spark.read.format("delta").load("./data/deduplicated_events")
print(f"\n✓ {deduplicated_events.count()} distinct events written")
deduplicated_events.show(10)
