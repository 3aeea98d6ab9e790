"""The way-out test's script (tests/test_way_out.py): seed 002's "Watermarking for Late Data" query, 5-minute
windows per event type with a 10-minute watermark written to ./data/watermarked_aggregates once final, as parquet.
examples/seed002/ writes Delta as the seed does; the test's Spark cluster has no delta-spark jars (they cannot be
fetched offline), so this copy keeps parquet. Processes what ./input/ holds (availableNow) and stops."""
import time

from ember.sql import SparkSession

# The seed's Spark setup without Delta Lake (see above): every Delta table of the seed is written and read as
# parquet.
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

from ember.sql.functions import count, avg
from ember.sql.functions import window, col

# Allow late data up to 10 minutes
windowed_with_watermark = stream_df \
    .withWatermark("timestamp", "10 minutes") \
    .groupBy(
        window(col("timestamp"), "5 minutes"),
        col("event_type")
    ) \
    .agg(
        count("*").alias("event_count"),
        avg("value").alias("avg_value")
    )

# Late data within 10 minutes will update the window
# Data later than 10 minutes will be dropped
# The seed asks for update mode, which Spark rejects at start() for a parquet sink
# (STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE: file sinks are append-only) and Delta's sink rejects as well. With
# the watermark, append works: each window is written once, when the watermark (the latest event time seen, minus
# 10 minutes) passes its end, so no later event can change it. Windows still open when the input runs out stay
# in the state and are not written. Delta → parquet, as above.
query_watermark = windowed_with_watermark.writeStream \
    .format("parquet") \
    .outputMode("append") \
    .option("checkpointLocation", "./checkpoints/watermark") \
    .trigger(availableNow=True) \
    .start("./data/watermarked_aggregates")

query_watermark.awaitTermination()

progress = query_watermark.lastProgress
assert progress is not None, "availableNow ran at least one batch"
print(f"\n✓ Watermark now {progress['eventTime'].get('watermark')}, "
      f"late rows dropped in the last batch: {progress['stateOperators'][0]['numRowsDroppedByWatermark']}")
dropped = sum(p["stateOperators"][0]["numRowsDroppedByWatermark"] for p in query_watermark.recentProgress)
watermarked = spark.read.format("parquet").load("./data/watermarked_aggregates")
print(f"✓ {watermarked.count()} final windows written, {dropped} late rows dropped")
watermarked.orderBy("window", "event_type").show(20, truncate=False)
