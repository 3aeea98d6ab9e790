"""Soak test (`make soak`): rate source → windowed count with a watermark → noop sink for SOAK_SECONDS (default 600).
RSS is sampled every 5 s; after a warm-up fifth of the run it must stay flat (the windowed state is evicted as the
watermark passes, so memory must not grow with the number of batches). Exits non-zero when it grows."""
import os
import sys
import time

from ember.sql import SparkSession
from ember.sql import functions as F


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    seconds = int(os.environ.get("SOAK_SECONDS", "600"))
    spark = SparkSession.builder.appName("ember-soak").getOrCreate()
    q = (spark.readStream.format("rate").option("rowsPerSecond", 20000).load()
         .withWatermark("timestamp", "2 seconds")
         .groupBy(F.window("timestamp", "1 second"), (F.col("value") % 100).alias("k")).count()
         .writeStream.format("noop").outputMode("append").start())
    samples = []
    start = time.time()
    while time.time() - start < seconds:
        time.sleep(5)
        if q.exception() is not None:
            raise q.exception()
        samples.append((time.time() - start, rss_mb()))
        print(f"{samples[-1][0]:7.0f}s  RSS {samples[-1][1]:8.1f} MB  batches {q.lastProgress and q.lastProgress['batchId']}",
              flush=True)
    q.stop()
    warm = [r for t, r in samples if t >= seconds / 5]
    base, peak = warm[0], max(warm)
    # Flat: no more than 10% (and 32 MB of allocator slack) above the level right after warm-up.
    limit = base * 1.10 + 32
    print(f"after warm-up: first {base:.1f} MB, peak {peak:.1f} MB, limit {limit:.1f} MB")
    return 0 if peak <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
