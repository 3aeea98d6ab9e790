"""Custom output: foreachBatch (a function per micro-batch) and foreach (a function or an object per row), and
what happens when the custom code fails.

Usage: python 07_foreach_sink.py [WORK_DIR]

As the guide, each batch is appended to the PostgreSQL table "results" over JDBC. The database is the guide's
jdbc:postgresql://localhost/db unless EMBER_JDBC_URL names another (credentials go in the URL:
jdbc:postgresql://host:port/db?user=me&password=secret). Sample order files are written to WORK_DIR/orders/
(WORK_DIR is a new temporary directory by default), one file per micro-batch.
"""
import os
import sys
import tempfile

# Relative paths are resolved against the working directory the session starts in: move there first.
WORK_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="foreach_sink_"))
os.makedirs(WORK_DIR, exist_ok=True)
os.chdir(WORK_DIR)

from ember.sql import SparkSession
from ember.sql.functions import col, lit
from ember.errors import StreamingQueryException

JDBC_URL = os.environ.get("EMBER_JDBC_URL", "jdbc:postgresql://localhost/db")

spark = SparkSession.builder.appName("ForeachSink").getOrCreate()
spark.sparkContext.setLogLevel("WARN")

ORDERS = [
    [(1, "books", 12.5), (2, "games", 60.0), (3, "books", 8.0)],
    [(4, "music", 9.99), (5, "games", 45.0)],
    [(6, "books", 30.0)],
]
os.makedirs("orders", exist_ok=True)
for i, rows in enumerate(ORDERS):
    with open(f"orders/orders{i}.csv", "w") as f:
        f.write("".join(f"{oid},{category},{amount}\n" for oid, category, amount in rows))
    # Files are picked up in modification-time order: keep them apart.
    os.utime(f"orders/orders{i}.csv", (1_700_000_000 + i, 1_700_000_000 + i))

df = spark.readStream \
    .schema("order_id INT, category STRING, amount DOUBLE") \
    .option("maxFilesPerTrigger", 1) \
    .csv("orders/")


def process_batch(batch_df, batch_id):
    """Process each micro-batch."""
    print(f"Processing batch {batch_id}")

    # Custom logic
    batch_df.write \
        .format("jdbc") \
        .option("url", JDBC_URL) \
        .option("dbtable", "results") \
        .mode("append") \
        .save()


print("== foreachBatch ==")
# Start from an empty "results" table, so what it holds below is this run's batches.
spark.createDataFrame([], df.schema).write.jdbc(JDBC_URL, "results", mode="overwrite")
# Use foreachBatch
query = df.writeStream \
    .foreachBatch(process_batch) \
    .start()

query.processAllAvailable()
query.stop()
print("results now holds:")
spark.read.jdbc(JDBC_URL, "results").orderBy("order_id").show()


# A batch whose write fails is not committed: after a restart from the checkpoint the same batch id comes again
# with the same rows. Appending would then store its rows twice when the failure came after the database had
# committed; deleting the batch's earlier rows first makes the write idempotent. sessionInitStatement runs on the
# write's connection before its rows are copied.
def process_batch_idempotently(batch_df, batch_id):
    batch_df.withColumn("batch_id", lit(batch_id)).write \
        .format("jdbc") \
        .option("url", JDBC_URL) \
        .option("dbtable", "results_by_batch") \
        .option("sessionInitStatement", f"DELETE FROM results_by_batch WHERE batch_id = {batch_id}") \
        .mode("append") \
        .save()


print("== foreachBatch, idempotent per batch id ==")
spark.createDataFrame([], "order_id INT, category STRING, amount DOUBLE, batch_id BIGINT") \
    .write.jdbc(JDBC_URL, "results_by_batch", mode="overwrite")
query = df.writeStream.foreachBatch(process_batch_idempotently) \
    .option("checkpointLocation", "checkpoints/idempotent").start()
query.processAllAvailable()
query.stop()
# The same batches written again (a replay after a failure) leave one copy of each.
for batch_id in range(3):
    process_batch_idempotently(spark.read.schema(df.schema).csv(f"orders/orders{batch_id}.csv"), batch_id)
print("results_by_batch rows per batch:",
      [(r.batch_id, r["count"]) for r in spark.read.jdbc(JDBC_URL, "results_by_batch").groupBy("batch_id").count()
       .orderBy("batch_id").collect()])


def write_to_multiple_sinks(batch_df, batch_id):
    """One batch, several outputs: every order as CSV, the big ones as JSON, and a per-batch summary."""
    batch_df.write.mode("append").csv("all_orders/")
    big = batch_df.filter(col("amount") >= 40)
    big.write.mode("append").json("big_orders/")
    print(f"batch {batch_id}: {batch_df.count()} orders, {big.count()} big")


print("== foreachBatch writing to several sinks ==")
query = df.writeStream.foreachBatch(write_to_multiple_sinks).start()
query.processAllAvailable()
query.stop()
print("big_orders/:", sorted(r.order_id for r in spark.read.schema(df.schema).json("big_orders/").collect()))


print("== foreach with a function per row ==")


# foreach functions run where the rows are (Spark's executors): their print() output goes to the executors' logs
# (in local PySpark, to stderr) rather than to the driver's console.
def print_row(row):
    print(f"order {row.order_id}: {row.category} {row.amount:.2f}")


query = df.writeStream.foreach(print_row).start()
query.processAllAvailable()
query.stop()


print("== foreach with an object (open / process / close) ==")


class CategoryTotals:
    """Per epoch and partition: open() starts, process() sees each row, close() finishes (or reports the error)."""

    def open(self, partition_id, epoch_id):
        self.epoch_id = epoch_id
        self.totals = {}
        return True

    def process(self, row):
        self.totals[row.category] = self.totals.get(row.category, 0.0) + row.amount

    def close(self, error):
        if error is None:
            print(f"epoch {self.epoch_id}: " + ", ".join(f"{k}={v:.2f}" for k, v in sorted(self.totals.items())))
        else:
            print(f"epoch {self.epoch_id} failed: {error}")


query = df.writeStream.foreach(CategoryTotals()).start()
query.processAllAvailable()
query.stop()


print("== error handling in a sink ==")


def fragile_batch(batch_df, batch_id):
    if batch_id == 1:
        raise ValueError(f"cannot store batch {batch_id}")
    print(f"stored batch {batch_id}")


query = df.writeStream.foreachBatch(fragile_batch).start()
try:
    query.awaitTermination()
except StreamingQueryException as e:
    print(f"The query failed with a {type(e).__name__}; the sink's error is in its message:",
          "ValueError: cannot store batch 1" in str(e))
print("isActive:", query.isActive, "| exception() set:", query.exception() is not None)

spark.stop()
