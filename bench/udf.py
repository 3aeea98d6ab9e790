"""Python UDF case: a scalar `udf` (called per row) and a `pandas_udf` (Series → Series) over N rows of
`spark.range(N)`, each summed so the whole column is computed, on one engine per process.
Prints per-UDF seconds and rows/s; the last line is the JSON result.

    python bench/udf.py ember|pyspark N
"""
import json
import os
import sys
import time


def session(engine: str):
    if engine == "ember":
        from ember.sql import SparkSession, functions as F

        spark = SparkSession.builder.appName("bench-udf").getOrCreate()
    else:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession, functions as F

        spark = (SparkSession.builder.master("local[2]").appName("bench-udf").config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", os.environ.get("BENCH_PYSPARK_SHUFFLE_PARTITIONS", "2"))
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    return spark, F


def plus_one(s):
    return s + 1


def main():
    engine, n = sys.argv[1], int(sys.argv[2])
    spark, F = session(engine)
    import pandas as pd

    scalar = F.udf(lambda x: x + 1, "long")

    def vectorised(s: pd.Series) -> pd.Series:
        return s + 1

    pandas = F.pandas_udf(vectorised, "long")
    df = spark.range(n)
    result = {"engine": engine, "rows": n}
    for name, f in (("scalar_udf", scalar), ("pandas_udf", pandas)):
        t = time.perf_counter()
        total = df.select(F.sum(f("id"))).collect()[0][0]
        s = time.perf_counter() - t
        assert total == n * (n + 1) // 2, total
        result[f"{name}_s"] = s
        print(f"    {engine:8s} {name:10s} {s:6.2f} s  {n / s / 1e6:6.2f}M rows/s", file=sys.stderr, flush=True)
    spark.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
