"""Seed 003's pipeline — Task_1 (nested JSON stream → flat, typed CSV) then Task_2 (CSV stream → 10-second windows
with a 30-second watermark) — on ember and on PySpark 4.3 (skipped without it). Task 1 is compared by what each
micro-batch wrote to CSV; Task 2 by what foreachBatch receives in each micro-batch, in append mode (the parquet
writer of the notebook) and update mode (its console view), plus watermarks and state figures, reading either
engine's CSV.

The code is the notebooks' (notebooks/ at the top), with F and T for the engine's functions and types."""
import importlib.util
import os
from datetime import datetime, timedelta

import pytest

from differential import modules
from file_order import files_by_batch, order_by_batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _generator():
    spec = importlib.util.spec_from_file_location("seed003_main", os.path.join(ROOT, "examples", "seed003", "main.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def json_dir(tmp_path_factory):
    """24 files of the example's generator (2 minutes from 10:00:00), then one file arriving late: records from
    10:00:05 (behind the watermark by then: dropped) and 10:01:45 (its window still open)."""
    import random

    gen = _generator()
    out = str(tmp_path_factory.mktemp("seed003") / "json_files")
    random.seed(11)
    gen.generate(24, 5, 0, datetime(2024, 1, 1, 10, 0, 0), 5.0, out)
    late = [datetime(2024, 1, 1, 10, 0, 5), datetime(2024, 1, 1, 10, 0, 7), datetime(2024, 1, 1, 10, 1, 45)]
    gen.write_file(24, [gen.make_record(t) for t in late], out)
    return out


def task_1(spark, F, T, json_dir, csv_dir, checkpoint):
    schema = T.StructType([
        T.StructField("Analytics", T.StructType([
            T.StructField("Clicks", T.StringType()),
            T.StructField("Impressions", T.StringType()),
        ])),
        T.StructField("Sales", T.StructType([
            T.StructField("Quantity", T.StringType()),
            T.StructField("Total_Price", T.StringType()),
        ])),
        T.StructField("Datetime", T.StringType()),
    ])
    raw = spark.readStream.schema(schema).option("maxFilesPerTrigger", 4).json(json_dir)
    flat = raw.select(
        F.col("Analytics.Clicks").cast("int").alias("Clicks"),
        F.col("Analytics.Impressions").cast("int").alias("Impressions"),
        F.col("Sales.Quantity").cast("int").alias("Quantity"),
        F.col("Sales.Total_Price").cast("decimal(10,2)").alias("Total_Price"),
        F.to_timestamp(F.col("Datetime"), "yyyy-MM-dd HH:mm:ss").alias("Datetime"),
    )
    query = flat.writeStream \
        .format("csv") \
        .option("header", True) \
        .option("path", csv_dir) \
        .option("checkpointLocation", checkpoint) \
        .outputMode("append") \
        .trigger(availableNow=True) \
        .start()
    query.awaitTermination()
    return [p["numInputRows"] for p in query.recentProgress]


def task_2(spark, F, T, csv_dir):
    schema = T.StructType([
        T.StructField("Clicks", T.IntegerType()),
        T.StructField("Impressions", T.IntegerType()),
        T.StructField("Quantity", T.IntegerType()),
        T.StructField("Total_Price", T.DecimalType(10, 2)),
        T.StructField("Datetime", T.TimestampType()),
    ])
    clicks = spark.readStream.schema(schema).option("header", True).option("maxFilesPerTrigger", 1).csv(csv_dir)
    return clicks \
        .withWatermark("Datetime", "30 seconds") \
        .groupBy(F.window(F.col("Datetime"), "10 seconds")) \
        .agg(
            F.count("*").alias("Records"),
            F.sum("Clicks").alias("Clicks"),
            F.sum("Impressions").alias("Impressions"),
            F.sum("Quantity").alias("Quantity"),
            F.sum("Total_Price").alias("Total_Price"),
        ) \
        .select(
            F.col("window.start").alias("Window_Start"),
            F.col("window.end").alias("Window_End"),
            "Records", "Clicks", "Impressions", "Quantity", "Total_Price",
        )


def _run_task_2(df, mode, checkpoint):
    got = []

    def collect(batch_df, batch_id):
        got.append((batch_id, batch_df.schema.simpleString(), sorted(tuple(r) for r in batch_df.collect())))

    query = df.writeStream.outputMode(mode).foreachBatch(collect).option("checkpointLocation", checkpoint) \
        .trigger(availableNow=True).start()
    query.awaitTermination()
    progress = [(p["batchId"], p["numInputRows"], p["eventTime"].get("watermark"),
                 [(o["operatorName"], o["numRowsTotal"], o["numRowsUpdated"], o["numRowsRemoved"],
                   o["numRowsDroppedByWatermark"]) for o in p["stateOperators"]]) for p in query.recentProgress]
    return got, progress


def _csv_batches(csv_dir):
    """{batch id: (header lines, sorted data lines)} of what Task 1 wrote."""
    out = {}
    for batch, files in files_by_batch(csv_dir).items():
        headers, lines = set(), []
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read().splitlines()
            if text:
                headers.add(text[0])
                lines += text[1:]
        out[batch] = (sorted(headers), sorted(lines))
    return out


@pytest.fixture(scope="module")
def csv_dirs(json_dir, spark, pyspark_session, tmp_path_factory):
    """Task 1 on each engine: {side: (CSV directory, rows per batch)}, files then ordered by batch."""
    out = {}
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        F, T = modules(side)
        base = tmp_path_factory.mktemp(f"task1_{side}")
        csv_dir = str(base / "csv_files")
        rows = task_1(session, F, T, json_dir, csv_dir, str(base / "checkpoint"))
        out[side] = (csv_dir, rows)
    for csv_dir, _ in out.values():
        order_by_batch(csv_dir)
    return out


def test_task_1_writes_the_same_csv_in_each_batch(csv_dirs):
    (ours, our_rows), (theirs, their_rows) = csv_dirs["ember"], csv_dirs["pyspark"]
    assert our_rows == their_rows == [20, 20, 20, 20, 20, 20, 3]
    a, b = _csv_batches(ours), _csv_batches(theirs)
    assert a == b
    assert a[0][0] == ["Clicks,Impressions,Quantity,Total_Price,Datetime"]
    assert any(line.endswith(",2024-01-01T10:00:05.000Z") for line in a[6][1])


@pytest.mark.parametrize("mode", ["append", "update"])
@pytest.mark.parametrize("written_by", ["ember", "pyspark"])
def test_task_2_batches_match(csv_dirs, spark, pyspark_session, tmp_path, mode, written_by):
    csv_dir = csv_dirs[written_by][0]
    results = {}
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        F, T = modules(side)
        results[side] = _run_task_2(task_2(session, F, T, csv_dir), mode, str(tmp_path / f"checkpoint_{side}"))
    (ours, our_progress), (theirs, their_progress) = results["ember"], results["pyspark"]
    assert ours == theirs, "foreachBatch batches differ"
    assert our_progress == their_progress, "progress (rows, watermark, state) differs"
    if mode == "append":
        emitted = [row for _, _, rows in ours for row in rows]
        assert len(emitted) == len({r[0] for r in emitted}) == 8  # each window once
        # The late file's 10:00:05 and 10:00:07 records are dropped, not added to the finished window.
        assert sum(ops[0][4] for *_, ops in our_progress) == 1  # counted after partial aggregation: one window
        assert all(r[1] <= datetime(2024, 1, 1, 10, 1, 20) for r in emitted)
    else:
        assert max(len(rows) for _, _, rows in ours) >= 2
