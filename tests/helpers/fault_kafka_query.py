"""The kill test's job with a Kafka source (tests/test_kafka.py): JSON events from a topic, a windowed aggregation
with a watermark into a parquet file sink, a few offsets per trigger. Run repeatedly on the same checkpoint; it ends
by itself once everything in the topic is processed (availableNow)."""
import sys

from ember.sql import SparkSession, functions as F

bootstrap, topic, root = sys.argv[1:4]
spark = SparkSession.builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
events = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic)
          .option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 12).load()
          .select(F.from_json(F.col("value").cast("string"), "k STRING, ts TIMESTAMP, v INT").alias("e"))
          .select("e.*"))
windows = (events.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds"), "k")
           .agg(F.count("*").alias("n"), F.sum("v").alias("total")))
q = (windows.writeStream.format("parquet").outputMode("append").trigger(availableNow=True)
     .option("checkpointLocation", f"{root}/ck").start(f"{root}/out"))
q.awaitTermination()
print("done", flush=True)
