"""Spark's state data sources (`format("statestore")`, `format("state-metadata")`) against PySpark 4.3: the same
streaming query runs on both engines over the same input batches into its own checkpoint, then each engine reads
its own checkpoint with its own reader and the rows are compared, `partition_id` included: both engines put a key in
the partition Spark's hash partitioning (Murmur3 of the keys, seed 42, modulo the shuffle partitions) gives it."""
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


def _self_join(df, F):
    """The stream joined with itself within 5 seconds of event time: a symmetricHashJoin with both sides' state."""
    left = (df.select(F.col("k").alias("lk"), F.col("v").alias("lv"), F.col("ts").alias("lt"))
            .withWatermark("lt", "10 seconds"))
    right = (df.select(F.col("k").alias("rk"), F.col("v").alias("rv"), F.col("ts").alias("rt"))
             .withWatermark("rt", "10 seconds"))
    return left.join(right, F.expr("lk = rk AND rt >= lt AND rt <= lt + interval 5 seconds"), "leftOuter")


def _group_state(df, F):
    from test_differential_group_state import running_total

    return df.groupBy("k").applyInPandasWithState(running_total, "k STRING, total LONG, n LONG", "total LONG, n LONG",
                                                  "update", "NoTimeout")


def _group_state_with_timeout(df, F):
    """applyInPandasWithState with an event-time timeout: its state also keeps each key's timeout timestamp, and
    keys whose timeout passed are removed (deletes in the change feed)."""
    from test_differential_group_state import session_with_event_timeout

    return (df.withWatermark("ts", "10 seconds").groupBy("k")
            .applyInPandasWithState(session_with_event_timeout, "k STRING, n LONG, closed BOOLEAN", "n LONG",
                                    "append", "EventTimeTimeout"))


# Read with their own options (a join's state only through joinSide or a store name).
OTHER_SHAPES = {"join": (_self_join, "append"), "group_state": (_group_state, "update")}
OTHER_SHAPES["group_state_timeout"] = (_group_state_with_timeout, "append")
GROUP_STATE_SHAPES = ["group_state", "group_state_timeout"]


@pytest.fixture(scope="module")
def checkpoints(spark, pyspark_session, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("state-reader")
    return {(side, name): run(session, side, tmp, name, build, mode)
            for side, session in (("ember", spark), ("pyspark", pyspark_session))
            for name, (build, mode) in {**SHAPES, **OTHER_SHAPES}.items()}


def both(spark, pyspark_session, checkpoints, name, read):
    out = {}
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        df = read(session.read, checkpoints[(side, name)])
        out[side] = (df.schema.simpleString(), df.columns)
        out[side] += (rows(df, ordered=False),)
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
        return reader.format("state-metadata").load(path)

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]




@pytest.mark.parametrize("name", GROUP_STATE_SHAPES)
@pytest.mark.parametrize("batch", [None, 0, 1])
def test_statestore_rows_of_apply_in_pandas_with_state(spark, pyspark_session, checkpoints, name, batch):
    def read(reader, path):
        r = reader.format("statestore")
        return (r if batch is None else r.option("batchId", batch)).load(path)

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]
    assert got["ember"][2], "the state is not empty"
    # Spark's layout: the grouping columns as the key, the user's state nested in groupState.
    assert got["ember"][0].startswith("struct<key:struct<k:string>,value:struct<groupState:struct<"), got["ember"][0]


@pytest.mark.parametrize("name", GROUP_STATE_SHAPES)
def test_statestore_change_feed_of_apply_in_pandas_with_state(spark, pyspark_session, checkpoints, name):
    def read(reader, path):
        return (reader.format("statestore").option("readChangeFeed", True)
                .option("changeStartBatchId", 0).load(path))

    got = both(spark, pyspark_session, checkpoints, name, read)
    assert got["ember"] == got["pyspark"]
    assert len({r[-1] for r in got["ember"][2]}) == 2, "the keys are spread over both shuffle partitions"


def test_statestore_change_feed_of_apply_in_pandas_with_state_over_batches_without_changes(
        spark, pyspark_session, checkpoints):
    # Batch 1 only raised the watermark (no key timed out): no rows, but the columns are typed as the state's.
    def read(reader, path):
        return (reader.format("statestore").option("readChangeFeed", True)
                .option("changeStartBatchId", 1).option("changeEndBatchId", 1).load(path))

    got = both(spark, pyspark_session, checkpoints, "group_state_timeout", read)
    assert got["ember"] == got["pyspark"]
    assert got["ember"][2] == [] and "groupState:struct<n:bigint>,timeoutTimestamp:bigint" in got["ember"][0]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("batch", [None, 1])
def test_statestore_rows_of_a_join_side(spark, pyspark_session, checkpoints, side, batch):
    def read(reader, path):
        r = reader.format("statestore").option("joinSide", side)
        return (r if batch is None else r.option("batchId", batch)).load(path)

    got = both(spark, pyspark_session, checkpoints, "join", read)
    assert got["ember"] == got["pyspark"]
    assert got["ember"][2], "the state is not empty"


JOIN_STORES = ["left-keyToNumValues", "left-keyWithIndexToValue", "right-keyToNumValues",
               "right-keyWithIndexToValue"]


@pytest.mark.parametrize("store", JOIN_STORES)
@pytest.mark.parametrize("batch", [None, 1])
def test_statestore_rows_of_a_join_store(spark, pyspark_session, checkpoints, store, batch):
    """Spark's four stores of a join read raw: counts per key; rows under (key, index) with their matched flag."""
    def read(reader, path):
        r = reader.format("statestore").option("storeName", store)
        return (r if batch is None else r.option("batchId", batch)).load(path)

    got = both(spark, pyspark_session, checkpoints, "join", read)
    assert got["ember"] == got["pyspark"]
    assert got["ember"][2], "the state is not empty"
    # Batch 1 holds keys in both partitions.
    if batch == 1:
        assert {r[-1] for r in got["ember"][2]} == {0, 1}


@pytest.mark.parametrize("name", ["join", *GROUP_STATE_SHAPES])
def test_state_metadata_of_joins_and_group_state(spark, pyspark_session, checkpoints, name):
    got = both(spark, pyspark_session, checkpoints, name,
               lambda reader, path: reader.format("state-metadata").load(path))
    assert got["ember"] == got["pyspark"]


@pytest.mark.parametrize("options,condition", [
    ({"joinSide": "left", "storeName": "left-keyToNumValues"}, "STDS_CONFLICT_OPTIONS"),
    ({"storeName": "default"}, "STDS_FAILED_TO_READ_STATE_SCHEMA"),
    ({}, "STDS_FAILED_TO_READ_STATE_SCHEMA"),
    ({"joinSide": "outer"}, "STDS_INVALID_OPTION_VALUE.WITH_MESSAGE"),
], ids=["side_and_store", "default_store", "no_option", "bad_side"])
def test_join_option_errors(spark, pyspark_session, checkpoints, options, condition):
    """A join's state is read only through joinSide or one of its four store names."""
    messages = set()
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        with pytest.raises(Exception) as e:
            session.read.format("statestore").options(**options).load(checkpoints[(side, "join")]).collect()
        assert e.value.getCondition() == condition, (side, e.value)
        assert type(e.value).__name__ == "SparkRuntimeException", (side, type(e.value))
        messages.add(str(e.value).split(" SQLSTATE")[0].strip())
    # The schema error names each engine's own checkpoint path; the others say the same words.
    if condition != "STDS_FAILED_TO_READ_STATE_SCHEMA":
        assert len(messages) == 1, messages


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
