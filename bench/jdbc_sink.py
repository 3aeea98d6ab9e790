"""JDBC sink case: 1M events of seed 002's shape (bench/datagen.json_events_dir: 20 JSON files) read as a stream,
maxFilesPerTrigger 2, each micro-batch appended from foreachBatch to a PostgreSQL 15 table (binary COPY, one
transaction per batch) on a throwaway local server. Prints rows/s end to end and for the database writes alone;
the last line is the JSON result. ember only: PySpark would need a JDBC driver jar.

    python bench/jdbc_sink.py DATA_DIR
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import datagen  # noqa: E402
from helpers import postgres_server  # noqa: E402

SCHEMA = "event_id STRING, timestamp TIMESTAMP, user_id BIGINT, event_type STRING, value DOUBLE, session_id STRING"


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    path = datagen.json_events_dir(data)
    if not postgres_server.available():
        raise SystemExit(f"PostgreSQL 15 is not installed ({postgres_server.PG_BIN}): run `make services`")
    from ember.sql import SparkSession

    spark = SparkSession.builder.appName("bench-jdbc").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    import tempfile

    with postgres_server.running() as pg, tempfile.TemporaryDirectory() as tmp:
        url = f"{pg.url}?user={pg.properties['user']}&password={pg.properties['password']}"
        spark.createDataFrame([], SCHEMA).write.jdbc(url, "events", mode="overwrite")
        write_s = []

        def write(batch_df, batch_id):
            t = time.perf_counter()
            batch_df.write.format("jdbc").option("url", url).option("dbtable", "events").mode("append").save()
            write_s.append(time.perf_counter() - t)

        df = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 2).json(path)
        t0 = time.perf_counter()
        q = (df.writeStream.foreachBatch(write).option("checkpointLocation", os.path.join(tmp, "ck"))
             .trigger(availableNow=True).start())
        q.awaitTermination()
        total = time.perf_counter() - t0
        rows = int(pg.sql("SELECT count(*) FROM events"))
        result = {"rows": rows, "batches": len(write_s), "total_s": total, "write_s": sum(write_s),
                  "rows_per_s": rows / total, "write_rows_per_s": rows / sum(write_s)}
        print(f"    {rows} rows in {len(write_s)} batches: {total:.2f} s end to end "
              f"({result['rows_per_s'] / 1e3:.0f}k rows/s), database writes {sum(write_s):.2f} s "
              f"({result['write_rows_per_s'] / 1e3:.0f}k rows/s)", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
