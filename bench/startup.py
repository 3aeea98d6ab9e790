"""Start-up case, child process: seed 000's stream processor on one tiny CSV file, then stop.

`python startup.py ember|pyspark DIR`. The parent times from spawning this process to the first batch's table on
stdout (console sink), so interpreter start, imports, the session and the first micro-batch all count. Kept to the
imports a user's script would have.
"""
import os
import sys

engine, path = sys.argv[1], sys.argv[2]
# `ember-noui`: ember with the monitoring page off, so the page's cost to start-up shows as the difference.
ui_off = engine == "ember-noui"
engine = "ember" if ui_off else engine
if engine == "ember":
    from ember.sql import SparkSession
    from ember.sql.types import IntegerType, StringType, StructType
else:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import IntegerType, StringType, StructType

builder = SparkSession.builder.appName("CSVStreamProcessor")
if engine == "pyspark":
    builder = builder.master("local[2]").config("spark.ui.enabled", "false")
    if os.environ.get("BENCH_PYSPARK_SHUFFLE_PARTITIONS"):
        builder = builder.config("spark.sql.shuffle.partitions", os.environ["BENCH_PYSPARK_SHUFFLE_PARTITIONS"])
if ui_off:
    builder = builder.config("spark.ui.enabled", "false")
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("WARN")
schema = StructType().add("timestamp", StringType()).add("user_id", IntegerType()).add("event", StringType())
df = spark.readStream.option("header", True).schema(schema).csv(path)
query = df.groupBy("event").count().writeStream.outputMode("complete").format("console").start()
query.processAllAvailable()
query.stop()
if engine == "pyspark":
    spark.stop()
