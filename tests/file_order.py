"""Helpers for tests that chain streaming queries through files."""
import json
import os
import time
from urllib.parse import unquote, urlparse


def order_by_batch(sink_dir: str) -> None:
    """Give a streaming file sink's files distinct modification times in the order of the batches that wrote them,
    on disk and in the sink's `_spark_metadata` log (a stream reading a sink's directory lists the files of its
    log, with the times recorded there — Spark does).

    A file stream takes new files in modification-time order, to the millisecond; ember's sink can write several
    micro-batches within one millisecond, and files with equal times are then taken in an order of the reader's
    choosing (ember: by name, i.e. random part-file names). A stream reading another's output a few files per
    micro-batch would then see batches (not results, unless rows turn up late) vary from run to run. A source
    written a file a second, as the seeds run, has no ties.
    """
    log = os.path.join(sink_dir, "_spark_metadata")
    base_ms = int(time.time() * 1000) - 3_600_000
    for batch in sorted(int(n) for n in os.listdir(log) if n.isdigit()):
        entry = os.path.join(log, str(batch))
        with open(entry, encoding="utf-8") as f:
            version, *lines = f.read().splitlines()
        files = sorted((json.loads(line) for line in lines), key=lambda e: e["path"])
        for i, e in enumerate(files):
            e["modificationTime"] = base_ms + batch * 1000 + i * 10
            os.utime(unquote(urlparse(e["path"]).path), (e["modificationTime"] / 1000, e["modificationTime"] / 1000))
        with open(entry, "w", encoding="utf-8") as f:
            f.write("\n".join([version] + [json.dumps(e, separators=(",", ":")) for e in files]))


def files_by_batch(sink_dir: str) -> dict:
    """{batch id: [file path, …]} from a streaming file sink's `_spark_metadata` log."""
    log = os.path.join(sink_dir, "_spark_metadata")
    out = {}
    for name in os.listdir(log):
        if name.isdigit():
            with open(os.path.join(log, name), encoding="utf-8") as f:
                out[int(name)] = [unquote(urlparse(json.loads(line)["path"]).path) for line in f.read().splitlines()[1:]]
    return out
