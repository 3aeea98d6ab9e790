#!/usr/bin/env python3
"""Structured Streaming WordCount.

Usage:
    python3 streaming_wordcount.py file   [input_dir] [output_dir] [trigger_seconds]
    python3 streaming_wordcount.py window [input_dir] [output_dir] [window_duration] [slide_duration]
    python3 streaming_wordcount.py socket [host] [port]

file:   counts the words of every text file that appears in input_dir; the running counts are printed on the
        console after each trigger and saved as Parquet in output_dir.
window: counts words per sliding time window (by the time the words arrived); printed on the console and saved
        as Parquet in output_dir.
socket: counts the words of the lines received from a TCP socket (e.g. `nc -lk 9999`).

Checkpoints: ./checkpoint/<mode> for the console query, {output_dir}_checkpoint for the Parquet output. A
checkpoint belongs to one query: use another output directory per mode, or delete old checkpoints, when switching
between the file and window modes.

The program runs until interrupted (Ctrl+C). To stop it after a while instead, pass --timeout SECONDS or set the
environment variable WORDCOUNT_TIMEOUT.
"""
import os
import sys

from ember.sql import SparkSession
from ember.sql.functions import col, current_timestamp, desc, explode, lower, split, trim, window

DEFAULT_INPUT = "input/"
DEFAULT_OUTPUT = "output/"
DEFAULT_TRIGGER_SECONDS = 10
DEFAULT_WINDOW = "2 minutes"
DEFAULT_SLIDE = "1 minute"
CHECKPOINT_ROOT = "./checkpoint"


def create_spark_session(app_name):
    spark = SparkSession.builder \
        .appName(app_name) \
        .config("spark.sql.shuffle.partitions", "4") \
        .getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def console_checkpoint(mode):
    return f"{CHECKPOINT_ROOT}/{mode}"


def output_checkpoint(output_path):
    """{output_path}_checkpoint, next to the output directory."""
    return output_path.rstrip("/") + "_checkpoint"


def split_words(lines):
    """One row per word: lower case, split on anything that is not a letter, digit or apostrophe."""
    words = lines.select(explode(split(lower(col("value")), "[^a-z0-9']+")).alias("word"))
    return words.filter(trim(col("word")) != "")


def save_as_parquet(output_path):
    """A foreachBatch function: the file sink only appends, so the complete result table of each trigger
    replaces the previous one in output_path."""
    def save(batch_df, batch_id):
        batch_df.write.mode("overwrite").parquet(output_path)
    return save


def file_wordcount(spark, input_path, output_path, trigger_seconds):
    print(f"File stream mode: watching {input_path}, saving counts to {output_path}, "
          f"trigger every {trigger_seconds} seconds")
    lines = spark.readStream.format("text").load(input_path)
    word_counts = split_words(lines).groupBy("word").count()

    console_query = word_counts.orderBy(desc("count"), "word") \
        .writeStream \
        .outputMode("complete") \
        .format("console") \
        .option("truncate", "false") \
        .option("numRows", 20) \
        .option("checkpointLocation", console_checkpoint("file")) \
        .trigger(processingTime=f"{trigger_seconds} seconds") \
        .queryName("word_counts_console") \
        .start()

    file_query = word_counts.writeStream \
        .outputMode("complete") \
        .foreachBatch(save_as_parquet(output_path)) \
        .option("checkpointLocation", output_checkpoint(output_path)) \
        .trigger(processingTime=f"{trigger_seconds} seconds") \
        .queryName("word_counts_parquet") \
        .start()
    return [console_query, file_query]


def window_wordcount(spark, input_path, output_path, window_duration, slide_duration):
    print(f"Window mode: watching {input_path}, window {window_duration} sliding every {slide_duration}")
    lines = spark.readStream.format("text").load(input_path) \
        .withColumn("timestamp", current_timestamp())
    words = lines.select(
        explode(split(lower(col("value")), "[^a-z0-9']+")).alias("word"),
        col("timestamp"))
    words = words.filter(trim(col("word")) != "")
    windowed_counts = words \
        .groupBy(window(col("timestamp"), window_duration, slide_duration), col("word")) \
        .count()
    result = windowed_counts.select(
        col("window.start").alias("window_start"),
        col("window.end").alias("window_end"),
        "word",
        "count")

    console_query = result.orderBy("window_start", desc("count"), "word") \
        .writeStream \
        .outputMode("complete") \
        .format("console") \
        .option("truncate", "false") \
        .option("numRows", 50) \
        .option("checkpointLocation", console_checkpoint("window")) \
        .queryName("windowed_counts_console") \
        .start()

    file_query = result.writeStream \
        .outputMode("complete") \
        .foreachBatch(save_as_parquet(output_path)) \
        .option("checkpointLocation", output_checkpoint(output_path)) \
        .queryName("windowed_counts_parquet") \
        .start()
    return [console_query, file_query]


def socket_wordcount(spark, host, port):
    print(f"Socket mode: reading lines from {host}:{port}")
    lines = spark.readStream \
        .format("socket") \
        .option("host", host) \
        .option("port", port) \
        .load()
    word_counts = split_words(lines).groupBy("word").count()

    query = word_counts.orderBy(desc("count"), "word") \
        .writeStream \
        .outputMode("complete") \
        .format("console") \
        .option("truncate", "false") \
        .option("checkpointLocation", console_checkpoint("socket")) \
        .queryName("socket_word_counts") \
        .start()
    return [query]


def usage():
    print(__doc__.strip())
    sys.exit(1)


def parse_timeout(args):
    """--timeout SECONDS (or WORDCOUNT_TIMEOUT): stop after that long instead of running until interrupted."""
    timeout = os.environ.get("WORDCOUNT_TIMEOUT")
    if "--timeout" in args:
        i = args.index("--timeout")
        if i + 1 >= len(args):
            usage()
        timeout = args[i + 1]
        del args[i:i + 2]
    return float(timeout) if timeout else None


def main():
    args = sys.argv[1:]
    timeout = parse_timeout(args)
    mode = args[0] if args else "file"

    if mode == "file":
        input_path = args[1] if len(args) > 1 else DEFAULT_INPUT
        output_path = args[2] if len(args) > 2 else DEFAULT_OUTPUT
        trigger_seconds = int(args[3]) if len(args) > 3 else DEFAULT_TRIGGER_SECONDS
        spark = create_spark_session("StructuredStreamingWordCount")
        queries = file_wordcount(spark, input_path, output_path, trigger_seconds)
    elif mode == "window":
        input_path = args[1] if len(args) > 1 else DEFAULT_INPUT
        output_path = args[2] if len(args) > 2 else DEFAULT_OUTPUT
        window_duration = args[3] if len(args) > 3 else DEFAULT_WINDOW
        slide_duration = args[4] if len(args) > 4 else DEFAULT_SLIDE
        spark = create_spark_session("StructuredStreamingWindowedWordCount")
        queries = window_wordcount(spark, input_path, output_path, window_duration, slide_duration)
    elif mode == "socket":
        host = args[1] if len(args) > 1 else "localhost"
        port = int(args[2]) if len(args) > 2 else 9999
        spark = create_spark_session("StructuredStreamingSocketWordCount")
        queries = socket_wordcount(spark, host, port)
    else:
        usage()

    try:
        if timeout is None:
            spark.streams.awaitAnyTermination()
        else:
            spark.streams.awaitAnyTermination(timeout)
    except KeyboardInterrupt:
        print("Interrupted, stopping")
    finally:
        for query in queries:
            query.stop()
        spark.stop()
    print("Stopped")


if __name__ == "__main__":
    main()
