"""Event time on ember and on PySpark 4.3 (skipped without it): windows, watermarks, late data, session windows and
deduplication, compared batch by batch through foreachBatch (same rows in the same batches), plus the state
figures of each batch's progress."""
import json
import os

import pytest

FILES = [
    [("a", "2024-01-01 00:00:01", 1), ("b", "2024-01-01 00:00:04", 2), ("a", "2024-01-01 00:00:12", 3)],
    [("a", "2024-01-01 00:00:25", 4), ("b", "2024-01-01 00:00:31", 5), ("a", "2024-01-01 00:00:05", 6)],
    [("b", "2024-01-01 00:00:50", 7), ("a", "2024-01-01 00:00:02", 8), ("b", "2024-01-01 00:00:33", 9)],
    [("a", "2024-01-01 00:01:10", 10), ("a", "2024-01-01 00:01:10", 10), ("b", "2024-01-01 00:00:20", 11),
     ("b", "2024-01-01 00:00:03", 12)],
]


@pytest.fixture
def events(tmp_path):
    d = tmp_path / "events"
    d.mkdir()
    for i, rows in enumerate(FILES):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({"k": k, "ts": ts, "v": v}) + "\n" for k, ts, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    return str(d)


def _stream(s, path):
    return s.readStream.schema("k STRING, ts TIMESTAMP, v INT").option("maxFilesPerTrigger", 1).json(path)


def _run(s, df, mode):
    got = []

    def collect(batch, batch_id):
        got.append((batch_id, sorted(tuple(str(x) for x in r) for r in batch.collect())))

    q = df.writeStream.outputMode(mode).foreachBatch(collect).trigger(availableNow=True).start()
    q.awaitTermination()
    states = [[(o["operatorName"], o["numRowsTotal"], o["numRowsUpdated"], o["numRowsRemoved"],
                o["numRowsDroppedByWatermark"]) for o in p["stateOperators"]] for p in q.recentProgress]
    watermarks = [p.get("eventTime", {}).get("watermark") for p in q.recentProgress]
    return got, states, watermarks


def _compare(spark, pyspark_session, build, mode, path):
    import ember.sql.functions as EF
    import pyspark.sql.functions as PF

    ours = _run(spark, build(_stream(spark, path), EF), mode)
    theirs = _run(pyspark_session, build(_stream(pyspark_session, path), PF), mode)
    assert ours[0] == theirs[0], "batches differ"
    assert ours[2] == theirs[2], "watermarks differ"
    assert ours[1] == theirs[1], "state figures differ"
    return ours


