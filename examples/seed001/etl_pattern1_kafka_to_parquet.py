"""The guide's Pattern 1 (ETL pipeline): JSON events from Kafka, parsed with from_json, filtered, stamped with
current_timestamp and written as Parquet partitioned by date.

Usage: python etl_pattern1_kafka_to_parquet.py [BOOTSTRAP_SERVERS [WORK_DIR [SECONDS]]]

Where the guide leaves placeholders this port fills them in: the broker is localhost:9092 unless the first argument
names another one; the schema `StructType([...])` is the events' (id, status, amount, date); the warehouse
"s3://bucket/data/" and its checkpoint are the local directories data/ and checkpoint/ in WORK_DIR (the current
directory by default). Topic "raw_data" must exist. The query runs until stopped, or for SECONDS.
"""
import os
import sys

BOOTSTRAP = sys.argv[1] if len(sys.argv) > 1 else "localhost:9092"
# Relative paths are resolved against the working directory the session starts in: move there first.
if len(sys.argv) > 2:
    os.makedirs(sys.argv[2], exist_ok=True)
    os.chdir(sys.argv[2])

from ember.sql import SparkSession
from ember.sql.functions import current_timestamp
from ember.sql.types import DoubleType, LongType, StringType, StructField, StructType

spark = SparkSession.builder.appName("ETLPipeline").getOrCreate()

# Read from Kafka
raw_data = spark.readStream \
    .format("kafka") \
    .option("kafka.bootstrap.servers", BOOTSTRAP) \
    .option("subscribe", "raw_data") \
    .load()

# Transform
from ember.sql.functions import from_json, col

schema = StructType([
    StructField("id", LongType()),
    StructField("status", StringType()),
    StructField("amount", DoubleType()),
    StructField("date", StringType()),
])
transformed = raw_data \
    .select(from_json(col("value").cast("string"), schema).alias("data")) \
    .select("data.*") \
    .filter(col("status") == "active") \
    .withColumn("processed_time", current_timestamp())

# Load to warehouse
query = transformed.writeStream \
    .format("parquet") \
    .option("path", "data/") \
    .option("checkpointLocation", "checkpoint/") \
    .partitionBy("date") \
    .start()

print(f"raw_data on {BOOTSTRAP} -> data/ (partitioned by date)", flush=True)
query.awaitTermination(float(sys.argv[3]) if len(sys.argv) > 3 else None)
query.stop()
