"""A ``path`` option together with a path argument, against PySpark 4.3: refused by read/write/readStream/writeStream
with Spark's legacy error classes, and with ``spark.sql.legacy.pathOptionBehavior.enabled`` Spark's old rules (a
single ``load(path)``/``save(path)``/``start(path)`` argument replaces the option; ``load(paths…)`` reads both)."""
import os

import pytest

LEGACY = "spark.sql.legacy.pathOptionBehavior.enabled"


@pytest.fixture
def dirs(tmp_path, spark):
    spark.range(5).write.parquet(str(tmp_path / "a"))
    spark.range(3).write.parquet(str(tmp_path / "b"))
    return tmp_path


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the raised class and condition are what is compared
        return type(e).__name__, getattr(e, "getCondition", lambda: None)(), str(e)


def _actions(s, d, tag):
    """Each way of giving a path twice; `tag` keeps the two engines' outputs apart."""
    a, b = str(d / "a"), str(d / "b")
    df = s.range(2)
    rate = s.readStream.format("rate").load()

    def write_stream(name):
        q = (rate.writeStream.format("parquet").option("checkpointLocation", str(d / f"ck_{tag}_{name}"))
             .option("path", str(d / f"{tag}_{name}_opt")).start(str(d / f"{tag}_{name}_arg")))
        q.stop()

    return {
        "parquet": lambda: s.read.option("path", a).parquet(b).count(),
        "load": lambda: s.read.format("parquet").option("path", a).load(b).count(),
        "load-list": lambda: s.read.format("parquet").option("path", a).load([b]).count(),
        "Path-option": lambda: s.read.format("parquet").option("Path", a).load(b).count(),
        "save": lambda: df.write.format("parquet").option("path", str(d / f"{tag}_save_opt"))
        .save(str(d / f"{tag}_save_arg")),
        "write.parquet": lambda: df.write.option("path", str(d / f"{tag}_wp_opt")).parquet(str(d / f"{tag}_wp_arg")),
        "readStream": lambda: s.readStream.format("parquet").schema("id long").option("path", a).load(b).columns,
        "writeStream": lambda: write_stream("ws"),
    }


@pytest.mark.parametrize("legacy", [False, True], ids=["default", "legacy"])
def test_path_option_and_argument(spark, pyspark_session, dirs, legacy):
    results = {}
    for side, s in (("ember", spark), ("pyspark", pyspark_session)):
        s.conf.set(LEGACY, str(legacy).lower())
        try:
            results[side] = {name: _outcome(fn) for name, fn in _actions(s, dirs, side).items()}
        finally:
            s.conf.unset(LEGACY)
    assert results["ember"] == results["pyspark"]
    # Which directory a batch write chose (a stream's sink directory appears whenever its thread gets to it).
    batch = ("_save_", "_wp_")
    written = sorted(p for p in os.listdir(dirs) if p.startswith("ember_") and any(b in p for b in batch))
    assert written == sorted(p.replace("pyspark_", "ember_") for p in os.listdir(dirs)
                             if p.startswith("pyspark_") and any(b in p for b in batch))
    if legacy:
        assert results["ember"]["load"] == ("ok", 3)
        assert results["ember"]["load-list"] == ("ok", 8)
        assert "ember_save_arg" in written and "ember_save_opt" not in written
    else:
        assert results["ember"]["load"][1] == "_LEGACY_ERROR_TEMP_1306"
        assert results["ember"]["writeStream"][1] == "_LEGACY_ERROR_TEMP_1188"


def test_one_path_given_once_is_read_either_way(spark, dirs):
    assert spark.read.format("parquet").option("path", str(dirs / "a")).load().count() == 5
    assert spark.read.format("parquet").load(str(dirs / "b")).count() == 3
