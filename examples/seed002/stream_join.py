"""Seed 002, "Stream-Static Join (Enrichment)": events of the users in a static table, with their name and tier,
written to ./data/enriched_events. Processes what ./input/ holds (availableNow) and stops."""
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

# Load static dimension table
users_df = spark.createDataFrame([
    (1, "Alice", "Premium"),
    (2, "Bob", "Standard"),
    (3, "Charlie", "Premium")
], ["user_id", "name", "tier"])

users_df.write.format("delta").mode("overwrite").save("./data/users")

# Join stream with static data
users_static = spark.read.format("delta").load("./data/users")

enriched = stream_df.join(users_static, "user_id")

query_enriched = enriched.writeStream \
    .format("delta") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/enriched") \
    .trigger(availableNow=True) \
    .start("./data/enriched_events")

query_enriched.awaitTermination()

enriched_events = spark.read.format("delta").load("./data/enriched_events")
print(f"\n✓ {enriched_events.count()} events of known users written")
enriched_events.orderBy("timestamp", "event_id").show(10)
