"""Spark's state data sources (`format("statestore")`, `format("state-metadata")`) against PySpark 4.3: the same
streaming query runs on both engines over the same input batches into its own checkpoint, then each engine reads
its own checkpoint with its own reader and the rows are compared. `partition_id` is compared only as a column:
ember assigns keys to state partitions with its own hash, Spark with Murmur3, so which partition holds a key differs."""
import json

import pytest

from differential import modules, rows

BATCHES = [
    [{"k": "a", "v": 1, "t": 10}, {"k": "b", "v": 2, "t": 11}, {"k": "a", "v": 3, "t": 12}, {"k": "c", "v": 4, "t": 13}],
    [{"k": "c", "v": 5, "t": 21}, {"k": "d", "v": 6, "t": 22}, {"k": "d", "v": 7, "t": 23}],
    [{"k": "e", "v": 8, "t": 45}, {"k": "a", "v": 9, "t": 46}],
]


def run(session, side, tmp, name, build, mode):
    """Feed BATCHES one file per micro-batch through `build`; the checkpoint's path."""
    F, _ = modules(side)
    src_dir, ckpt = tmp / f"{side}-{name}-in", tmp / f"{side}-{name}-ckpt"
    src_dir.mkdir()
    stream = (session.readStream.schema("k string, v long, t long").json(str(src_dir))
              .withColumn("ts", F.col("t").cast("timestamp")))
    q = (build(stream, F).writeStream.format("noop").outputMode(mode)
         .option("checkpointLocation", str(ckpt)).start())
    try:
        for i, batch in enumerate(BATCHES):
            (src_dir / f"{i}.json").write_text("\n".join(json.dumps(r) for r in batch) + "\n")
            q.processAllAvailable()
    finally:
        q.stop()
    return str(ckpt)


SHAPES = {
    "aggregate": (lambda df, F: df.groupBy("k").agg(F.count("*").alias("n"), F.sum("v").alias("s"),
                                                   F.min("v").alias("lo"), F.max("v").alias("hi"),
                                                   F.avg("v").alias("m")), "update"),
    "dedupe": (lambda df, F: df.dropDuplicates(["k"]), "append"),
    "session": (lambda df, F: df.withWatermark("ts", "10 seconds").groupBy(F.session_window("ts", "5 seconds"), "k")
                .count(), "append"),
    "windowed": (lambda df, F: df.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds"), "k")
                 .count(), "update"),
}


@pytest.fixture(scope="module")
def checkpoints(spark, pyspark_session, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("state-reader")
    return {(side, name): run(session, side, tmp, name, build, mode)
            for side, session in (("ember", spark), ("pyspark", pyspark_session))
            for name, (build, mode) in SHAPES.items()}


def both(spark, pyspark_session, checkpoints, name, read):
    out = {}
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        df = read(session.read, checkpoints[(side, name)])
        out[side] = (df.schema.simpleString(), df.columns)
        keep = [c for c in df.columns if c != "partition_id"]
        out[side] += (rows(df.select(*keep), ordered=False),)
    return out


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("batch", [None, 0, 1])
def test_statestore_rows(spark, pyspark_session, checkpoints, name, batch):
    def read(reader, path):
        r = reader.format("statestore")
        return (r if batch is None else r.option("batchId", batch)).load(path)

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]
    assert got["ember"][2], "the state is not empty"


@pytest.mark.parametrize("name", list(SHAPES))
def test_statestore_change_feed(spark, pyspark_session, checkpoints, name):
    def read(reader, path):
        return (reader.format("statestore").option("readChangeFeed", True)
                .option("changeStartBatchId", 0).option("changeEndBatchId", 2).load(path))

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]


@pytest.mark.parametrize("name", list(SHAPES))
def test_state_metadata(spark, pyspark_session, checkpoints, name):
    def read(reader, path):
        return reader.format("state-metadata").load(path).drop("numPartitions")

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]


@pytest.mark.parametrize("options,condition", [
    ({"batchId": -1}, "STDS_INVALID_OPTION_VALUE.IS_NEGATIVE"),
    ({"batchId": 7}, "STDS_COMMITTED_BATCH_UNAVAILABLE"),
    ({"operatorId": 3}, "STDS_FAILED_TO_READ_STATE_SCHEMA"),
    ({"joinSide": "left"}, "STDS_FAILED_TO_READ_STATE_SCHEMA"),
    ({"readChangeFeed": True}, "STDS_REQUIRED_OPTION_UNSPECIFIED"),
])
def test_option_errors(spark, pyspark_session, checkpoints, options, condition):
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        with pytest.raises(Exception) as e:
            session.read.format("statestore").options(**options).load(checkpoints[(side, "aggregate")]).collect()
        assert e.value.getCondition() == condition, (side, e.value)
        assert type(e.value).__name__ == "SparkRuntimeException", (side, type(e.value))
