"""Delta checkpoints: tables whose log starts at a checkpoint (written by `deltalake`, the oracle, with its old JSON
commits cleaned up; single-file and multi-part) are read by ember, and ember writes a checkpoint every
`delta.checkpointInterval` commits (10 by default) that `deltalake` reads once the commits before it are gone."""
import json
import os

import pytest

from ember.errors import AnalysisException

deltalake = pytest.importorskip("deltalake")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _rows(path):
    t = deltalake.DeltaTable(str(path)).to_pyarrow_table()
    return sorted(tuple(r.values()) for r in t.to_pylist())


def _sorted(df):
    return sorted(tuple(r) for r in df.collect())


def _log(path):
    return sorted(os.listdir(os.path.join(str(path), "_delta_log")))


def _drop_commits_before(path, version):
    """What log cleanup does to ember's own tables: the JSON commits older than the checkpoint go."""
    for v in range(version):
        f = os.path.join(str(path), "_delta_log", f"{v:020}.json")
        if os.path.exists(f):
            os.remove(f)


def _deltalake_table(path, commits=4):
    for i in range(commits):
        t = pa.table({"id": pa.array([i, 10 + i], pa.int64()), "p": ["a", "b"], "x": [i * 0.5, None]})
        # No log retention: cleanup_metadata may remove every commit a checkpoint covers.
        config = {"delta.logRetentionDuration": "interval 0 seconds"} if i == 0 else None
        deltalake.write_deltalake(str(path), t, mode="append", partition_by=["p"], configuration=config)
    return sorted((i, "a", i * 0.5) for i in range(commits)) + sorted((10 + i, "b", None) for i in range(commits))


def test_a_table_whose_log_starts_at_a_deltalake_checkpoint(spark, tmp_path):
    path = tmp_path / "t"
    expected = _deltalake_table(path)
    # A removal before the checkpoint: the checkpoint holds the state after it.
    deltalake.DeltaTable(str(path)).delete("id = 1")
    expected.remove((1, "a", 0.5))
    dt = deltalake.DeltaTable(str(path))
    dt.create_checkpoint()
    dt.cleanup_metadata()
    assert _log(path) == ["00000000000000000004.checkpoint.parquet", "00000000000000000004.json", "_last_checkpoint"]
    df = spark.read.format("delta").load(str(path))
    assert df.columns == ["id", "p", "x"]
    assert _sorted(df) == sorted(expected)
    # The versions before the checkpoint are gone: time travel there is refused, not misread.
    with pytest.raises(AnalysisException, match=r"\[DELTA_VERSION_NOT_FOUND\] Cannot time travel Delta table to version 2\. Available versions: \[4, 4\]"):
        spark.read.format("delta").option("versionAsOf", 2).load(str(path)).collect()
    # ember appends after the checkpoint; both engines read the result.
    spark.createDataFrame([(99, "c", 1.0)], "id BIGINT, p STRING, x DOUBLE").write.format("delta").mode(
        "append").save(str(path))
    assert _rows(path) == sorted(expected + [(99, "c", 1.0)])
    assert _sorted(spark.read.format("delta").load(str(path))) == sorted(expected + [(99, "c", 1.0)])
    assert _sorted(spark.read.format("delta").option("versionAsOf", 4).load(str(path))) == sorted(expected)


def test_a_multi_part_checkpoint(spark, tmp_path):
    path = tmp_path / "t"
    expected = _deltalake_table(path, commits=3)
    dt = deltalake.DeltaTable(str(path))
    dt.create_checkpoint()
    dt.cleanup_metadata()
    log = path / "_delta_log"
    single = log / "00000000000000000002.checkpoint.parquet"
    table = pq.read_table(str(single))
    # Split the checkpoint's actions over two parts, as a writer with a part size does, and drop the single file.
    half = table.num_rows // 2
    for i, part in enumerate([table.slice(0, half), table.slice(half)], start=1):
        pq.write_table(part, str(log / f"00000000000000000002.checkpoint.{i:010}.0000000002.parquet"))
    single.unlink()
    (log / "_last_checkpoint").write_text(json.dumps({"version": 2, "size": table.num_rows, "parts": 2}))
    assert _sorted(spark.read.format("delta").load(str(path))) == sorted(expected)
    # An incomplete multi-part checkpoint is no checkpoint: the table cannot be rebuilt.
    (log / "00000000000000000002.checkpoint.0000000002.0000000002.parquet").unlink()
    (log / "00000000000000000002.json").unlink()
    with pytest.raises(Exception, match="DELTA_MISSING_DELTA_TABLE|could not be recovered"):
        spark.read.format("delta").load(str(path)).collect()


def test_ember_writes_a_checkpoint_every_ten_commits(spark, tmp_path):
    path = str(tmp_path / "t")
    for i in range(12):
        spark.createDataFrame([(i, "ab"[i % 2])], "id BIGINT, p STRING").write.format("delta").mode(
            "append").partitionBy("p").save(path)
    log = _log(path)
    assert [f for f in log if "checkpoint" in f] == ["00000000000000000010.checkpoint.parquet", "_last_checkpoint"]
    assert json.loads(open(os.path.join(path, "_delta_log", "_last_checkpoint")).read())["version"] == 10
    _drop_commits_before(path, 10)
    # deltalake rebuilds the table from ember's checkpoint and the two commits after it.
    dt = deltalake.DeltaTable(path)
    assert dt.version() == 11
    assert dt.metadata().partition_columns == ["p"]
    assert _rows(path) == [(i, "ab"[i % 2]) for i in range(12)]
    assert _sorted(spark.read.format("delta").load(path)) == [(i, "ab"[i % 2]) for i in range(12)]


def test_the_checkpoint_interval_is_the_tables(spark, tmp_path):
    path = str(tmp_path / "t")
    deltalake.write_deltalake(path, pa.table({"id": pa.array([0], pa.int64())}),
                              configuration={"delta.checkpointInterval": "3"})
    for i in range(1, 7):
        spark.createDataFrame([(i,)], "id BIGINT").write.format("delta").mode("append").save(path)
    assert [f for f in _log(path) if f.endswith(".checkpoint.parquet")] == [
        "00000000000000000003.checkpoint.parquet", "00000000000000000006.checkpoint.parquet"]
    _drop_commits_before(path, 6)
    assert _rows(path) == [(i,) for i in range(7)]
    assert deltalake.DeltaTable(path).metadata().configuration["delta.checkpointInterval"] == "3"


def test_the_streaming_sink_checkpoints_too(spark, tmp_path):
    from ember.testing import MemoryStream

    out = str(tmp_path / "out")
    ms = MemoryStream("id BIGINT", spark)
    q = ms.toDF().writeStream.format("delta").option("checkpointLocation", str(tmp_path / "ck")).start(out)
    for i in range(11):
        ms.addData([(i,)])
        q.processAllAvailable()
    q.stop()
    assert "00000000000000000010.checkpoint.parquet" in _log(out)
    _drop_commits_before(out, 10)
    dt = deltalake.DeltaTable(out)
    assert _rows(out) == [(i,) for i in range(11)]
    # The streaming sink's txn survives in the checkpoint: the query's last batch id.
    [app] = [h["operationParameters"]["queryId"] for h in dt.history(1)]
    assert dt.transaction_version(app) == 10
