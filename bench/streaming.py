"""Runs one streaming benchmark case on one engine in this process; prints progress lines, then one JSON line.

Cases (the queries are written once against the PySpark API):
  latency        ember.testing.MemoryStream → memory sink, addData + processAllAvailable per trigger (ember only)
  latency_files  one small CSV file per trigger → memory sink, processAllAvailable (both engines: PySpark has no
                 Python MemoryStream, so this is the like-for-like comparison)
  csv_stream     seed 000: CSV files, maxFilesPerTrigger 2, groupBy(event).count(), complete, noop, availableNow
  json_windows   seed 002: JSON files, watermark 10 min, groupBy(window 1 min, event_type).count(), update, noop,
                 availableNow
  join_inner / join_left_outer
                 two JSON streams of 500k rows, 10-minute watermarks, joined on the user within 15 minutes, noop,
                 availableNow: rows/s and peak state rows
  json_1mb       seed 002's windowed query over 1 MB JSON files, one file per trigger, all present at the start
                 (micro-batches back to back): per-trigger latency p50/p99 under load and the phases of a trigger
  soak           rate-micro-batch through the same windowed aggregation, state rows and RSS sampled (ember only)
"""
import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

CSV_SCHEMA = "timestamp STRING, user_id INT, event STRING"
JSON_SCHEMA = "event_id STRING, timestamp TIMESTAMP, user_id INT, event_type STRING, value DOUBLE, session_id STRING"
EVENTS = ["login", "logout", "purchase", "view"]


def session(engine: str):
    if engine == "ember":
        from ember.sql import SparkSession
        import ember.sql.functions as F
    else:
        from pyspark.sql import SparkSession
        import pyspark.sql.functions as F
    # Enough recent progress for every batch of a run (json_1mb has 146).
    b = SparkSession.builder.appName("bench").config("spark.sql.ansi.enabled", "false") \
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.streaming.numRecentProgressUpdates", "1000")
    if engine == "pyspark":
        b = (b.master("local[2]").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "4g"))
        parts = os.environ.get("BENCH_PYSPARK_SHUFFLE_PARTITIONS")
        if parts:
            b = b.config("spark.sql.shuffle.partitions", parts)
    spark = b.getOrCreate()
    if engine == "pyspark":
        spark.sparkContext.setLogLevel("OFF")
    return spark, F


