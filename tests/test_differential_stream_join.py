"""Stream-stream joins on ember and on PySpark 4.3 (skipped without it): inner, left/right/full outer and left semi
joins of two file streams under watermarks and a time-range condition, compared batch by batch through foreachBatch
(same rows in the same batches: matches across batches, late rows dropped, outer rows released by the watermark),
with the join's state figures; a restart from the checkpoint; Spark's errors at start()."""
import json
import os

import pytest

T0 = "2024-01-01 00:00:"

# One file per batch and side: (clicker, second of T0, id). Empty lists make a batch with rows on one side only.
CLICKS = [
    [("a", 1, 1), ("b", 2, 2), ("c", 3, 3)],
    [("a", 12, 4), ("d", 20, 5)],
    [("e", 40, 6), ("a", 2, 7)],
    [("f", 50, 8), ("c", 45, 9)],
    [],
    [("g", 58, 10)],
]
PURCHASES = [
    [("a", 5, 10)],
    [("b", 8, 11), ("a", 14, 12), ("c", 30, 13)],
    [("d", 25, 14), ("e", 41, 15), ("e", 49, 16)],
    [("f", 55, 17), ("b", 10, 18)],
    [("h", 57, 19)],
    [],
]


def _write(d, rows_per_file, user, time, ident):
    d.mkdir()
    for i, rows in enumerate(rows_per_file):
        p = d / f"part{i}.json"
        p.write_text("".join(json.dumps({user: u, time: f"{T0}{s:02d}", ident: v}) + "\n" for u, s, v in rows))
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


@pytest.fixture
def streams(tmp_path):
    _write(tmp_path / "clicks", CLICKS, "clicker", "click_time", "click_id")
    _write(tmp_path / "purchases", PURCHASES, "buyer", "purchase_time", "purchase_id")
    return str(tmp_path / "clicks"), str(tmp_path / "purchases")


def _sides(s, paths, delay="5 seconds"):
    clicks = (s.readStream.schema("clicker STRING, click_time TIMESTAMP, click_id INT")
              .option("maxFilesPerTrigger", 1).json(paths[0]))
    purchases = (s.readStream.schema("buyer STRING, purchase_time TIMESTAMP, purchase_id INT")
                 .option("maxFilesPerTrigger", 1).json(paths[1]))
    if delay:
        clicks = clicks.withWatermark("click_time", delay)
        purchases = purchases.withWatermark("purchase_time", delay)
    return clicks, purchases


RANGE = ("clicker = buyer AND purchase_time >= click_time AND "
         "purchase_time <= click_time + interval 10 seconds")


def _run(s, df, checkpoint=None, mode="append"):
    got = []

    def collect(batch, batch_id):
        got.append((batch_id, sorted(tuple(str(x) for x in r) for r in batch.collect())))

    w = df.writeStream.outputMode(mode).foreachBatch(collect).trigger(availableNow=True)
    if checkpoint:
        w = w.option("checkpointLocation", checkpoint)
    q = w.start()
    q.awaitTermination()
    states = [[(o["operatorName"], o["numRowsTotal"], o["numRowsUpdated"], o["numRowsRemoved"],
                o["numRowsDroppedByWatermark"], o["numStateStoreInstances"]) for o in p["stateOperators"]]
              for p in q.recentProgress]
    watermarks = [p.get("eventTime", {}).get("watermark") for p in q.recentProgress]
    return got, states, watermarks


def _compare(spark, pyspark_session, build, paths, states=True, mode="append"):
    import ember.sql.functions as EF
    import pyspark.sql.functions as PF

    ours = _run(spark, build(spark, paths, EF), mode=mode)
    theirs = _run(pyspark_session, build(pyspark_session, paths, PF), mode=mode)
    assert ours[0] == theirs[0], f"batches differ\nember:   {ours[0]}\npyspark: {theirs[0]}"
    assert ours[2] == theirs[2], "watermarks differ"
    if states:
        assert ours[1] == theirs[1], f"state figures differ\nember:   {ours[1]}\npyspark: {theirs[1]}"
    return ours


def _range_join(how, condition=RANGE):
    def build(s, paths, F):
        clicks, purchases = _sides(s, paths)
        return clicks.join(purchases, F.expr(condition), how)
    return build


