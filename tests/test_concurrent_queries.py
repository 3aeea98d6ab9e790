"""Many queries in one session at once (a small version of the 20-queries-for-a-minute load check): each gets exactly
its own rows, every rate value once and in order, and none disturbs another."""
import threading

from ember.sql import functions as F

QUERIES = 20


def test_twenty_concurrent_queries_do_not_interfere(spark):
    got = {i: [] for i in range(QUERIES)}
    lock = threading.Lock()

    def sink(i):
        def each(df, batch_id):
            rows = df.collect()
            with lock:
                got[i].extend((r.tag, r.value) for r in rows)
        return each

    queries = [
        spark.readStream.format("rate").option("rowsPerSecond", 50).load()
        .select(F.lit(i).alias("tag"), "value").writeStream.foreachBatch(sink(i)).start()
        for i in range(QUERIES)
    ]
    try:
        threading.Event().wait(10)
        assert all(q.isActive for q in queries)
    finally:
        for q in queries:
            q.stop()
    assert all(q.exception() is None for q in queries)
    for i in range(QUERIES):
        tags = {t for t, _ in got[i]}
        values = [v for _, v in got[i]]
        assert tags == {i}, f"query {i} saw rows of {tags - {i}}"
        # The rate source numbers rows from 0 with no gap: nothing lost, nothing twice.
        assert values == list(range(len(values))) and len(values) > 0, f"query {i}"
    assert spark.range(3).count() == 3
