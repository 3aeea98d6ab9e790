"""File-based streaming: CSV, JSON and Parquet file sources, an explicit schema, a checkpoint location for the
file sink, and maxFilesPerTrigger.

Usage: python 02_file_streaming.py [WORK_DIR]

The script works in WORK_DIR (a new temporary directory by default), where the guide's relative paths "input/",
"output/" and "checkpoint/" live; each part starts from empty directories and writes its own sample input files.
Every query processes what is there (processAllAvailable) and is then stopped.
"""
import os
import shutil
import sys
import tempfile

# Relative paths are resolved against the working directory the session starts in: move there first.
WORK_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="file_streaming_"))
os.makedirs(WORK_DIR, exist_ok=True)
os.chdir(WORK_DIR)

from ember.sql import SparkSession
from ember.sql.functions import count, sum
from ember.sql.types import *

spark = SparkSession.builder.appName("FileStreaming").getOrCreate()
spark.sparkContext.setLogLevel("WARN")

schema = StructType([
    StructField("id", IntegerType()),
    StructField("name", StringType()),
    StructField("value", DoubleType())
])

ROWS = [
    [(1, "alice", 10.5), (2, "bob", 20.0)],
    [(3, "carol", 7.25), (4, "dave", 1.0)],
    [(5, "erin", 3.5)],
]


def start_afresh():
    """Each part starts without the previous part's input, output and checkpoint."""
    for d in ("input", "output", "checkpoint", "staging"):
        shutil.rmtree(d, ignore_errors=True)


def write_csv_files(header):
    os.makedirs("input", exist_ok=True)
    for i, rows in enumerate(ROWS):
        with open(f"input/part{i}.csv", "w") as f:
            if header:
                f.write("id,name,value\n")
            for r in rows:
                f.write(",".join(str(v) for v in r) + "\n")


def csv_with_header():
    """The guide's quick start: CSV files with a header line, written to Parquet with a checkpoint."""
    write_csv_files(header=True)

    df = spark.readStream \
        .format("csv") \
        .option("header", "true") \
        .schema(schema) \
        .load("input/")

    query = df.writeStream \
        .format("parquet") \
        .option("path", "output/") \
        .option("checkpointLocation", "checkpoint/") \
        .start()

    query.processAllAvailable()
    query.stop()
    print("CSV (with header) -> Parquet output/:")
    spark.read.parquet("output/").orderBy("id").show()


def csv_without_header():
    """The guide's file-streaming example: header-less CSV files, the schema names the columns."""
    write_csv_files(header=False)

    # Read CSV stream
    df = spark.readStream.format("csv").schema(schema).load("input/")

    print("isStreaming:", df.isStreaming)
    df.printSchema()

    # Write to Parquet
    query = df.writeStream \
        .format("parquet") \
        .option("path", "output/") \
        .option("checkpointLocation", "checkpoint/") \
        .start()

    query.processAllAvailable()
    query.stop()
    print("CSV (no header) -> Parquet output/:")
    spark.read.parquet("output/").orderBy("id").show()


def json_source():
    """JSON lines files; an explicit schema instead of (slow) inference."""
    os.makedirs("input", exist_ok=True)
    for i, rows in enumerate(ROWS):
        with open(f"input/events{i}.json", "w") as f:
            for r in rows:
                f.write('{"id": %d, "name": "%s", "value": %s}\n' % r)

    df = spark.readStream.schema(schema).json("input/")

    summary = df.agg(count("*").alias("rows"), sum("value").alias("total_value"))
    query = summary.writeStream \
        .outputMode("complete") \
        .format("console") \
        .start()

    query.processAllAvailable()
    query.stop()


def parquet_source_max_files_per_trigger():
    """Parquet files (converted here from CSV by batch jobs), read one file per micro-batch."""
    os.makedirs("input", exist_ok=True)
    os.makedirs("staging", exist_ok=True)
    for i, rows in enumerate(ROWS):
        with open(f"staging/part{i}.csv", "w") as f:
            f.write("".join(",".join(str(v) for v in r) + "\n" for r in rows))
        spark.read.schema(schema).csv(f"staging/part{i}.csv").write.parquet(f"staging/{i}")
        [part] = [n for n in os.listdir(f"staging/{i}") if n.endswith(".parquet")]
        os.replace(f"staging/{i}/{part}", f"input/file{i}.parquet")
        # Files are picked up in modification-time order: keep them apart.
        os.utime(f"input/file{i}.parquet", (1_700_000_000 + i, 1_700_000_000 + i))

    df = spark.readStream \
        .schema(schema) \
        .option("maxFilesPerTrigger", 1) \
        .parquet("input/")

    query = df.writeStream \
        .format("json") \
        .option("path", "output/") \
        .option("checkpointLocation", "checkpoint/") \
        .start()

    query.processAllAvailable()
    query.stop()
    rows_per_batch = [p["numInputRows"] for p in query.recentProgress if p["numInputRows"] > 0]
    print(f"Parquet -> JSON output/ with maxFilesPerTrigger=1: {len(rows_per_batch)} batches, "
          f"rows per batch {rows_per_batch}")
    spark.read.schema(schema).json("output/").orderBy("id").show()


def main():
    print(f"Working in {WORK_DIR}")
    for part in (csv_with_header, csv_without_header, json_source, parquet_source_max_files_per_trigger):
        start_afresh()
        part()
    spark.stop()


if __name__ == "__main__":
    main()
