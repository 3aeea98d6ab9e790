"""The socket source as Spark's: the connection is made by the query, not by start(), and bytes that are not UTF-8
are decoded as U+FFFD (Java's reader) instead of ending the stream."""
import socket
import time

import pytest

from ember.errors import StreamingQueryException


def _lines(spark, port):
    return spark.readStream.format("socket").option("host", "127.0.0.1").option("port", port).load()


def test_a_refused_connection_fails_the_query_not_start(spark):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens on the port now
    q = _lines(spark, port).writeStream.format("noop").start()
    with pytest.raises(StreamingQueryException, match=f"Could not connect to socket 127.0.0.1:{port}"):
        q.awaitTermination(10)
    assert not q.isActive


def test_invalid_utf8_is_replaced_and_later_lines_are_kept(spark):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    got = []
    q = _lines(spark, port).writeStream.foreachBatch(lambda df, _: got.extend(r.value for r in df.collect())).start()
    conn, _ = server.accept()
    try:
        conn.sendall(b"caf\xe9 ok\r\nnext line\n")
        deadline = time.time() + 10
        while len(got) < 2 and time.time() < deadline:
            q.processAllAvailable()
            time.sleep(0.05)
        assert got == ["caf\ufffd ok", "next line"]
        assert q.isActive
    finally:
        q.stop()
        conn.close()
        server.close()
