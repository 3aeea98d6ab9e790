import os
import sys

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ember.sql import SparkSession

from schema.csv_schema import schema

spark = SparkSession.builder \
    .appName("CSVStreamProcessor") \
    .getOrCreate()

spark.sparkContext.setLogLevel("WARN")

# Read stream from CSV files
df = spark.readStream \
    .option("header", True) \
    .schema(schema) \
    .csv("data/input")

# Aggregate data by event type
agg = df.groupBy("event").count()

# Output to console
query = agg.writeStream \
    .outputMode("complete") \
    .format("console") \
    .start()

try:
    query.awaitTermination()
except KeyboardInterrupt:
    query.stop()
