"""One Delta write in a process of its own, for the concurrency tests (tests/test_delta_concurrency.py).

Usage: delta_writer.py <table> <mode> <rows JSON: [[id, p], ...]> [replaceWhere] [repeat] [start file]
Writes the rows (columns id BIGINT, p STRING, partitioned by p) `repeat` times, each a separate commit, after
waiting for <start file> to exist when given (so two writers start together). Prints one line per write: "ok" or
"error <exception class> <message>".
"""
import json
import os
import sys
import time

from ember.sql import SparkSession

table, mode, rows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
replace_where = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 1
start = sys.argv[6] if len(sys.argv) > 6 else None

spark = SparkSession.builder.getOrCreate()
while start and not os.path.exists(start):
    time.sleep(0.005)
for i in range(repeat):
    data = [(r[0] + i * 1000 if mode == "append" and repeat > 1 else r[0], r[1]) for r in rows]
    w = spark.createDataFrame(data, "id BIGINT, p STRING").write.format("delta").mode(mode).partitionBy("p")
    if replace_where:
        w = w.option("replaceWhere", replace_where)
    try:
        w.save(table)
        print("ok", flush=True)
    except Exception as e:  # reported to the test, which asserts on it
        print("error", type(e).__name__, str(e).replace("\n", " "), flush=True)
