"""The streaming file source's options: batch composition (maxFilesPerTrigger, maxBytesPerTrigger, latestFirst,
maxFileAge, the unread-files cache), fileNameOnly, cleanSource, listing options, load-time checks and option
errors. Expected values were captured from PySpark 4.3; the differential tests run the same query on both."""
import os
import time

import pytest

from differential import compare_error
from ember.errors import AnalysisException, IllegalArgumentException, StreamingQueryException

T0 = 1_000_000_000
HOUR = 3600


def put(d, name, content, mtime):
    p = os.path.join(str(d), name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(content)
    os.utime(p, (mtime, mtime))
    return p


def run(reader, on_batch=None, trigger=None):
    """[(batch_id, sorted first column)] of every batch, without the padding lines of `sized_files`;
    `on_batch(id)` runs after each batch's rows are taken."""
    got = []

    def each(df, batch_id):
        got.append((batch_id, sorted(r[0] for r in df.collect() if not r[0].startswith("xx"))))
        if on_batch:
            on_batch(batch_id)

    w = reader.writeStream.foreachBatch(each)
    if trigger:
        w = w.trigger(**trigger)
    q = w.start()
    try:
        if trigger:
            assert q.awaitTermination(60)
        else:
            q.processAllAvailable()
    finally:
        q.stop()
    return got


def text(s, path, **opts):
    r = s.readStream
    for k, v in opts.items():
        r = r.option(k, v)
    return r.text(str(path))


def sized_files(d, sizes):
    """Files f0, f1, … of the given byte sizes (first line = the name), ten seconds apart."""
    for i, size in enumerate(sizes):
        name = f"f{i}"
        put(d, f"{name}.txt", name + "\n" + "x" * (size - len(name) - 2) + "\n", T0 + 10 * i)


# ---- batch composition (values from PySpark 4.3) ----

@pytest.mark.parametrize(
    "opts, expected",
    [
        ({"maxBytesPerTrigger": "1"}, [["f0"], ["f1"], ["f2"], ["f3"], ["f4"]]),
        ({"maxBytesPerTrigger": "30"}, [["f0", "f1"], ["f2"], ["f3"], ["f4"]]),
        ({"maxBytesPerTrigger": "35"}, [["f0", "f1"], ["f2"], ["f3"], ["f4"]]),
        ({"maxBytesPerTrigger": "60"}, [["f0", "f1", "f2"], ["f3"], ["f4"]]),
        ({"maxBytesPerTrigger": "1000"}, [["f0", "f1", "f2", "f3", "f4"]]),
        ({"maxBytesPerTrigger": "35", "latestFirst": "true"}, [["f4"], ["f3"], ["f2"], ["f0", "f1"]]),
        ({"maxFilesPerTrigger": "2"}, [["f0", "f1"], ["f2", "f3"], ["f4"]]),
        ({"maxFilesPerTrigger": "2", "latestFirst": "true"}, [["f3", "f4"], ["f1", "f2"], ["f0"]]),
        ({"latestFirst": "true"}, [["f0", "f1", "f2", "f3", "f4"]]),
    ],
)
def test_batch_limits(spark, tmp_path, opts, expected):
    sized_files(tmp_path, [10, 20, 30, 40, 50])
    got = run(text(spark, tmp_path, **opts))
    assert [v for _, v in got] == expected
    assert [b for b, _ in got] == list(range(len(expected)))


def test_trigger_once_takes_everything_and_available_now_keeps_limits(spark, tmp_path):
    sized_files(tmp_path, [10, 20, 30, 40, 50])
    assert run(text(spark, tmp_path, maxFilesPerTrigger=2), trigger={"once": True}) == [
        (0, ["f0", "f1", "f2", "f3", "f4"])
    ]
    got = run(text(spark, tmp_path, maxBytesPerTrigger=35), trigger={"availableNow": True})
    assert [v for _, v in got] == [["f0", "f1"], ["f2"], ["f3"], ["f4"]]


def test_available_now_ignores_files_arriving_after_start(spark, tmp_path):
    sized_files(tmp_path, [10, 20, 30])

    def later(batch_id):
        if batch_id == 0:
            put(tmp_path, "late.txt", "late\n", T0 - 100)

    got = run(text(spark, tmp_path, maxFilesPerTrigger=1), on_batch=later, trigger={"availableNow": True})
    assert [v for _, v in got] == [["f0"], ["f1"], ["f2"]]


def test_max_file_age_is_relative_to_the_newest_file(spark, tmp_path):
    put(tmp_path, "old.txt", "old\n", T0 - 10 * HOUR)
    put(tmp_path, "new.txt", "new\n", T0)

    def later(batch_id):
        if batch_id == 0:
            put(tmp_path, "older2.txt", "older2\n", T0 - 5 * HOUR)
            put(tmp_path, "recent2.txt", "recent2\n", T0 - 30 * 60)

    reader = text(spark, tmp_path, maxFileAge="1h")
    q_batches = []
    w = reader.writeStream.foreachBatch(lambda df, i: (q_batches.append((i, sorted(r[0] for r in df.collect()))), later(i)))
    q = w.start()
    q.processAllAvailable()
    q.processAllAvailable()
    q.stop()
    # The first batch takes files of any age; later ones skip files older than newest - maxFileAge.
    assert q_batches == [(0, ["new", "old"]), (1, ["recent2"])]


@pytest.mark.parametrize(
    "opts, expected",
    [
        # Files left over by a limited batch are taken before listing again, so g (older, but late) comes last.
        ({}, [["f0", "f1"], ["f2", "f3"], ["f4"], ["g"]]),
        ({"maxCachedFiles": "0"}, [["f0", "f1"], ["f2", "g"], ["f3", "f4"]]),
        ({"discardCachedInputRatio": "0.6"}, [["f0", "f1"], ["f2", "f3"], ["f4", "g"]]),
        ({"discardCachedInputRatio": "0.5"}, [["f0", "f1"], ["f2", "f3"], ["f4"], ["g"]]),
        ({"latestFirst": "true"}, [["f3", "f4"], ["f1", "f2"], ["f0", "g"]]),
    ],
)
def test_unread_files_cache(spark, tmp_path, opts, expected):
    for i in range(5):
        put(tmp_path, f"f{i}.txt", f"f{i}\n", T0 + i)

    def later(batch_id):
        if batch_id == 0:
            put(tmp_path, "g.txt", "g\n", T0 - 100)

    got = run(text(spark, tmp_path, maxFilesPerTrigger=2, **opts), on_batch=later)
    assert [v for _, v in got] == expected


def test_file_name_only(spark, tmp_path):
    for flag, expected in (("false", [["a-x", "b-y"], ["c-x", "c-z"]]), ("true", [["a-x", "b-y"], ["c-z"]])):
        d = tmp_path / flag
        put(d, "a/x.txt", "a-x\n", T0)
        put(d, "b/y.txt", "b-y\n", T0 + 1)

        def later(batch_id, d=d):
            if batch_id == 0:
                put(d, "c/x.txt", "c-x\n", T0 + 5)
                put(d, "c/z.txt", "c-z\n", T0 + 6)

        got = run(spark.readStream.option("fileNameOnly", flag).text(str(d) + "/*"), on_batch=later)
        assert [v for _, v in got] == expected


def tree(d):
    out = []
    for root, _, files in os.walk(d):
        out.extend(os.path.relpath(os.path.join(root, f), d) for f in files)
    return sorted(out)


def test_clean_source_archive_after_commit(spark, tmp_path):
    src = tmp_path / "in" / "sub"
    for i in range(3):
        put(src, f"f{i}.txt", f"f{i}\n", T0 + i)
    archive = tmp_path / "archive"
    seen = []
    reader = (spark.readStream.option("cleanSource", "archive").option("sourceArchiveDir", str(archive))
              .option("maxFilesPerTrigger", 1).text(str(src)))
    run(reader, on_batch=lambda i: seen.append(tree(tmp_path)))
    moved = lambda f: os.path.join("archive", str(src).lstrip("/"), f)  # noqa: E731
    # As in Spark, a batch's files move when the next batch starts; the last batch's files stay.
    assert seen == [
        ["in/sub/f0.txt", "in/sub/f1.txt", "in/sub/f2.txt"],
        sorted([moved("f0.txt"), "in/sub/f1.txt", "in/sub/f2.txt"]),
        sorted([moved("f0.txt"), moved("f1.txt"), "in/sub/f2.txt"]),
    ]


def test_clean_source_delete(spark, tmp_path):
    for i in range(3):
        put(tmp_path / "in", f"f{i}.txt", f"f{i}\n", T0 + i)
    got = run(text(spark, tmp_path / "in", cleanSource="delete", maxFilesPerTrigger=2))
    assert [v for _, v in got] == [["f0", "f1"], ["f2"]]
    assert tree(tmp_path) == ["in/f2.txt"]


def test_clean_source_refuses_a_file_sink_directory(spark, tmp_path):
    src = tmp_path / "in"
    put(src, "f0.txt", "f0\n", T0)
    os.makedirs(src / "_spark_metadata")
    (src / "_spark_metadata" / "0").write_text(
        'v1\n{"path":"file://%s/f0.txt","size":3,"isDir":false,"modificationTime":1,"blockReplication":1,'
        '"blockSize":1,"action":"add"}\n' % src)
    with pytest.raises(StreamingQueryException, match="Clean up source files is not supported when reading from the "
                                                      "output directory of FileStreamSink."):
        run(text(spark, src, cleanSource="delete"))
    assert run(text(spark, src)) == [(0, ["f0"])]


def test_listing_options(spark, tmp_path):
    put(tmp_path, "a.txt", "a\n", T0)
    put(tmp_path, "sub/b.txt", "b\n", T0 + 1)
    put(tmp_path, "sub/deep/c.csv", "c\n", T0 + 2)
    put(tmp_path, "_hidden.txt", "h\n", T0 + 3)
    put(tmp_path, ".dot.txt", "d\n", T0 + 3)
    assert run(text(spark, tmp_path)) == [(0, ["a"])]
    assert run(text(spark, tmp_path, recursiveFileLookup="true")) == [(0, ["a", "b", "c"])]
    assert run(text(spark, tmp_path, recursiveFileLookup="true", pathGlobFilter="*.txt")) == [(0, ["a", "b"])]
    assert run(text(spark, tmp_path, pathGlobFilter="[ab].txt")) == [(0, ["a"])]
    assert run(spark.readStream.text(str(tmp_path) + "/*")) == [(0, ["a", "b"])]


def test_partition_columns_are_fixed_at_load(spark, tmp_path):
    put(tmp_path, "k=1/a.txt", "a\n", T0)
    put(tmp_path, "k=2/b.txt", "b\n", T0 + 1)
    df = spark.readStream.text(str(tmp_path))
    assert df.schema.simpleString() == "struct<value:string,k:int>"
    got = []

    def each(d, i):
        got.append((i, sorted(tuple(r) for r in d.collect())))
        if i == 0:
            put(tmp_path, "k=3/c.txt", "c\n", T0 + 5)

    q = spark.readStream.schema("value STRING").csv(str(tmp_path)).writeStream.foreachBatch(each).start()
    q.processAllAvailable()
    q.stop()
    assert got == [(0, [("a", 1), ("b", 2)]), (1, [("c", 3)])]
    rec = spark.readStream.option("recursiveFileLookup", "true").text(str(tmp_path))
    assert rec.columns == ["value"]


def test_many_files_each_read_once(spark, tmp_path):
    n = 3000
    for i in range(n):
        put(tmp_path, f"d{i // 1000}/f{i:05d}.txt", f"f{i:05d}\n", T0 + i)
    counts = []

    def each(df, batch_id):
        counts.append(df.count())
        if batch_id == 1:
            put(tmp_path, "d0/fnew.txt", "fnew\n", T0 + n + 10)

    q = spark.readStream.option("maxFilesPerTrigger", 1000).text(str(tmp_path) + "/d*").writeStream.foreachBatch(each).start()
    start = time.time()
    q.processAllAvailable()
    q.processAllAvailable()
    q.stop()
    assert counts == [1000, 1000, 1000, 1]
    assert time.time() - start < 60


# ---- load-time checks and option errors ----

def test_schema_required_unless_inference(spark, tmp_path):
    with pytest.raises(IllegalArgumentException, match="Schema must be specified when creating a streaming source") as e:
        spark.readStream.format("csv").load(str(tmp_path))
    assert e.value.getCondition() == "_LEGACY_ERROR_TEMP_2048"
    with pytest.raises(AnalysisException, match=r"\[PATH_NOT_FOUND\] Path does not exist: .*nope\. SQLSTATE: 42K03"):
        spark.readStream.schema("a INT").csv(str(tmp_path / "nope"))
    spark.conf.set("spark.sql.streaming.schemaInference", "true")
    try:
        with pytest.raises(AnalysisException, match=r"\[UNABLE_TO_INFER_SCHEMA\] Unable to infer schema for JSON"):
            spark.readStream.format("json").load(str(tmp_path))
        put(tmp_path, "a.json", '{"x": 1, "y": "s"}\n', T0)
        put(tmp_path, "k=3/b.json", '{"x": 2, "y": "t"}\n', T0)
        assert spark.readStream.format("json").load(str(tmp_path)).schema.simpleString() == "struct<x:bigint,y:string,k:int>"
    finally:
        spark.conf.set("spark.sql.streaming.schemaInference", "false")


# Option values Spark rejects when the query runs, with the text of its exception.
INVALID_OPTIONS = [
    ({"maxFilesPerTrigger": "0"}, "Invalid value '0' for option 'maxFilesPerTrigger', must be a positive integer"),
    ({"maxBytesPerTrigger": "10g"}, "Invalid value '10g' for option 'maxBytesPerTrigger', must be a positive integer"),
    ({"maxBytesPerTrigger": "100", "maxFilesPerTrigger": "1"},
     "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time"),
    ({"latestFirst": "yes"}, "Invalid value 'yes' for option 'latestFirst', must be 'true' or 'false'"),
    ({"fileNameOnly": "1"}, "Invalid value '1' for option 'fileNameOnly', must be 'true' or 'false'"),
    ({"cleanSource": "foo"}, "Invalid mode for clean source option Some(foo). Must be one of ARCHIVE,DELETE,OFF"),
    ({"cleanSource": "ARCHIVE"}, "Archive mode must be used with 'sourceArchiveDir' option."),
    ({"cleanSource": "archive", "sourceArchiveDir": "{src}/arch"},
     "requirement failed: Base archive path cannot be set to the path where archived path can possibly match with "
     "source pattern. Ensure the base archive path doesn't match with source pattern in depth, where the depth is "
     "minimum of depth on both paths."),
    ({"maxFileAge": "abc"}, "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or "
     "min), hour (h), or day (d). E.g. 50s, 100ms, or 250us.\nFailed to parse time string: abc"),
    ({"maxFileAge": "1x"}, "E.g. 50s, 100ms, or 250us.\nInvalid suffix: \"x\""),
    ({"maxFileAge": "-1"}, "requirement failed"),
    ({"modifiedBefore": "2020-01-01T00:00:00"}, "option 'modifiedbefore' is not allowed in file stream sources"),
    ({"maxCachedFiles": "-1"},
     "Invalid value '-1' for option 'maxCachedFiles', must be an integer greater than or equal to 0"),
    ({"discardCachedInputRatio": "NaN"},
     "Invalid value 'NaN' for option 'discardCachedInputRatio', must be a positive float between 0 and 1"),
]


def _with_src(opts, src):
    return {k: v.replace("{src}", str(src)) for k, v in opts.items()}


@pytest.mark.parametrize("opts, message", INVALID_OPTIONS)
def test_invalid_options_fail_the_query(spark, tmp_path, opts, message):
    put(tmp_path, "a.txt", "a\n", T0)
    reader = text(spark, tmp_path, **_with_src(opts, tmp_path))
    with pytest.raises(StreamingQueryException) as e:
        run(reader)
    assert message in str(e.value)


def test_valid_edge_values_are_accepted(spark, tmp_path):
    put(tmp_path, "a.txt", "a\n", T0)
    for opts in ({"maxFilesPerTrigger": "+2"}, {"latestFirst": "TRUE"}, {"cleanSource": "Delete"},
                 {"maxFileAge": " 2H "}, {"discardCachedInputRatio": " 0.5"}, {"discardCachedInputRatio": "1f"},
                 {"maxFileAge": "-1", "latestFirst": "true", "maxFilesPerTrigger": "1"}):
        d = tmp_path / str(abs(hash(str(opts))))
        put(d, "a.txt", "a\n", T0)
        assert run(text(spark, d, **opts)) == [(0, ["a"])], opts


# ---- differential (PySpark 4.3) ----

def _both(tmp_path, pyspark_session, spark, make, query):
    """Run `query(session, dir)` on ember and PySpark, each over its own copy made by `make(dir)`."""
    out = []
    for side, s in (("ember", spark), ("spark", pyspark_session)):
        d = tmp_path / side
        d.mkdir()
        make(d)
        out.append(query(s, d))
    return out


@pytest.mark.parametrize("opts", [
    {"maxBytesPerTrigger": "25"}, {"maxBytesPerTrigger": "60"}, {"maxBytesPerTrigger": "35", "latestFirst": "true"},
    {"maxFilesPerTrigger": "3", "latestFirst": "true"}, {"maxFilesPerTrigger": "3"},
])
def test_differential_batch_limits(tmp_path, spark, pyspark_session, opts):
    e, p = _both(tmp_path, pyspark_session, spark, lambda d: sized_files(d, [10, 20, 30, 40, 50, 15, 5]),
                 lambda s, d: run(text(s, d, **opts)))
    assert e == p


@pytest.mark.parametrize("opts", [{}, {"maxCachedFiles": "1"}, {"discardCachedInputRatio": "1"}])
def test_differential_unread_cache_with_max_bytes(tmp_path, spark, pyspark_session, opts):
    def make(d):
        for i in range(6):
            put(d, f"f{i}.txt", f"f{i}\n", T0 + i)

    def query(s, d):
        def later(batch_id):
            if batch_id == 0:
                put(d, "g.txt", "g\n", T0 - 100)
        return run(text(s, d, maxBytesPerTrigger=6, **opts), on_batch=later)

    e, p = _both(tmp_path, pyspark_session, spark, make, query)
    assert e == p


def test_differential_clean_source_archive(tmp_path, spark, pyspark_session):
    def make(d):
        for i in range(3):
            put(d / "in", f"f{i}.txt", f"f{i}\n", T0 + i)

    def query(s, d):
        trees = []
        reader = (s.readStream.option("cleanSource", "archive").option("sourceArchiveDir", str(d / "archive"))
                  .option("maxFilesPerTrigger", 2).text(str(d / "in")))
        batches = run(reader, on_batch=lambda i: trees.append([t.replace(str(d).lstrip("/"), "D") for t in tree(d)]))
        return batches, trees

    # Spark archives on a background thread by default, so under load its tree at a batch could lag behind the
    # batch; with no cleaner threads it archives in line, as ember does, and the comparison is deterministic.
    key = "spark.sql.streaming.fileSource.cleaner.numThreads"
    pyspark_session.conf.set(key, "0")
    try:
        e, p = _both(tmp_path, pyspark_session, spark, make, query)
    finally:
        pyspark_session.conf.unset(key)
    assert e == p


@pytest.mark.parametrize("opts, message", INVALID_OPTIONS[:8] + INVALID_OPTIONS[10:])
def test_differential_option_errors(tmp_path, spark, pyspark_session, opts, message):
    def query(s, d):
        try:
            run(text(s, d, **_with_src(opts, d)))
        except Exception as exc:  # noqa: BLE001 - the point is to compare what was raised
            return type(exc).__name__, str(exc)
        return None

    (e_cls, e_msg), (p_cls, p_msg) = _both(tmp_path, pyspark_session, spark, lambda d: put(d, "a.txt", "a\n", T0), query)
    assert e_cls == p_cls == "StreamingQueryException"
    # Both say "[STREAM_FAILED] Query [id = …, runId = …] terminated with exception: <cause>" (ids differ).
    assert e_msg.startswith("[STREAM_FAILED] Query [id = ")
    assert e_msg.split("terminated with exception: ", 1)[1].strip() in p_msg


def test_differential_load_errors(tmp_path, spark, pyspark_session):
    empty = tmp_path / "empty"
    empty.mkdir()
    compare_error(lambda s, F, T: s.readStream.format("csv").load(str(empty)), spark, pyspark_session, action=lambda df: df)
    compare_error(lambda s, F, T: s.readStream.schema("a INT").csv(str(tmp_path / "nope")), spark, pyspark_session,
                  action=lambda df: df)
    compare_error(lambda s, F, T: s.readStream.option("recursiveFileLookup", "yes").text(str(empty)), spark,
                  pyspark_session, action=lambda df: df)


def test_differential_partitions_and_schema(tmp_path, spark, pyspark_session):
    def make(d):
        put(d, "k=1/a.csv", "a,1\n", T0)
        put(d, "k=x/b.csv", "b,2\n", T0 + 1)

    def query(s, d):
        df = s.readStream.schema("v STRING, n INT NOT NULL, k STRING").csv(str(d))
        got = []
        q = df.writeStream.foreachBatch(lambda b, i: got.append(sorted(tuple(r) for r in b.collect()))).start()
        q.processAllAvailable()
        q.stop()
        return df.schema.simpleString(), [f.nullable for f in df.schema.fields], got

    e, p = _both(tmp_path, pyspark_session, spark, make, query)
    assert e == p


def test_csv_stream_converts_only_the_columns_the_query_reads(spark, tmp_path):
    """Spark prunes CSV columns (its reader gets the query's requiredSchema): a bad value or a missing field in a
    column the query never reads keeps the row even in DROPMALFORMED; in a read column it drops it. Expected rows:
    PySpark 4.3 on the same text (spark.read…csv(…).select(…); its streaming file source reads through the same
    format)."""
    put(tmp_path / "in", "a.csv", "1,x,2\nz,y,3\n4\n5,w,q\n", T0)

    def rows(cols):
        got = []
        df = spark.readStream.schema("a INT, b STRING, c INT").option("mode", "DROPMALFORMED").csv(str(tmp_path / "in"))
        q = df.select(*cols).writeStream.foreachBatch(lambda b, _: got.extend(tuple(r) for r in b.collect())).start()
        try:
            q.processAllAvailable()
        finally:
            q.stop()
        return sorted(got, key=repr)

    assert rows(["b"]) == sorted([("x",), ("y",), (None,), ("w",)], key=repr)
    assert rows(["a"]) == [(1,), (4,), (5,)]
    # Every column read: the short record and both bad values are malformed.
    assert rows(["a", "b", "c"]) == [(1, "x", 2)]
