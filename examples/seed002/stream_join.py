"""Seed 002, "Stream-Static Join (Enrichment)": events of the users in a static table, with their name and tier,
written to ./data/enriched_events. Processes what ./input/ holds (availableNow) and stops."""
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

# Load static dimension table
users_df = spark.createDataFrame([
    (1, "Alice", "Premium"),
    (2, "Bob", "Standard"),
    (3, "Charlie", "Premium")
], ["user_id", "name", "tier"])

# Delta → parquet here and below: ember has no Delta Lake yet.
users_df.write.format("parquet").mode("overwrite").save("./data/users")

# Join stream with static data
users_static = spark.read.format("parquet").load("./data/users")

enriched = stream_df.join(users_static, "user_id")

query_enriched = enriched.writeStream \
    .format("parquet") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/enriched") \
    .trigger(availableNow=True) \
    .start("./data/enriched_events")

query_enriched.awaitTermination()

enriched_events = spark.read.format("parquet").load("./data/enriched_events")
print(f"\n✓ {enriched_events.count()} events of known users written")
enriched_events.orderBy("timestamp", "event_id").show(10)
