"""Inspect a streaming query's checkpoint: ``python -m ember.checkpoint inspect PATH`` prints its query id,
batches, offsets, watermarks and the state per operator (rows, bytes of the files a restart reads, the snapshot
and change files they are); ``ember.checkpoint.inspect(path)`` returns the same
as a ``CheckpointInfo``. Read-only: it never changes the checkpoint."""
import json
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
    snapshot_version: Optional[int] = None
    delta_files: int = 0


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


def inspect(path: str) -> CheckpointInfo:
    """Read the checkpoint at ``path`` (through the engine's own checkpoint and state store reader)."""
    from ember import _native

    d = json.loads(_native.inspect_checkpoint(path))
    return CheckpointInfo(
        path=d["path"], query_id=d["query_id"],
        batches=[BatchInfo(**b) for b in d["batches"]],
        operators=[OperatorInfo(**o) for o in d["operators"]],
        sources={int(k): v for k, v in d["sources"].items()})


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
        out += ["", "operator  name                               partitions  state rows  bytes  snapshot  deltas  keys"]
        for o in info.operators:
            rows = "?" if o.state_rows is None else str(o.state_rows)
            snap = "-" if o.snapshot_version is None else str(o.snapshot_version)
            out.append(f"{o.operator_id:<9} {o.name:<34} {o.partitions:<11} {rows:<11} {o.state_bytes:<6} "
                       f"{snap:<9} {o.delta_files:<7} {', '.join(o.keys)}")
    if info.sources:
        out += ["", "source  logged batches"] + [f"{s:<7} {n}" for s, n in sorted(info.sources.items())]
    return "\n".join(out)
