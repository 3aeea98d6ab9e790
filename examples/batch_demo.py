"""Batch demo over seed-000-shaped data: generated event CSV files read with a schema, then the aggregations the
streaming tutorial runs, printed as PySpark prints them. Runs in well under a second.

Only the import lines differ from the PySpark version of this script.
"""
import os
import random
import tempfile
import time
from datetime import datetime, timedelta

from ember.sql import SparkSession
from ember.sql import functions as F
from ember.sql.types import IntegerType, StringType, StructType

EVENTS = ["login", "logout", "purchase", "view"]


def generate(directory: str, files: int = 10, rows: int = 10) -> None:
    """What the seed's generator/csv_writer.py writes: event_batch_N.csv with timestamp,user_id,event."""
    rnd = random.Random(7)
    start = datetime(2024, 1, 1, 9, 0, 0)
    for i in range(files):
        with open(os.path.join(directory, f"event_batch_{i}.csv"), "w") as f:
            f.write("timestamp,user_id,event\n")
            for j in range(rows):
                ts = start + timedelta(seconds=i * 3 + j * 0.25)
                f.write(f"{ts.isoformat()},{rnd.randint(1, 5)},{rnd.choice(EVENTS)}\n")


def main() -> None:
    t0 = time.perf_counter()
    spark = SparkSession.builder.appName("CSVBatchDemo").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    schema = StructType().add("timestamp", StringType()).add("user_id", IntegerType()).add("event", StringType())

    with tempfile.TemporaryDirectory() as d:
        generate(d)
        df = spark.read.option("header", True).schema(schema).csv(d)
        df.printSchema()
        df.orderBy("timestamp").show(5)

        counts = df.groupBy("event").count().orderBy("event")
        counts.show()

        per_user = (
            df.withColumn("ts", F.to_timestamp("timestamp"))
            .groupBy("user_id")
            .agg(F.count("*").alias("events"), F.countDistinct("event").alias("kinds"), F.max("ts").alias("last_seen"))
            .orderBy("user_id")
        )
        per_user.show(truncate=False)

        df.createOrReplaceTempView("events")
        spark.sql("SELECT event, count(*) AS n FROM events WHERE user_id > 2 GROUP BY event ORDER BY n DESC, event").show()
    print(f"demo finished in {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
