"""Streaming file sinks (parquet/csv/json/text with the `_spark_metadata` log) and `writeStream.foreach`."""
import json
import os

import pytest

from ember.errors import AnalysisException, IllegalArgumentException, PySparkAttributeError, StreamingQueryException
from ember.sql import Row, functions as F
from ember.testing import MemoryStream


def _start(df, fmt, out, ck, **kw):
    w = df.writeStream.format(fmt).option("checkpointLocation", str(ck))
    for k, v in kw.items():
        w = w.option(k, v)
    return w.start(str(out))


def _log(out, batch_id):
    lines = (out / "_spark_metadata" / str(batch_id)).read_text().split("\n")
    return lines[0], [json.loads(line) for line in lines[1:]]


def _parts(out):
    found = []
    for root, _, files in os.walk(out):
        if "_spark_metadata" in root:
            continue
        found += [os.path.relpath(os.path.join(root, f), out) for f in files]
    return sorted(found)


@pytest.mark.parametrize("fmt,ext", [("parquet", ".snappy.parquet"), ("csv", ".csv"), ("json", ".json")])
def test_file_sink_round_trip(spark, tmp_path, fmt, ext):
    ms = MemoryStream("id INT, name STRING", spark)
    out = tmp_path / "out"
    q = _start(ms.toDF(), fmt, out, tmp_path / "ck")
    ms.addData([(1, "a"), (2, "b")])
    q.processAllAvailable()
    ms.addData([(3, "c")])
    q.processAllAvailable()
    assert q.lastProgress["sink"]["description"] == f"FileSink[file:{out}]"
    q.stop()
    parts = _parts(out)
    assert len(parts) == 2 and all(p.startswith("part-00000-") and p.endswith("-c000" + ext) for p in parts)
    reader = spark.read.schema("id INT, name STRING")
    got = getattr(reader, fmt)(str(out)).collect()
    assert sorted(got) == [Row(id=1, name="a"), Row(id=2, name="b"), Row(id=3, name="c")]


def test_text_sink_and_start_with_path_option(spark, tmp_path):
    ms = MemoryStream("value STRING", spark)
    out = tmp_path / "out"
    q = (ms.toDF().writeStream.format("text").option("path", str(out))
         .option("checkpointLocation", str(tmp_path / "ck")).start())
    ms.addData(["x", "y"])
    q.processAllAvailable()
    q.stop()
    [part] = _parts(out)
    assert part.endswith("-c000.txt")
    assert (out / part).read_text() == "x\ny\n"
    assert sorted(spark.read.text(str(out)).collect()) == [Row(value="x"), Row(value="y")]


def test_spark_metadata_log_content(spark, tmp_path):
    ms = MemoryStream("id INT", spark)
    out = tmp_path / "out"
    q = _start(ms.toDF(), "json", out, tmp_path / "ck")
    ms.addData([1])
    q.processAllAvailable()
    ms.addData([2, 3])
    q.processAllAvailable()
    q.stop()
    assert sorted(os.listdir(out / "_spark_metadata")) == ["0", "1"]
    for batch_id in (0, 1):
        version, entries = _log(out, batch_id)
        assert version == "v1" and len(entries) == 1
        e = entries[0]
        assert list(e) == ["path", "size", "isDir", "modificationTime", "blockReplication", "blockSize", "action"]
        assert e["path"].startswith(f"file://{out}/part-00000-") and e["path"].endswith("-c000.json")
        local = e["path"][len("file://"):]
        assert e["size"] == os.path.getsize(local)
        assert (e["isDir"], e["blockReplication"], e["blockSize"], e["action"]) == (False, 1, 33554432, "add")
        assert abs(e["modificationTime"] - os.path.getmtime(local) * 1000) < 2000
    _, [second] = _log(out, 1)
    assert open(second["path"][len("file://"):]).read() == '{"id":2}\n{"id":3}\n'


def test_file_sink_partition_by(spark, tmp_path):
    ms = MemoryStream("id INT, k STRING", spark)
    out = tmp_path / "out"
    q = (ms.toDF().writeStream.format("parquet").partitionBy("k")
         .option("checkpointLocation", str(tmp_path / "ck")).start(str(out)))
    ms.addData([(1, "x"), (2, "a b"), (3, "x"), (4, None)])
    q.processAllAvailable()
    q.stop()
    parts = _parts(out)
    assert [p.split("/")[0] for p in parts] == ["k=__HIVE_DEFAULT_PARTITION__", "k=a b", "k=x"]
    assert all(".c000.snappy.parquet" in p for p in parts)
    _, entries = _log(out, 0)
    assert sorted(e["path"].split("/")[-2] for e in entries) == ["k=__HIVE_DEFAULT_PARTITION__", "k=a%20b", "k=x"]
    got = spark.read.parquet(str(out)).orderBy("id").collect()
    assert got == [Row(id=1, k="x"), Row(id=2, k="a b"), Row(id=3, k="x"), Row(id=4, k=None)]


