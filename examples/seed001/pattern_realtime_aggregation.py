"""The guide's "Pattern 2: Real-Time Aggregation": a windowed aggregation with a watermark, each micro-batch's
finished windows appended to the PostgreSQL table "aggregations" from foreachBatch.

Usage: python pattern_realtime_aggregation.py [WORK_DIR]

The database is the guide's jdbc:postgresql://localhost/db unless EMBER_JDBC_URL names another (credentials go in
the URL: jdbc:postgresql://host:port/db?user=me&password=secret). Sample purchase events are written to
WORK_DIR/events/ (a new temporary directory by default), one JSON file per micro-batch.
"""
import json
import os
import sys
import tempfile

WORK_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="realtime_agg_"))
os.makedirs(WORK_DIR, exist_ok=True)
os.chdir(WORK_DIR)

from ember.sql import SparkSession
from ember.sql.functions import avg, col, count, sum, window

JDBC_URL = os.environ.get("EMBER_JDBC_URL", "jdbc:postgresql://localhost/db")

spark = SparkSession.builder.appName("RealTimeAggregation").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "UTC")

# Three files of purchases; event time moves on by about 20 minutes per file, so the watermark (latest event time
# minus 10 minutes) closes the earlier 5-minute windows as the files arrive.
EVENTS = [
    [("12:01", "books", 10.0), ("12:03", "games", 30.0), ("12:04", "books", 5.0), ("12:07", "books", 7.5)],
    [("12:12", "games", 20.0), ("12:14", "games", 40.0), ("12:21", "music", 9.0)],
    [("12:33", "books", 12.0), ("12:44", "music", 3.0)],
]
os.makedirs("events", exist_ok=True)
for i, rows in enumerate(EVENTS):
    with open(f"events/events{i}.json", "w") as f:
        for t, category, amount in rows:
            f.write(json.dumps({"event_time": f"2024-01-01T{t}:00Z", "category": category, "amount": amount}) + "\n")
    os.utime(f"events/events{i}.json", (1_700_000_000 + i, 1_700_000_000 + i))

df = spark.readStream \
    .schema("event_time TIMESTAMP, category STRING, amount DOUBLE") \
    .option("maxFilesPerTrigger", 1) \
    .json("events/")

# Streaming aggregation with watermark
aggregated = df \
    .withWatermark("event_time", "10 minutes") \
    .groupBy(
        window(col("event_time"), "5 minutes"),
        col("category")
    ) \
    .agg(
        count("*").alias("count"),
        sum("amount").alias("total_amount"),
        avg("amount").alias("avg_amount")
    )

# Start from an empty table, so what it holds below is this run's windows.
spark.createDataFrame(
    [], "window_start TIMESTAMP, window_end TIMESTAMP, category STRING, count BIGINT, total_amount DOUBLE, "
        "avg_amount DOUBLE").write.jdbc(JDBC_URL, "aggregations", mode="overwrite")


# Write to database. A database table has no struct columns (Spark has no JDBC type for the window struct either),
# so the window's bounds become two columns.
query = aggregated.writeStream \
    .foreachBatch(lambda batch_df, id: batch_df
        .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), "category",
                "count", "total_amount", "avg_amount")
        .write
        .format("jdbc")
        .option("url", JDBC_URL)
        .option("dbtable", "aggregations")
        .mode("append")
        .save()
    ) \
    .option("checkpointLocation", "checkpoints/aggregations") \
    .start()

query.processAllAvailable()
query.stop()

print("aggregations (windows closed by the watermark):")
spark.read.jdbc(JDBC_URL, "aggregations").orderBy("window_start", "category").show(truncate=False)
spark.stop()
