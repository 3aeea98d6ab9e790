"""State store writes per batch (issue 9): a streaming aggregation (memory source → groupBy(k).sum(v), update mode,
noop sink, checkpointed) whose state first receives 1M keys, then 10k updated keys (1%) per batch. Prints the
bytes each batch added under the checkpoint's state/ directory: a change file per partition, proportional to the
keys updated, and every spark.sql.streaming.stateStore.minDeltasForSnapshot (10) versions a full snapshot."""
import os
import sys
import tempfile
import time

from ember.sql import SparkSession
from ember.testing import MemoryStream


def state_files(root):
    out = {}
    for d, _, files in os.walk(os.path.join(root, "state")):
        for f in files:
            p = os.path.join(d, f)
            out[p] = os.path.getsize(p)
    return out


def main():
    keys = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    changed = keys // 100
    spark = SparkSession.builder.getOrCreate()
    src = MemoryStream("k BIGINT, v BIGINT", spark)
    with tempfile.TemporaryDirectory() as ck:
        q = (src.toDF().groupBy("k").sum("v").writeStream.outputMode("update").format("noop")
             .option("checkpointLocation", ck).start())
        print(f"== state store: {keys:,} keys, then {changed:,} updated keys (1%) per batch, groupBy sum, update, "
              "noop sink, 2 state partitions")
        before = state_files(ck)
        rows = [(k, 1) for k in range(keys)]
        for b in range(batches + 1):
            src.addData(rows)
            t = time.perf_counter()
            q.processAllAvailable()
            wall = (time.perf_counter() - t) * 1000
            now = state_files(ck)
            added = {p: s for p, s in now.items() if before.get(p) != s}
            kinds = sorted({os.path.splitext(p)[1].lstrip(".") for p in added} - {""})
            op = q.lastProgress["stateOperators"][0]
            print(f"  batch {b:>2}: {op['numRowsUpdated']:>9,} keys updated, state {op['numRowsTotal']:,} rows → "
                  f"{sum(added.values()):>11,} bytes written ({'+'.join(kinds) or '-'}), state commit "
                  f"{op['commitTimeMs']} ms, trigger {wall:.0f} ms")
            before = now
            start = (b * changed) % keys
            rows = [(k, 1) for k in range(start, start + changed)]
        q.stop()
        total = sum(state_files(ck).values())
        print(f"  state/ on disk after {batches + 1} batches: {total:,} bytes")


if __name__ == "__main__":
    main()
