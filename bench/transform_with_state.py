"""transformWithStateInPandas throughput (issue 17): a per-user running total in a ValueState over 1M events of 10k
users (20 Parquet files, maxFilesPerTrigger 2, availableNow, noop sink), on one engine per process:
    python bench/transform_with_state.py ember|pyspark DATA_DIR [EVENTS]
The last stdout line is JSON: rows, seconds, rows/s. PySpark runs it on the RocksDB state store, which it requires."""
import json
import os
import sys
import time

import pandas as pd

USERS = 10_000
FILES = 20


class RunningTotal:
    def init(self, handle):
        self.total = handle.getValueState("total", "total LONG")

    def handleInputRows(self, key, rows, timerValues):
        total = self.total.get()[0] if self.total.exists() else 0
        for pdf in rows:
            total += int(pdf["amount"].sum())
        self.total.update((total,))
        yield pd.DataFrame({"user": [key[0]], "total": [total]})

    def close(self):
        pass


def data_dir(root: str, events: int) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = os.path.join(root, f"tws_{events}")
    if os.path.isdir(d) and len(os.listdir(d)) == FILES:
        return d
    os.makedirs(d, exist_ok=True)
    per = events // FILES
    for i in range(FILES):
        ids = pa.array([(i * per + j) * 7919 % USERS for j in range(per)], pa.int64())
        amounts = pa.array([(i * per + j) % 100 for j in range(per)], pa.int64())
        pq.write_table(pa.table({"user": ids, "amount": amounts}), os.path.join(d, f"part-{i:02d}.parquet"))
    return d


def main():
    engine, root = sys.argv[1], sys.argv[2]
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    path = data_dir(root, events)
    if engine == "ember":
        from ember.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
    else:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]")
                 .config("spark.sql.shuffle.partitions", os.environ.get("BENCH_PYSPARK_SHUFFLE_PARTITIONS", "2"))
                 .config("spark.ui.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.streaming.stateStore.providerClass",
                   "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")
    df = spark.readStream.schema("user BIGINT, amount BIGINT").option("maxFilesPerTrigger", 2).parquet(path)
    out = df.groupBy("user").transformWithStateInPandas(RunningTotal(), "user BIGINT, total BIGINT", "Update", "None")
    t0 = time.perf_counter()
    q = out.writeStream.outputMode("update").format("noop").trigger(availableNow=True).start()
    q.awaitTermination()
    elapsed = time.perf_counter() - t0
    rows = sum(p["numInputRows"] for p in q.recentProgress)
    print(json.dumps({"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed}))


if __name__ == "__main__":
    main()
