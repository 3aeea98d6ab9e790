"""Inspect a streaming query's checkpoint: ``python -m ember.checkpoint inspect PATH`` prints its query id,
batches, offsets, watermarks and the state size per operator; ``ember.checkpoint.inspect(path)`` returns the same
as a ``CheckpointInfo``. Read-only: it never changes the checkpoint."""
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

__all__ = ["BatchInfo", "CheckpointInfo", "OperatorInfo", "inspect"]


@dataclass
class BatchInfo:
    batch_id: int
    committed: bool
    watermark_ms: int
    timestamp_ms: int
    offsets: List[int]
    next_watermark_ms: Optional[int] = None


@dataclass
class OperatorInfo:
    operator_id: int
    name: str
    keys: List[str]
    values: List[str]
    partitions: int
    version: Optional[int]
    state_rows: Optional[int]
    state_bytes: int


@dataclass
class CheckpointInfo:
    path: str
    query_id: Optional[str]
    batches: List[BatchInfo] = field(default_factory=list)
    operators: List[OperatorInfo] = field(default_factory=list)
    sources: Dict[int, int] = field(default_factory=dict)

    @property
    def last_committed(self) -> Optional[int]:
        done = [b.batch_id for b in self.batches if b.committed]
        return max(done) if done else None

    @property
    def watermark_ms(self) -> int:
        done = [b for b in self.batches if b.committed]
        return done[-1].next_watermark_ms if done else 0


def _ids(d: str) -> List[int]:
    if not os.path.isdir(d):
        return []
    return sorted(int(n) for n in os.listdir(d) if n.isdigit())


def _read_log(path: str) -> List[str]:
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "v1":
        raise ValueError(f"The checkpoint file {path} is corrupt: missing version line v1")
    return lines[1:]


def _rows(path: str) -> Optional[int]:
    try:
        import pyarrow.ipc as ipc
    except ImportError:
        return None
    with ipc.open_file(path) as r:
        return sum(r.get_batch(i).num_rows for i in range(r.num_record_batches))


def inspect(path: str) -> CheckpointInfo:
    """Read the checkpoint at ``path``."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No checkpoint at {path}")
    meta = os.path.join(path, "metadata")
    query_id = None
    if os.path.exists(meta):
        with open(meta, encoding="utf-8") as f:
            query_id = json.loads(f.read()).get("id")
    info = CheckpointInfo(path=path, query_id=query_id)
    commits = set(_ids(os.path.join(path, "commits")))
    for b in _ids(os.path.join(path, "offsets")):
        lines = _read_log(os.path.join(path, "offsets", str(b)))
        m = json.loads(lines[0])
        # Each source's offset as Spark serialises it (None: the source had no data yet).
        offsets = [None if x.strip() == "-" else json.loads(x) for x in lines[1:] if x.strip()]
        nxt = None
        if b in commits:
            nxt = json.loads(_read_log(os.path.join(path, "commits", str(b)))[0])["nextBatchWatermarkMs"]
        info.batches.append(BatchInfo(b, b in commits, m["batchWatermarkMs"], m["batchTimestampMs"], offsets, nxt))
    version = info.last_committed
    for op in _ids(os.path.join(path, "state")):
        d = os.path.join(path, "state", str(op))
        shape = {}
        if os.path.exists(os.path.join(d, "_metadata")):
            with open(os.path.join(d, "_metadata"), encoding="utf-8") as f:
                shape = json.load(f)
        parts = _ids(d)
        rows: Optional[int] = 0
        size = 0
        for p in parts:
            f = os.path.join(d, str(p), f"{version}.arrow")
            if version is not None and os.path.exists(f):
                size += os.path.getsize(f)
                n = _rows(f)
                rows = None if (n is None or rows is None) else rows + n
        info.operators.append(OperatorInfo(op, shape.get("operator", "?"), shape.get("keys", []),
                                           shape.get("values", []), len(parts), version, rows, size))
    for s in _ids(os.path.join(path, "sources")):
        info.sources[s] = len(_ids(os.path.join(path, "sources", str(s))))
    return info


def _fmt_ms(ms: Optional[int]) -> str:
    import datetime

    if ms is None:
        return "-"
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def render(info: CheckpointInfo) -> str:
    out = [f"checkpoint  {info.path}", f"query id    {info.query_id}",
           f"batches     {len(info.batches)} (last committed: {info.last_committed})",
           f"watermark   {_fmt_ms(info.watermark_ms)}", "",
           "batch  committed  watermark                 offsets"]
    for b in info.batches:
        out.append(f"{b.batch_id:<6} {'yes' if b.committed else 'NO':<10} {_fmt_ms(b.watermark_ms):<25} {b.offsets}")
    if info.operators:
        out += ["", "operator  name                               partitions  state rows  bytes  keys"]
        for o in info.operators:
            rows = "?" if o.state_rows is None else str(o.state_rows)
            out.append(f"{o.operator_id:<9} {o.name:<34} {o.partitions:<11} {rows:<11} {o.state_bytes:<6} "
                       f"{', '.join(o.keys)}")
    if info.sources:
        out += ["", "source  logged batches"] + [f"{s:<7} {n}" for s, n in sorted(info.sources.items())]
    return "\n".join(out)
