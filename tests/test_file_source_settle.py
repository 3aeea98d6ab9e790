"""Files written in place while a query runs: a file still being written is never read half-way. Spark asks that
finished files be moved into the directory atomically; ember's `ember.fileSettleInterval` (default 500ms) makes
in-place writers safe as long as they never pause longer than the interval mid-file."""
import os
import random
import threading

from ember.sql import SparkSession  # noqa: F401  (the session fixture builds it)


def _write_in_steps(path, text, rng):
    """`text` into `path` in 2-5 writes cut at arbitrary bytes (mid-line too), pausing up to 120ms between."""
    data = text.encode()
    cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 4)))
    with open(path, "wb") as f:
        start = 0
        for cut in cuts + [len(data)]:
            f.write(data[start:cut])
            f.flush()
            start = cut
            threading.Event().wait(rng.uniform(0.0, 0.12))


def test_files_written_in_steps_while_the_query_runs_arrive_whole_and_once(spark, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    q = spark.readStream.format("text").load(str(src)).writeStream.format("memory").queryName("settle").start()
    writers, files_each = 4, 50

    def writer(w):
        rng = random.Random(w)
        for i in range(files_each):
            lines = [f"w{w}-f{i}-r{j}-" + "x" * rng.randint(0, 40) for j in range(rng.randint(1, 30))]
            _write_in_steps(src / f"w{w}-{i}.txt", "\n".join(lines) + "\n", rng)

    try:
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        q.processAllAvailable()
        got = [r.value for r in spark.sql("select value from settle").collect()]
    finally:
        q.stop()
    # Every line once, none torn: compare as multisets by file (each file's lines carry its name).
    by_file = {}
    for v in got:
        by_file.setdefault(v.split("-r")[0], []).append(v)
    assert len(by_file) == writers * files_each
    assert sorted(got) == sorted(_expected_lines(writers, files_each))


def _expected_lines(writers, files_each):
    """The lines the writers write, regenerated with their seeds (the cuts and pauses draw from the same rng)."""
    out = []
    for w in range(writers):
        rng = random.Random(w)
        for i in range(files_each):
            lines = [f"w{w}-f{i}-r{j}-" + "x" * rng.randint(0, 40) for j in range(rng.randint(1, 30))]
            out.extend(lines)
            data = ("\n".join(lines) + "\n").encode()
            cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 4)))
            for _ in cuts + [len(data)]:
                rng.uniform(0.0, 0.12)
    return out
