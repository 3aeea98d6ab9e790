"""``DataFrame.observe`` against PySpark 4.3: an ``Observation``'s metrics after a batch action, the errors for
metrics that are not aggregates (or are DISTINCT, nested, duplicated), and a stream's named metrics in each
progress's ``observedMetrics`` (``lastProgress`` and the listener's ``QueryProgressEvent``) as ``Row``s."""
import json
import os
import time

import pytest

from differential import compare_error, modules

ROWS = [(1, "a", 2.0), (2, "b", None), (3, "a", 4.5)]
SCHEMA = "id long, k string, v double"


def _observation_class(session):
    if type(session).__module__.startswith("pyspark"):
        from pyspark.sql import Observation
    else:
        from ember.sql import Observation
    return Observation


def _both(spark, pyspark_session, fn):
    out = []
    for side, session in (("ember", spark), ("pyspark", pyspark_session)):
        F, _ = modules(side)
        out.append(fn(session, F, _observation_class(session)))
    return out


def test_observation_get_after_an_action_is_the_first_actions_metrics(spark, pyspark_session):
    def run(s, F, Observation):
        df = s.createDataFrame(ROWS, SCHEMA)
        o = Observation("m1")
        odf = df.observe(o, F.count(F.lit(1)).alias("cnt"), F.max("id"), F.sum("v").alias("sv"),
                         (F.avg("id") + 1).alias("x"), F.lit(7).alias("seven"))
        n = odf.filter("id > 1").count()
        first = o.get
        odf.filter("id > 2").collect()
        return n, first, o.get

    ours, theirs = _both(spark, pyspark_session, run)
    assert ours == theirs
    assert list(ours[1]) == ["cnt", "max(id)", "sv", "x", "seven"]
    assert ours[1]["cnt"] == 3


def test_unnamed_observation_generated_names_and_an_empty_frame(spark, pyspark_session):
    def run(s, F, Observation):
        df = s.createDataFrame(ROWS, SCHEMA)
        a = Observation()
        df.observe(a, F.count("id"), F.sum("v") + 1).collect()
        b = Observation("e")
        df.filter("id > 9").observe(b, F.count("id").alias("c"), F.sum("id").alias("s")).collect()
        c = Observation("sh")
        df.observe(c, F.count("id").alias("c")).show(1)
        return a.get, b.get, c.get

    ours, theirs = _both(spark, pyspark_session, run)
    assert ours == theirs
    assert ours[1] == {"c": 0, "s": None}


def test_observation_argument_errors(spark, pyspark_session):
    def errors(s, F, Observation):
        df = s.createDataFrame(ROWS, SCHEMA)
        used = Observation("u")
        df.observe(used, F.count("id"))
        attempts = [
            lambda: df.observe(used, F.count("id")),
            lambda: df.observe("x"),
            lambda: df.observe("x", "id"),
            lambda: df.observe(1, F.count("id")),
            lambda: Observation(1),
            lambda: Observation(""),
            lambda: Observation("never").get,
        ]
        out = []
        for attempt in attempts:
            try:
                attempt()
                out.append(None)
            except Exception as e:  # noqa: BLE001 - the raised class and condition are what is compared
                out.append((type(e).__name__, e.getCondition(), str(e)))
        return out

    ours, theirs = _both(spark, pyspark_session, errors)
    assert ours == theirs


@pytest.mark.parametrize("metric", [
    lambda F: F.col("id"),
    lambda F: (F.col("id") + 1).alias("q"),
    lambda F: F.col("id") + F.sum("id"),
    lambda F: F.count_distinct("id"),
    lambda F: F.sum(F.max("id")),
    lambda F: F.rand() + F.sum("id"),
], ids=["attribute", "expression", "mixed", "distinct", "nested", "nondeterministic"])
def test_metrics_that_are_not_plain_aggregates_are_refused(spark, pyspark_session, metric):
    compare_error(lambda s, F, T: s.createDataFrame(ROWS, SCHEMA).observe("n", metric(F)), spark, pyspark_session)


def test_the_error_names_the_metric_as_spark_does(spark, pyspark_session):
    def message(s, F, _):
        try:
            s.createDataFrame(ROWS, SCHEMA).observe("n", (F.col("id") + 1).alias("q")).collect()
        except Exception as e:  # noqa: BLE001
            return e.getMessageParameters()

    ours, theirs = _both(spark, pyspark_session, message)
    assert ours == theirs == {"expr": '"(id + 1) AS q"'}


def test_a_metric_name_used_twice_for_different_metrics_is_refused(spark, pyspark_session):
    compare_error(lambda s, F, T: s.createDataFrame(ROWS, SCHEMA).observe("d", F.count("id"))
                  .observe("d", F.sum("id")), spark, pyspark_session)


def test_aggregate_of_a_nondeterministic_expression_and_a_self_union_are_allowed(spark, pyspark_session):
    def run(s, F, _):
        df = s.createDataFrame(ROWS, SCHEMA)
        a = df.observe("d", F.count("id"))
        return len(a.union(a).collect()), len(df.observe("r", F.sum(F.rand())).collect())

    ours, theirs = _both(spark, pyspark_session, run)
    assert ours == theirs == (6, 3)


def _stream_metrics(session, F, src, name):
    """A file stream observed twice (below and above a filter); the metrics of its data batch."""
    listener = __import__(type(session).__module__.split(".")[0] + ".sql.streaming.listener", fromlist=["x"])
    seen = []

    class Collect(listener.StreamingQueryListener):
        def onQueryStarted(self, e):
            pass

        def onQueryProgress(self, e):
            seen.append(e.progress)

        def onQueryIdle(self, e):
            pass

        def onQueryTerminated(self, e):
            pass

    collect = Collect()
    session.streams.addListener(collect)
    try:
        df = (session.readStream.schema("k string, n long").json(src)
              .observe("all", F.count(F.lit(1)).alias("rows"), F.sum("n").alias("total"), F.max("k"))
              .filter("n > 1")
              .observe("kept", F.count(F.lit(1)).alias("rows"), F.avg("n").alias("mean")))
        q = df.writeStream.format("memory").queryName(name).start()
        q.processAllAvailable()
        deadline = time.time() + 60
        while not any(p.numInputRows > 0 for p in seen) and time.time() < deadline:
            time.sleep(0.05)
        last = q.lastProgress
        q.stop()
    finally:
        session.streams.removeListener(collect)
    event = next(p for p in seen if p.numInputRows > 0)
    return (
        json.loads(last.json)["observedMetrics"],
        {k: (type(v).__name__, v.asDict()) for k, v in last.observedMetrics.items()},
        {k: (type(v).__name__, v.asDict()) for k, v in event.observedMetrics.items()},
    )


def test_stream_named_metrics_in_progress_and_listener_events(spark, pyspark_session, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.json").write_text('{"k": "a", "n": 1}\n{"k": "b", "n": 2}\n{"k": "c", "n": 3}\n')
    os.utime(src / "a.json", (1_700_000_000, 1_700_000_000))
    ours = _stream_metrics(spark, modules("ember")[0], str(src), "observe_e")
    theirs = _stream_metrics(pyspark_session, modules("pyspark")[0], str(src), "observe_p")
    assert ours == theirs
    assert ours[0]["all"] == {"rows": 3, "total": 6, "max(k)": "c"}
    assert ours[1]["kept"] == ("Row", {"rows": 2, "mean": 2.5})