def test_readers_list_only_logged_files(spark, tmp_path):
    ms = MemoryStream("id INT", spark)
    out = tmp_path / "out"
    q = _start(ms.toDF(), "csv", out, tmp_path / "ck")
    ms.addData([1, 2])
    q.processAllAvailable()
    q.stop()
    # Left by a batch that failed before its log entry: not part of the output.
    (out / "part-00009-stray-c000.csv").write_text("99\n")
    assert sorted(spark.read.schema("id INT").csv(str(out)).collect()) == [Row(id=1), Row(id=2)]


def test_file_sink_from_file_source(spark, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_text('{"user":"u1","n":1}\n{"user":"u2","n":5}\n')
    out = tmp_path / "out"
    df = spark.readStream.schema("user STRING, n INT").json(str(src)).where("n > 2").select("user", (F.col("n") * 10).alias("n10"))
    q = _start(df, "csv", out, tmp_path / "ck", header=True)
    q.processAllAvailable()
    q.stop()
    [part] = _parts(out)
    assert (out / part).read_text() == "user,n10\nu2,50\n"


def test_empty_batch_writes_one_logged_empty_file(spark, tmp_path):
    ms = MemoryStream("id INT", spark)
    out = tmp_path / "out"
    q = _start(ms.toDF().where("id > 10"), "json", out, tmp_path / "ck")
    ms.addData([1])
    q.processAllAvailable()
    q.stop()
    [part] = _parts(out)
    _, [entry] = _log(out, 0)
    assert entry["path"].endswith(part) and entry["size"] == 0


def test_file_sink_errors(spark, tmp_path):
    ms = MemoryStream("id INT, k STRING", spark)
    df = ms.toDF()
    out, ck = str(tmp_path / "out"), str(tmp_path / "ck")
    with pytest.raises(IllegalArgumentException, match=r"^'path' is not specified\.$"):
        df.writeStream.format("parquet").option("checkpointLocation", ck).start()
    with pytest.raises(AnalysisException) as e:
        df.writeStream.format("parquet").start(out)
    assert str(e.value) == (
        'checkpointLocation must be specified either through option("checkpointLocation", ...) or '
        'SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...).'
    )
    with pytest.raises(AnalysisException) as e:
        df.groupBy("k").count().writeStream.format("Parquet").outputMode("complete").option("checkpointLocation", ck).start(out)
    assert str(e.value) == (
        "[STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE] Invalid streaming output mode: complete. "
        "This output mode is not supported in Data Source Parquet. SQLSTATE: 42KDE"
    )
    with pytest.raises(AnalysisException, match="Invalid streaming output mode: update. This output mode is not supported in Data Source csv"):
        df.writeStream.format("csv").outputMode("update").option("checkpointLocation", ck).start(out)
    with pytest.raises(AnalysisException, match=r"^Partition column zz not found in existing columns \(id, k\)\.$"):
        df.writeStream.format("json").partitionBy("zz").start()
    with pytest.raises(AnalysisException, match="ALL_PARTITION_COLUMNS_NOT_ALLOWED"):
        df.select("k").writeStream.format("json").partitionBy("k").option("checkpointLocation", ck).start(out)
    with pytest.raises(AnalysisException, match="There is a 'path' option set and start\\(\\) is called with a path parameter"):
        df.writeStream.format("json").option("path", out).option("checkpointLocation", ck).start(out)
    assert not os.path.exists(out)


def test_checkpoint_location_from_conf(spark, tmp_path):
    ms = MemoryStream("id INT", spark)
    spark.conf.set("spark.sql.streaming.checkpointLocation", str(tmp_path / "ck"))
    try:
        q = ms.toDF().writeStream.format("json").start(str(tmp_path / "out"))
    finally:
        spark.conf.unset("spark.sql.streaming.checkpointLocation")
    ms.addData([7])
    q.processAllAvailable()
    q.stop()
    assert spark.read.json(str(tmp_path / "out")).collect() == [Row(id=7)]


def test_text_sink_rejects_non_string_columns(spark, tmp_path):
    ms = MemoryStream("id INT", spark)
    q = _start(ms.toDF(), "text", tmp_path / "out", tmp_path / "ck")
    ms.addData([1])
    with pytest.raises(StreamingQueryException, match="The Text datasource doesn't support the column `id` of the type \"INT\""):
        q.awaitTermination(10)


def test_pyspark_reads_ember_file_sink_output(spark, pyspark_session, tmp_path):
    ms = MemoryStream("id INT, k STRING", spark)
    out = tmp_path / "out"
    q = (ms.toDF().writeStream.format("parquet").partitionBy("k")
         .option("checkpointLocation", str(tmp_path / "ck")).start(str(out)))
    ms.addData([(1, "x"), (2, "y:z")])
    q.processAllAvailable()
    ms.addData([(3, "x")])
    q.processAllAvailable()
    q.stop()
    (out / "k=x" / "part-00042-stray.c000.snappy.parquet").write_bytes(
        next((out / "k=x").glob("part-*.parquet")).read_bytes())
    got = pyspark_session.read.parquet(str(out)).orderBy("id").collect()
    assert [tuple(r) for r in got] == [(1, "x"), (2, "y:z"), (3, "x")]


def test_foreach_with_a_function(spark):
    ms = MemoryStream("id INT, name STRING", spark)
    seen = []
    q = ms.toDF().where("id > 1").writeStream.foreach(seen.append).start()
    ms.addData([(1, "a"), (2, "b")])
    q.processAllAvailable()
    ms.addData([(3, "c")])
    q.processAllAvailable()
    q.stop()
    assert seen == [Row(id=2, name="b"), Row(id=3, name="c")]


def test_foreach_with_open_process_close(spark):
    ms = MemoryStream("id INT", spark)
    events = []

    class Writer:
        def open(self, partition_id, epoch_id):
            events.append(("open", partition_id, epoch_id))
            return epoch_id != 1

        def process(self, row):
            events.append(("process", row.id))

        def close(self, error):
            events.append(("close", error))

    q = ms.toDF().writeStream.foreach(Writer()).start()
    for rows in ([1, 2], [3], [4]):
        ms.addData(rows)
        q.processAllAvailable()
    q.stop()
    assert events == [
        ("open", 0, 0), ("process", 1), ("process", 2), ("close", None),
        ("open", 0, 1), ("close", None),  # open returned False: the batch's rows are skipped
        ("open", 0, 2), ("process", 4), ("close", None),
    ]


def test_foreach_process_only_and_aggregation(spark):
    ms = MemoryStream("w STRING", spark)
    rows = []

    class Only:
        def process(self, row):
            rows.append(tuple(row))

    q = ms.toDF().groupBy("w").count().writeStream.outputMode("complete").foreach(Only()).start()
    ms.addData(["a", "b", "a"])
    q.processAllAvailable()
    q.stop()
    assert sorted(rows) == [("a", 2), ("b", 1)]


def test_foreach_close_gets_the_error_and_the_query_fails(spark):
    ms = MemoryStream("id INT", spark)
    closed = []

    class Failing:
        def process(self, row):
            if row.id == 2:
                raise ValueError(f"boom {row.id}")

        def close(self, error):
            closed.append(error)

    q = ms.toDF().writeStream.foreach(Failing()).start()
    ms.addData([1, 2, 3])
    with pytest.raises(StreamingQueryException, match="boom 2"):
        q.awaitTermination(10)
    assert len(closed) == 1 and isinstance(closed[0], ValueError) and str(closed[0]) == "boom 2"
    assert not q.isActive


def test_foreach_argument_errors(spark):
    w = MemoryStream("id INT", spark).toDF().writeStream

    class NoProcess:
        pass

    class ProcessNotCallable:
        process = 5

    class OpenNotCallable:
        open = 3

        def process(self, row):
            pass

    class CloseNotCallable:
        close = None

        def process(self, row):
            pass

    for bad, attr in [(5, "process"), (NoProcess(), "process"), (ProcessNotCallable(), "process"),
                      (OpenNotCallable(), "open"), (CloseNotCallable(), "close")]:
        with pytest.raises(PySparkAttributeError) as e:
            w.foreach(bad)
        assert str(e.value) == f"[ATTRIBUTE_NOT_CALLABLE] Attribute `{attr}` in provided object `f` is not callable."
        assert e.value.getErrorClass() == "ATTRIBUTE_NOT_CALLABLE"


def test_a_first_batch_that_fails_half_way_leaves_nothing_visible(spark, tmp_path):
    ms = MemoryStream("id INT, k STRING", spark)
    out = tmp_path / "out"
    q = (ms.toDF().writeStream.format("parquet").partitionBy("k")
         .option("checkpointLocation", str(tmp_path / "ck")).start(str(out)))
    # The second partition's directory name is too long for the file system: its write fails after the first
    # partition's part file is written.
    ms.addData([(1, "a"), (2, "x" * 300)])
    with pytest.raises(StreamingQueryException):
        q.processAllAvailable()
    assert _parts(out), "the first partition's file was written before the failure"
    assert spark.read.schema("id INT, k STRING").parquet(str(out)).count() == 0
