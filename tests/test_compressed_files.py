"""Compressed CSV, JSON and text files: read by extension and written with the `compression` option, in batch and
streaming, against PySpark 4.3 on the same files (Hadoop's codecs, lz4/snappy with Hadoop's block framing)."""
import bz2
import glob
import gzip
import os
import zlib

import pytest

from ember.errors import IllegalArgumentException

CODECS = ["gzip", "bzip2", "deflate", "lz4", "snappy"]
EXT = {"gzip": ".gz", "bzip2": ".bz2", "deflate": ".deflate", "lz4": ".lz4", "snappy": ".snappy"}
ROWS = [(i, f"name {i}") for i in range(2000)]


def _df(session):
    return session.createDataFrame(ROWS, "id int, name string").coalesce(1)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_files_each_engine_writes_read_back_on_the_other(spark, pyspark_session, tmp_path, codec, fmt):
    schema = "id int, name string"
    for writer, reader, side in [(spark, pyspark_session, "ember"), (pyspark_session, spark, "pyspark")]:
        out = str(tmp_path / side)
        getattr(_df(writer).write.option("compression", codec), fmt)(out)
        parts = [os.path.basename(p) for p in glob.glob(out + "/part-*")]
        assert parts and all(p.endswith(f".{fmt}{EXT[codec]}") for p in parts), parts
        got = sorted(tuple(r) for r in getattr(reader.read.schema(schema), fmt)(out).collect())
        assert got == ROWS, (side, codec, got[:3])


def test_text_files_compressed_by_other_tools_read_as_pyspark_reads_them(spark, pyspark_session, tmp_path):
    lines = b"".join(b"line %d\n" % i for i in range(500))
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(lines[:2000]) + gzip.compress(lines[2000:]))
    (tmp_path / "b.txt.bz2").write_bytes(bz2.compress(lines))
    (tmp_path / "c.txt.deflate").write_bytes(zlib.compress(lines))
    (tmp_path / "d.txt").write_bytes(lines)
    e = sorted(r.value for r in spark.read.text(str(tmp_path)).collect())
    p = sorted(r.value for r in pyspark_session.read.text(str(tmp_path)).collect())
    assert e == p and len(e) == 2000


def test_a_gzipped_json_file_infers_its_schema(spark, tmp_path):
    (tmp_path / "e.json.gz").write_bytes(gzip.compress(b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n'))
    df = spark.read.json(str(tmp_path))
    assert df.schema.simpleString() == "struct<a:bigint,b:string>"
    assert [tuple(r) for r in df.orderBy("a").collect()] == [(1, "x"), (2, "y")]


def test_a_damaged_compressed_file_fails_naming_it(spark, tmp_path):
    (tmp_path / "bad.json.gz").write_bytes(gzip.compress(b'{"a": 1}\n' * 100)[:30])
    with pytest.raises(Exception) as e:
        spark.read.schema("a int").json(str(tmp_path)).collect()
    assert "FAILED_READ_FILE.NO_HINT" in str(e.value) and "bad.json.gz" in str(e.value)


def test_an_unknown_codec_is_spark_error(spark, tmp_path):
    with pytest.raises(IllegalArgumentException) as e:
        _df(spark).write.option("compression", "zstd").json(str(tmp_path / "o"))
    assert str(e.value).startswith(
        "[CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION] The codec zstd is not available."
    )


def test_a_stream_of_gzipped_csv_files(spark, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        body = "".join(f"{i * 10 + j},n{j}\n" for j in range(10)).encode()
        (src / f"part{i}.csv.gz").write_bytes(gzip.compress(body))
    q = (
        spark.readStream.schema("id int, name string").csv(str(src))
        .writeStream.format("memory").queryName("gz_stream").trigger(availableNow=True).start()
    )
    q.awaitTermination(60)
    assert sorted(r.id for r in spark.sql("select id from gz_stream").collect()) == list(range(30))
    q.stop()