def _status_mb(pid, key: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(spark, engine: str) -> float:
    """Current resident set of this process plus, for PySpark, its JVM child."""
    mb = _status_mb("self", "VmRSS")
    if engine == "pyspark":
        mb += _status_mb(spark.sparkContext._gateway.proc.pid, "VmRSS")
    return mb


def cpu_s(spark, engine: str) -> float:
    """CPU seconds used so far by this process (all threads) plus, for PySpark, its JVM child."""
    total = time.process_time()
    if engine == "pyspark":
        with open(f"/proc/{spark.sparkContext._gateway.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_rss_mb(spark, engine: str) -> float:
    """High-water RSS of this process plus, for PySpark, its JVM child."""
    mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if engine == "pyspark":
        mb += _status_mb(spark.sparkContext._gateway.proc.pid, "VmHWM")
    return mb


def field(p, name):
    """A progress field: ember's progress is a dict; PySpark 4's StreamingQueryProgress has attributes."""
    try:
        return p[name]
    except (TypeError, KeyError):
        return getattr(p, name)


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---- per-trigger latency ------------------------------------------------------------------------------------

def small_rows(n: int, k: int):
    return [(f"2024-01-01T00:{(k // 60) % 60:02d}:{k % 60:02d}.{i:06d}", i % 5 + 1, EVENTS[i % 4]) for i in range(n)]


def latency_memory(spark, F, a):
    from ember.testing import MemoryStream
    from ember.sql.types import IntegerType, StringType, StructType

    schema = StructType().add("timestamp", StringType()).add("user_id", IntegerType()).add("event", StringType())
    ms = MemoryStream(schema, spark)
    q = ms.toDF().writeStream.format("memory").queryName("latency").outputMode("append").start()
    batches = [small_rows(a.rows, k) for k in range(a.warmup + a.iters)]
    add_t, total_t = [], []
    for k, rows in enumerate(batches):
        t = time.perf_counter()
        ms.addData(rows)
        t1 = time.perf_counter()
        q.processAllAvailable()
        t2 = time.perf_counter()
        if k >= a.warmup:
            add_t.append(t1 - t)
            total_t.append(t2 - t)
    n = spark.sql("SELECT count(*) FROM latency").collect()[0][0]
    q.stop()
    if n != a.rows * len(batches):
        raise SystemExit(f"memory sink has {n} rows, expected {a.rows * len(batches)}")
    return {"what": f"MemoryStream.addData({a.rows} rows) + processAllAvailable, memory sink",
            "p50_ms": percentile(total_t, 50) * 1e3, "p99_ms": percentile(total_t, 99) * 1e3,
            "min_ms": min(total_t) * 1e3, "max_ms": max(total_t) * 1e3,
            "add_p50_ms": percentile(add_t, 50) * 1e3, "iters": len(total_t), "rows_out": n}


def latency_files(spark, F, a):
    work = tempfile.mkdtemp(prefix="bench_latency_", dir=a.tmp)
    watched, staging = os.path.join(work, "in"), os.path.join(work, "staging")
    os.makedirs(watched)
    os.makedirs(staging)
    try:
        df = spark.readStream.option("header", True).schema(CSV_SCHEMA).csv(watched)
        q = (df.writeStream.format("memory").queryName("latency").outputMode("append")
             .option("checkpointLocation", os.path.join(work, "ckpt")).start())
        times = []
        for k in range(a.warmup + a.iters):
            name = f"event_batch_{k:06d}.csv"
            with open(os.path.join(staging, name), "w") as f:
                f.write("timestamp,user_id,event\n")
                f.writelines(f"{t},{u},{e}\n" for t, u, e in small_rows(a.rows, k))
            t = time.perf_counter()
            os.rename(os.path.join(staging, name), os.path.join(watched, name))  # appears whole, as a source needs
            q.processAllAvailable()
            if k >= a.warmup:
                times.append(time.perf_counter() - t)
        n = spark.sql("SELECT count(*) FROM latency").collect()[0][0]
        q.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if n != a.rows * (a.warmup + a.iters):
        raise SystemExit(f"memory sink has {n} rows, expected {a.rows * (a.warmup + a.iters)}")
    return {"what": f"one {a.rows}-row CSV file per trigger (file source) + processAllAvailable, memory sink",
            "p50_ms": percentile(times, 50) * 1e3, "p99_ms": percentile(times, 99) * 1e3,
            "min_ms": min(times) * 1e3, "max_ms": max(times) * 1e3, "iters": len(times), "rows_out": n}


# ---- throughput over files ----------------------------------------------------------------------------------

def run_available_now(spark, build, a, rows_expected):
    """Start the query and wait for availableNow to finish, a.repeat times; returns [(seconds, cpu seconds,
    progress list)] per run."""
    runs = []
    for r in range(a.repeat):
        ckpt = tempfile.mkdtemp(prefix="bench_ckpt_", dir=a.tmp)
        try:
            c = cpu_s(spark, a.engine)
            t = time.perf_counter()
            q = build().option("checkpointLocation", ckpt).start()
            q.awaitTermination()
            secs = time.perf_counter() - t
            cpu = cpu_s(spark, a.engine) - c
            progress = q.recentProgress
        finally:
            shutil.rmtree(ckpt, ignore_errors=True)
        rows = sum(field(p, "numInputRows") for p in progress)
        log(f"    run {r + 1}: {secs:.3f} s ({cpu:.3f} CPU s), {len(progress)} batches, {rows} rows")
        if rows != rows_expected:
            raise SystemExit(f"expected {rows_expected} input rows, progress reports {rows}")
        runs.append((secs, cpu, progress))
    return runs


def throughput(runs, rows):
    secs = [s for s, _, _ in runs]
    best = min(range(len(runs)), key=lambda i: secs[i])
    # Rows the sink received over the first run: the same on both engines when batches and semantics agree.
    out_rows = sum(field(field(p, "sink"), "numOutputRows") for p in runs[0][2])
    return {"rows": rows, "first_s": secs[0], "best_s": secs[best], "rows_per_s": rows / secs[best],
            "best_cpu_s": runs[best][1], "batches": len(runs[0][2]), "output_rows": out_rows}


def csv_stream(spark, F, a):
    def build():
        df = spark.readStream.option("header", True).option("maxFilesPerTrigger", 2).schema(CSV_SCHEMA).csv(a.path)
        return (df.groupBy("event").count().writeStream.outputMode("complete").format("noop")
                .trigger(availableNow=True))

    return throughput(run_available_now(spark, build, a, a.rows), a.rows)


def json_windows(spark, F, a):
    def build():
        df = spark.readStream.option("maxFilesPerTrigger", 2).schema(JSON_SCHEMA).json(a.path)
        agg = (df.withWatermark("timestamp", "10 minutes")
               .groupBy(F.window("timestamp", "1 minute"), "event_type").count())
        return agg.writeStream.outputMode("update").format("noop").trigger(availableNow=True)

    runs = run_available_now(spark, build, a, a.rows)
    out = throughput(runs, a.rows)
    # The state as progress reports it (the same on both engines when they agree on the semantics).
    ops = [field(p, "stateOperators") for p in runs[0][2]]
    state_rows = [field(o[0], "numRowsTotal") for o in ops if o]
    out.update({"state_rows_max": max(state_rows, default=0), "state_rows_last": state_rows[-1] if state_rows else 0,
                "late_rows_dropped": sum(field(o[0], "numRowsDroppedByWatermark") for o in ops if o)})
    return out


def stream_join(spark, F, a, how):
    """Two JSON streams (a.path/clicks, a.path/purchases), one file of each per trigger, 10-minute watermarks, joined
    on the user within a 15-minute range (`how`: inner or leftOuter), noop sink, availableNow."""
    def build():
        clicks = (spark.readStream.option("maxFilesPerTrigger", 1)
                  .schema("user_id INT, click_time TIMESTAMP, click_id LONG").json(os.path.join(a.path, "clicks"))
                  .withWatermark("click_time", "10 minutes"))
        purchases = (spark.readStream.option("maxFilesPerTrigger", 1)
                     .schema("buyer_id INT, purchase_time TIMESTAMP, amount DOUBLE")
                     .json(os.path.join(a.path, "purchases")).withWatermark("purchase_time", "10 minutes"))
        joined = clicks.join(purchases, F.expr(
            "user_id = buyer_id AND purchase_time >= click_time AND purchase_time <= click_time + interval 15 minutes"),
            how)
        return joined.writeStream.format("noop").trigger(availableNow=True)

    runs = run_available_now(spark, build, a, a.rows)
    out = throughput(runs, a.rows)
    ops = [field(p, "stateOperators") for p in runs[0][2]]
    state_rows = [field(o[0], "numRowsTotal") for o in ops if o]
    out.update({"state_rows_max": max(state_rows, default=0), "state_rows_last": state_rows[-1] if state_rows else 0,
                "late_rows_dropped": sum(field(o[0], "numRowsDroppedByWatermark") for o in ops if o)})
    return out


def json_1mb(spark, F, a):
    """1 MB micro-batches back to back: the windowed query of json_windows with one ~1 MB file per trigger and all
    files waiting, so each trigger starts as the previous one ends. Per-trigger latency is each batch's
    triggerExecution; the phases' means show what a trigger costs besides reading and aggregating."""
    def build():
        df = spark.readStream.option("maxFilesPerTrigger", 1).schema(JSON_SCHEMA).json(a.path)
        agg = (df.withWatermark("timestamp", "10 minutes")
               .groupBy(F.window("timestamp", "1 minute"), "event_type").count())
        return agg.writeStream.outputMode("update").format("noop").trigger(availableNow=True)

    runs = run_available_now(spark, build, a, a.rows)
    out = throughput(runs, a.rows)
    # Every run's batches with input (availableNow may end with one no-data batch for the watermark).
    batches = [p for _, _, progress in runs for p in progress if field(p, "numInputRows") > 0]
    trig = [field(field(p, "durationMs"), "triggerExecution") for p in batches]
    phases = {}
    for name in ("latestOffset", "walCommit", "getBatch", "addBatch", "commitOffsets", "queryPlanning"):
        phases[name] = sum(field(field(p, "durationMs"), name) for p in batches) / max(len(batches), 1)
    out.update({"trigger_p50_ms": percentile(trig, 50), "trigger_p99_ms": percentile(trig, 99),
                "trigger_max_ms": max(trig), "data_batches": len(batches), "phase_mean_ms": phases})
    return out


# ---- soak ---------------------------------------------------------------------------------------------------

def soak(spark, F, a):
    """rate-micro-batch (the fastest ember source: no parsing, no Python rows): a.batch_rows rows per batch, the
    batch clock advancing 1 minute; each row's event time lags the batch clock by value % 90 s, and event_type is
    value % 4, so every batch touches 2–3 one-minute windows and the 10-minute watermark evicts old ones."""
    batches = a.rows // a.batch_rows
    df = (spark.readStream.format("rate-micro-batch").option("rowsPerBatch", a.batch_rows)
          .option("advanceMillisPerBatch", 60_000).option("startTimestamp", 1_704_067_200_000).load())
    kind = F.col("value") % 4
    events = df.select(
        (F.col("timestamp").cast("long") - F.col("value") % 90).cast("timestamp").alias("timestamp"),
        F.when(kind == 0, "click").when(kind == 1, "view").when(kind == 2, "purchase").otherwise("add_to_cart")
        .alias("event_type"))
    agg = events.withWatermark("timestamp", "10 minutes").groupBy(F.window("timestamp", "1 minute"), "event_type").count()
    c0, t0 = cpu_s(spark, a.engine), time.perf_counter()
    q = agg.writeStream.outputMode("update").format("noop").start()
    samples, next_report, step = [], 0, max(1, batches // 10)
    last_id = -1
    while True:
        p = q.lastProgress
        if p is not None and p["batchId"] != last_id:
            last_id = p["batchId"]
            done = last_id + 1
            if done >= next_report or done >= batches:
                ops = p["stateOperators"]
                s = {"batch": last_id, "events": done * a.batch_rows, "elapsed_s": time.perf_counter() - t0,
                     "state_rows": ops[0]["numRowsTotal"] if ops else 0, "rss_mb": rss_mb(spark, a.engine),
                     "watermark": p.get("eventTime", {}).get("watermark")}
                samples.append(s)
                log(f"    batch {s['batch']:5d}  events {s['events'] / 1e6:6.1f}M  state rows {s['state_rows']:6d}  "
                    f"RSS {s['rss_mb']:6.1f} MB  watermark {s['watermark']}")
                next_report = done + step
            if done >= batches:
                break
        if not q.isActive:
            raise SystemExit(f"soak query stopped: {q.exception()}")
        time.sleep(0.02)
    secs, cpu = time.perf_counter() - t0, cpu_s(spark, a.engine) - c0
    q.stop()
    done = (last_id + 1) * a.batch_rows  # up to here (the query may have run a batch or two more before stop)
    # After warm-up: the rate over the second half of the samples.
    mid, end = samples[len(samples) // 2], samples[-1]
    steady = (end["events"] - mid["events"]) / max(end["elapsed_s"] - mid["elapsed_s"], 1e-9)
    return {"rows": done, "secs": secs, "cpu_s": cpu, "rows_per_s": done / secs, "steady_rows_per_s": steady,
            "samples": samples}


CASES = {"latency": latency_memory, "latency_files": latency_files, "csv_stream": csv_stream,
         "json_windows": json_windows, "json_1mb": json_1mb, "soak": soak,
         "join_inner": lambda spark, F, a: stream_join(spark, F, a, "inner"),
         "join_left_outer": lambda spark, F, a: stream_join(spark, F, a, "leftOuter")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["ember", "pyspark"], required=True)
    ap.add_argument("--case", choices=sorted(CASES), required=True)
    ap.add_argument("--path", default="")
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--batch-rows", type=int, default=100_000)
    ap.add_argument("--tmp", default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    spark, F = session(a.engine)
    startup = time.perf_counter() - t0
    out = CASES[a.case](spark, F, a)
    out.update({"engine": a.engine, "case": a.case, "startup_s": startup, "peak_rss_mb": peak_rss_mb(spark, a.engine)})
    if a.engine == "pyspark":
        spark.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