CASES = {
    "inner_range": _range_join("inner"),
    "left_outer_range": _range_join("leftOuter"),
    "right_outer_range": _range_join("rightOuter"),
    "full_outer_range": _range_join("fullOuter"),
    "left_semi_range": _range_join("leftSemi"),
    # The range as a column expression, `>`/`<` and a bound on both sides of the comparison.
    "left_outer_column_condition": lambda s, paths, F: (lambda c, p: c.join(
        p, (c.clicker == p.buyer) & (p.purchase_time > c.click_time - F.expr("interval 2 seconds"))
        & (c.click_time + F.expr("interval 8 seconds") > p.purchase_time), "left_outer"))(*_sides(s, paths)),
    "inner_between": _range_join(
        "inner", "clicker = buyer AND purchase_time BETWEEN click_time AND click_time + interval 10 seconds"),
    # Equality only: every row stays buffered; matches across any batches.
    "inner_without_watermark": lambda s, paths, F: (lambda c, p: c.join(p, c.clicker == p.buyer))(
        *_sides(s, paths, delay=None)),
    # Window-equality join: the state is evicted by the watermarked window key.
    "window_equality_left_outer": lambda s, paths, F: (lambda c, p: c.select(
        "clicker", "click_id", F.window("click_time", "10 seconds").alias("cw")).join(
        p.select("buyer", "purchase_id", F.window("purchase_time", "10 seconds").alias("pw")),
        F.expr("clicker = buyer AND cw = pw"), "leftOuter"))(*_sides(s, paths)),
}
CHAINS = {
    # A join followed by a windowed count of its rows.
    "inner_then_window_count": lambda s, paths, F: _range_join("inner")(s, paths, F)
    .groupBy(F.window("click_time", "20 seconds")).count(),
    # A stream-stream join and a stream-static join in one query.
    "inner_then_static_join": lambda s, paths, F: _range_join("inner")(s, paths, F).join(
        s.createDataFrame([("a", "alpha"), ("e", "echo")], "name STRING, label STRING"),
        F.expr("clicker = name"), "left_outer"),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_stream_join_chains_match(name, streams, spark, pyspark_session):
    _compare(spark, pyspark_session, CHAINS[name], streams)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stream_join_batches_match(name, streams, spark, pyspark_session):
    _compare(spark, pyspark_session, CASES[name], streams)


def test_late_rows_and_released_outer_rows(streams, spark, pyspark_session):
    batches, states, _ = _compare(spark, pyspark_session, CASES["left_outer_range"], streams)
    out = {r: b for b, rows in batches for r in rows}
    # b's purchase at 00:00:10 comes in batch 3, when the previous batch's watermark is 00:00:15: dropped as late.
    assert not any(r[5] == "18" for r in out)
    assert [s[0][4] for s in states] == [0, 0, 0, 1, 0, 0, 0]
    # a's click at 00:00:02 comes in batch 2 (late only against 00:00:15, the watermark of the next batch) and
    # matches a purchase buffered since batch 0.
    assert out[("a", "2024-01-01 00:00:02", "7", "a", "2024-01-01 00:00:05", "10")] == 2
    # c's click at 00:00:03 found no purchase within 10 seconds: released null-padded in batch 2, when the
    # watermark (00:00:15) passed its time plus the 10-second range.
    assert out[("c", "2024-01-01 00:00:03", "3", "None", "None", "None")] == 2


def test_join_restarts_from_its_checkpoint(tmp_path, spark, pyspark_session):
    import ember.sql.functions as EF
    import pyspark.sql.functions as PF

    results = []
    for name, s, F in (("ember", spark, EF), ("pyspark", pyspark_session, PF)):
        base = tmp_path / name
        base.mkdir()
        _write(base / "clicks", CLICKS[:3], "clicker", "click_time", "click_id")
        _write(base / "purchases", PURCHASES[:3], "buyer", "purchase_time", "purchase_id")
        paths = (str(base / "clicks"), str(base / "purchases"))
        build = CASES["left_outer_range"]
        first = _run(s, build(s, paths, F), checkpoint=str(base / "ckpt"))[0]
        # More files arrive while the query is down; the restarted query matches them against the saved state.
        for side, rows, names in (("clicks", CLICKS, ("clicker", "click_time", "click_id")),
                                  ("purchases", PURCHASES, ("buyer", "purchase_time", "purchase_id"))):
            for i in range(3, len(rows)):
                p = base / side / f"part{i}.json"
                p.write_text("".join(json.dumps(dict(zip(names, (u, f"{T0}{t:02d}", v)))) + "\n"
                                     for u, t, v in rows[i]))
                os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
        second = _run(s, build(s, paths, F), checkpoint=str(base / "ckpt"))[0]
        results.append((first, second))
    assert results[0] == results[1], f"\nember:   {results[0]}\npyspark: {results[1]}"
    # The restarted run matched f's click and purchase, which both arrived after the restart.
    assert any(r[0] == "f" for _, rows in results[0][1] for r in rows)


INVALID = {
    "left_outer_without_watermark": lambda s, paths, F: (lambda c, p: c.join(
        p, F.expr(RANGE), "leftOuter"))(*_sides(s, paths, delay=None)),
    "left_outer_without_range": lambda s, paths, F: (lambda c, p: c.join(
        p, c.clicker == p.buyer, "leftOuter"))(*_sides(s, paths)),
    "right_outer_with_left_bound_only": lambda s, paths, F: (lambda c, p: c.join(
        p, F.expr("clicker = buyer AND purchase_time <= click_time + interval 10 seconds"), "rightOuter"))(
        *_sides(s, paths)),
    "full_outer_without_range": lambda s, paths, F: (lambda c, p: c.join(
        p, c.clicker == p.buyer, "full"))(*_sides(s, paths)),
    "left_semi_without_range": lambda s, paths, F: (lambda c, p: c.join(
        p, c.clicker == p.buyer, "left_semi"))(*_sides(s, paths)),
    "left_anti": lambda s, paths, F: (lambda c, p: c.join(p, F.expr(RANGE), "left_anti"))(*_sides(s, paths)),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_unsupported_stream_joins_fail_at_start(name, streams, spark, pyspark_session):
    from differential import compare_error

    compare_error(lambda s, F, T: INVALID[name](s, streams, F), spark, pyspark_session,
                  action=lambda df: df.writeStream.format("noop").start().stop())


def test_stream_join_needs_append_or_update_mode(streams, spark, pyspark_session):
    from differential import compare_error

    # Update mode runs a join as append mode does (nothing is updated); complete mode needs an aggregation.
    _compare(spark, pyspark_session, _range_join("inner"), streams, mode="update")
    compare_error(lambda s, F, T: _range_join("inner")(s, streams, F), spark, pyspark_session,
                  action=lambda df: df.writeStream.format("noop").outputMode("complete").start().stop())
