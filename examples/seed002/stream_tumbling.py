"""Seed 002, "Tumbling Windows": event counts and values per 5-minute window and event type, kept as a Delta
table in ./data/tumbling_aggregates. Processes what ./input/ holds (availableNow) and stops."""
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

from ember.sql.functions import window, count, avg, sum

# 5-minute tumbling windows
tumbling = stream_df \
    .groupBy(
        window(col("timestamp"), "5 minutes"),
        col("event_type")
    ) \
    .agg(
        count("*").alias("event_count"),
        avg("value").alias("avg_value"),
        sum("value").alias("total_value")
    )

# The seed writes this with `.outputMode("update")`, which Delta's sink refuses at start() (DELTA_UNSUPPORTED_OUTPUT_MODE:
# it takes append or complete), in Spark as in ember; and append is impossible here, since without a watermark a
# window is never final. So the aggregation runs in complete mode: each micro-batch replaces the table's rows with
# every window's current figures, in one Delta commit.
query_tumbling = tumbling.writeStream \
    .format("delta") \
    .outputMode("complete") \
    .option("checkpointLocation", "./checkpoints/tumbling") \
    .trigger(availableNow=True) \
    .start("./data/tumbling_aggregates")

query_tumbling.awaitTermination()

tumbling_table = spark.read.format("delta").load("./data/tumbling_aggregates")
print(f"\n✓ {tumbling_table.count()} (window, event_type) rows")
tumbling_table.orderBy("window", "event_type").show(20, truncate=False)