CASES = {
    "tumbling_update": (lambda df, F: df.withWatermark("ts", "5 seconds")
                        .groupBy(F.window("ts", "10 seconds"), "k").agg(F.count("*").alias("n"), F.sum("v").alias("s")),
                        "update"),
    "tumbling_append": (lambda df, F: df.withWatermark("ts", "5 seconds")
                        .groupBy(F.window("ts", "10 seconds")).count(), "append"),
    "sliding_append": (lambda df, F: df.withWatermark("ts", "5 seconds")
                       .groupBy(F.window("ts", "10 seconds", "5 seconds"), "k").agg(F.max("v").alias("m")), "append"),
    "tumbling_complete": (lambda df, F: df.withWatermark("ts", "5 seconds")
                          .groupBy(F.window("ts", "20 seconds")).count(), "complete"),
    "session_append": (lambda df, F: df.withWatermark("ts", "5 seconds")
                       .groupBy(F.session_window("ts", "10 seconds"), "k").agg(F.count("*").alias("n"),
                                                                              F.sum("v").alias("s")), "append"),
    "dedup_with_event_time": (lambda df, F: df.withWatermark("ts", "5 seconds").dropDuplicates(["k", "ts"]), "append"),
    "dedup_without_event_time": (lambda df, F: df.withWatermark("ts", "5 seconds").dropDuplicates(["k"]), "append"),
    "dedup_within_watermark": (lambda df, F: df.withWatermark("ts", "20 seconds").dropDuplicatesWithinWatermark(["k"]),
                               "append"),
    "window_no_watermark_update": (lambda df, F: df.groupBy(F.window("ts", "30 seconds")).agg(F.avg("v").alias("a")),
                                   "update"),
    "filter_then_window": (lambda df, F: df.where("v > 2").withWatermark("ts", "10 seconds")
                           .groupBy(F.window("ts", "10 seconds", "5 seconds", "2 seconds")).count(), "update"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_event_time_batches_match(name, events, spark, pyspark_session):
    build, mode = CASES[name]
    _compare(spark, pyspark_session, build, mode, events)


def test_late_rows_are_dropped_and_counted(events, spark, pyspark_session):
    build, mode = CASES["tumbling_update"]
    batches, states, _ = _compare(spark, pyspark_session, build, mode, events)
    # Rows are late against the previous batch's watermark: 00:00:03 arrives in batch 3, when that is 00:00:26,
    # so its window [0, 10) is dropped (00:00:02 in batch 2 still counted: the watermark before was 00:00:07).
    assert [s[0][4] for s in states] == [0, 0, 0, 1, 0]
    assert not any("00:00:03" in str(rows) for _, rows in batches)


def _f(key, frames, state):
    import pandas as pd

    yield pd.DataFrame({"k": [key[0]]})


INVALID = {
    "append_aggregation_without_watermarked_key": (
        lambda df, F: df.withWatermark("ts", "5 seconds").groupBy("k").count(), "append"),
    "append_window_without_watermark": (lambda df, F: df.groupBy(F.window("ts", "10 seconds")).count(), "append"),
    "update_session_window": (lambda df, F: df.withWatermark("ts", "5 seconds")
                              .groupBy(F.session_window("ts", "10 seconds")).count(), "update"),
    "dedup_within_watermark_without_watermark": (lambda df, F: df.dropDuplicatesWithinWatermark(["k"]), "append"),
    "dedup_complete": (lambda df, F: df.dropDuplicates(["k"]), "complete"),
    "chained_aggregations": (lambda df, F: df.groupBy("k").count().groupBy("count").count(), "complete"),
    "group_state_update_in_append": (lambda df, F: df.groupBy("k").applyInPandasWithState(
        _f, "k STRING", "n LONG", "update", "NoTimeout"), "append"),
    "group_state_append_in_update": (lambda df, F: df.groupBy("k").applyInPandasWithState(
        _f, "k STRING", "n LONG", "append", "NoTimeout"), "update"),
    "group_state_complete": (lambda df, F: df.groupBy("k").applyInPandasWithState(
        _f, "k STRING", "n LONG", "append", "NoTimeout"), "complete"),
    "event_time_timeout_without_watermark": (lambda df, F: df.groupBy("k").applyInPandasWithState(
        _f, "k STRING", "n LONG", "append", "EventTimeTimeout"), "append"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_event_time_queries_fail_on_both(name, events, spark, pyspark_session):
    from differential import compare_error

    build, mode = INVALID[name]
    compare_error(lambda s, F, T: build(_stream(s, events), F), spark, pyspark_session,
                  action=lambda df: df.writeStream.format("noop").outputMode(mode).start().stop())


def test_invalid_window_arguments_fail_on_both(events, spark, pyspark_session):
    from differential import compare_error

    for args in [("10 seconds", "20 seconds"), ("0 seconds",), ("10 seconds", "5 seconds", "5 seconds"), ("abc",)]:
        compare_error(lambda s, F, T: _stream(s, events).select(F.window("ts", *args)), spark, pyspark_session,
                      action=lambda df: df.schema)
    compare_error(lambda s, F, T: _stream(s, events).withWatermark("v", "1 second"), spark, pyspark_session,
                  action=lambda df: df.schema)
    compare_error(lambda s, F, T: _stream(s, events).withWatermark("ts", "-1 second"), spark, pyspark_session,
                  action=lambda df: df.schema)
