"""A streaming JSON source reads only the columns its query uses, as Spark's required schema does: an unread
field's type mismatch does not make a record malformed, a syntax error anywhere in it still does. Expected rows
were captured from PySpark 4.3 on the same file (the batch reader's `.select(...)` prunes the same way)."""
import os

import pytest

LINES = [
    '{"a":1,"b":"x","c":"t1"}',  # b is not an INT: only matters when b is read
    '{"a":2,"b":[1,},"c":"t2"}',  # a syntax error in b: malformed whatever is read
    '{"a":"z","b":3,"c":"t3"}',  # a is not an INT
    '{"a":4,"b":{"q":"\\u00zz"},"c":"t4"}',  # a bad escape inside b: malformed
    '{"a":5,"b":{"q":1},"c":"t5"}',  # b is an object: only matters when b is read
]
SCHEMA = "a INT, b INT, c STRING, _corrupt_record STRING"


def stream_rows(spark, path, name, mode, cols):
    df = spark.readStream.schema(SCHEMA).option("mode", mode).json(path).select(*cols)
    q = df.writeStream.format("memory").queryName(name).trigger(availableNow=True).start()
    q.awaitTermination()
    return sorted((tuple(r) for r in spark.sql(f"select * from {name}").collect()), key=repr)


@pytest.fixture
def src(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "p.json").write_text("\n".join(LINES) + "\n")
    return str(d)


def test_unread_type_mismatch_keeps_the_record(spark, src):
    assert stream_rows(spark, src, "prune_drop_ac", "DROPMALFORMED", ["a", "c"]) == [(1, "t1"), (5, "t5")]
    assert stream_rows(spark, src, "prune_drop_c", "DROPMALFORMED", ["c"]) == [("t1",), ("t3",), ("t5",)]
    assert stream_rows(spark, src, "prune_drop_ab", "DROPMALFORMED", ["a", "b"]) == []


def test_permissive_nulls_and_corrupt_text_only_when_read(spark, src):
    got = stream_rows(spark, src, "prune_perm_ac", "PERMISSIVE", ["a", "c"])
    assert got == sorted([(1, "t1"), (None, None), (None, "t3"), (None, None), (5, "t5")], key=repr)
    got = stream_rows(spark, src, "prune_perm_corrupt", "PERMISSIVE", ["a", "_corrupt_record"])
    assert got == sorted([(1, None), (None, LINES[1]), (None, LINES[2]), (None, LINES[3]), (5, None)], key=repr)
