"""Runs one benchmark case on one engine in this process and prints a JSON line with its figures."""
import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from queries import CASES  # noqa: E402
from streaming import cpu_s  # noqa: E402


def input_mb(path: str) -> float:
    """Megabytes (10^6 bytes) of the data files under `path`."""
    total = 0
    for d, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files if not f.startswith(("_", ".")))
    return total / 1e6


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
    times, cpus = [], []
    for _ in range(a.repeat):
        c = cpu_s(spark, a.engine)
        t = time.perf_counter()
        query(spark, F, a.path)
        times.append(time.perf_counter() - t)
        cpus.append(cpu_s(spark, a.engine) - c)
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
    best = min(range(len(times)), key=lambda i: times[i])
    mb = input_mb(a.path)
    print(json.dumps({"engine": a.engine, "case": a.case, "startup_s": startup, "first_s": times[0],
                      "best_s": times[best], "best_cpu_s": cpus[best], "rows": rows, "mb": mb,
                      "rows_per_s": rows / times[best], "mb_per_s": mb / times[best],
                      "rows_per_cpu_s": rows / max(cpus[best], 1e-9), "mb_per_cpu_s": mb / max(cpus[best], 1e-9),
                      "peak_rss_mb": self_rss + jvm_rss}))


if __name__ == "__main__":
    main()
