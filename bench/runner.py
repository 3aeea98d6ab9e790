"""Runs one benchmark case on one engine in this process and prints a JSON line with its figures."""
import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from queries import CASES  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["ember", "pyspark"], required=True)
    ap.add_argument("--case", choices=sorted(CASES), required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    t0 = time.perf_counter()
    if a.engine == "ember":
        from ember.sql import SparkSession
        import ember.sql.functions as F
    else:
        from pyspark.sql import SparkSession
        import pyspark.sql.functions as F
    builder = SparkSession.builder.appName("bench").config("spark.sql.ansi.enabled", "false")
    if a.engine == "pyspark":
        builder = builder.master("local[2]").config("spark.ui.enabled", "false").config("spark.driver.memory", "4g")
        if os.environ.get("BENCH_PYSPARK_SHUFFLE_PARTITIONS"):
            builder = builder.config("spark.sql.shuffle.partitions", os.environ["BENCH_PYSPARK_SHUFFLE_PARTITIONS"])
    spark = builder.getOrCreate()
    if a.engine == "pyspark":
        spark.sparkContext.setLogLevel("OFF")
    startup = time.perf_counter() - t0
    query, _, rows = CASES[a.case]
    times = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        query(spark, F, a.path)
        times.append(time.perf_counter() - t)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    jvm_rss = 0.0
    if a.engine == "pyspark":
        # The JVM is a child that outlives this measurement: read its high-water mark directly.
        pid = spark.sparkContext._gateway.proc.pid
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    jvm_rss = int(line.split()[1]) / 1024
        spark.stop()
    best = min(times)
    print(json.dumps({"engine": a.engine, "case": a.case, "startup_s": startup, "first_s": times[0], "best_s": best,
                      "rows": rows, "rows_per_s": rows / best, "peak_rss_mb": self_rss + jvm_rss}))


if __name__ == "__main__":
    main()
