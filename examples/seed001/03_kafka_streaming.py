"""Kafka integration: read a topic, cast key and value to strings, write them back to another topic.

Usage: python 03_kafka_streaming.py [BOOTSTRAP_SERVERS [WORK_DIR [SECONDS]]]

The guide's broker is localhost:9092; the first argument names another one (the smoke test starts its own broker on
a free port). Topics "input_topic" and "output_topic" must exist. The guide's relative "checkpoint/" lives in
WORK_DIR (the current directory by default). The query runs until stopped, or for SECONDS.
"""
import os
import sys

BOOTSTRAP = sys.argv[1] if len(sys.argv) > 1 else "localhost:9092"
# Relative paths are resolved against the working directory the session starts in: move there first.
if len(sys.argv) > 2:
    os.makedirs(sys.argv[2], exist_ok=True)
    os.chdir(sys.argv[2])

from ember.sql import SparkSession

spark = SparkSession.builder.appName("KafkaStreaming").getOrCreate()

# Read from Kafka
df = spark.readStream \
    .format("kafka") \
    .option("kafka.bootstrap.servers", BOOTSTRAP) \
    .option("subscribe", "input_topic") \
    .load()

# Process and write back to Kafka
query = df.selectExpr("CAST(key AS STRING)", "CAST(value AS STRING)") \
    .writeStream \
    .format("kafka") \
    .option("kafka.bootstrap.servers", BOOTSTRAP) \
    .option("topic", "output_topic") \
    .option("checkpointLocation", "checkpoint/") \
    .start()

print(f"Streaming input_topic -> output_topic on {BOOTSTRAP}", flush=True)
query.awaitTermination(float(sys.argv[3]) if len(sys.argv) > 3 else None)
query.stop()
