"""The benchmark queries, written once against the PySpark API and run unchanged on ember and on PySpark."""


def csv_group_count(spark, F, path):
    """Seed 000's query on a batch: read the event CSVs with a schema, count per event."""
    schema = "timestamp STRING, user_id INT, event STRING"
    df = spark.read.option("header", True).schema(schema).csv(path)
    return df.groupBy("event").count().collect()


def json_group_agg(spark, F, path):
    """Seed 002's events: read JSON lines with a schema, aggregate per event type."""
    schema = "event_id STRING, timestamp TIMESTAMP, user_id INT, event_type STRING, value DOUBLE, session_id STRING"
    df = spark.read.schema(schema).json(path)
    return df.groupBy("event_type").agg(F.count("*").alias("n"), F.avg("value").alias("avg"), F.sum("value").alias("total")).collect()


CASES = {
    "csv": (csv_group_count, "csv", 5_000_000),
    "json": (json_group_agg, "json", 1_000_000),
}
