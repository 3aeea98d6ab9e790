"""Benchmark inputs in the seeds' shapes, generated once into bench/data (deterministic)."""
import json
import os
import random
from datetime import datetime, timedelta

EVENTS = ["login", "logout", "purchase", "view"]


def csv_dir(root: str, rows: int = 5_000_000, files: int = 20) -> str:
    d = os.path.join(root, f"csv_{rows}_{files}")
    if os.path.exists(os.path.join(d, "_DONE")):
        return d
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(0)
    start = datetime(2024, 1, 1)
    per = rows // files
    for i in range(files):
        lines = ["timestamp,user_id,event\n"]
        for j in range(per):
            ts = (start + timedelta(microseconds=(i * per + j) * 1000)).isoformat(timespec="microseconds")
            lines.append(f"{ts},{rnd.randint(1, 5)},{EVENTS[rnd.randrange(4)]}\n")
        with open(os.path.join(d, f"event_batch_{i}.csv"), "w") as f:
            f.writelines(lines)
    open(os.path.join(d, "_DONE"), "w").close()
    return d


def json_dir(root: str, rows: int = 1_000_000, files: int = 10) -> str:
    d = os.path.join(root, f"json_{rows}_{files}")
    if os.path.exists(os.path.join(d, "_DONE")):
        return d
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(1)
    base = datetime(2024, 1, 1)
    per = rows // files
    kinds = ["click", "view", "purchase", "add_to_cart"]
    for b in range(files):
        with open(os.path.join(d, f"batch_{b:06d}.json"), "w") as f:
            for i in range(per):
                ev = {
                    "event_id": f"{b}_{i}",
                    "timestamp": (base + timedelta(seconds=rnd.randint(0, 86400))).isoformat(),
                    "user_id": rnd.randint(1, 1000),
                    "event_type": kinds[rnd.randrange(4)],
                    "value": round(rnd.uniform(10, 1000), 2),
                    "session_id": f"session_{rnd.randint(1, 100)}",
                }
                f.write(json.dumps(ev) + "\n")
    open(os.path.join(d, "_DONE"), "w").close()
    return d


def tiny_csv_dir(root: str, rows: int = 5) -> str:
    """Seed 000's first file: a header and a few rows (the start-up case's one micro-batch)."""
    d = os.path.join(root, f"csv_tiny_{rows}")
    if os.path.exists(os.path.join(d, "_DONE")):
        return os.path.join(d, "input")
    os.makedirs(os.path.join(d, "input"), exist_ok=True)
    rnd = random.Random(3)
    start = datetime(2024, 1, 1, 12)
    with open(os.path.join(d, "input", "event_batch_0.csv"), "w") as f:
        f.write("timestamp,user_id,event\n")
        for j in range(rows):
            f.write(f"{(start + timedelta(seconds=j)).isoformat()},{rnd.randint(1, 5)},{EVENTS[rnd.randrange(4)]}\n")
    open(os.path.join(d, "_DONE"), "w").close()
    return os.path.join(d, "input")


def json_events_dir(root: str, rows: int = 1_000_000, files: int = 20, minutes_per_file: int = 5) -> str:
    """Seed 002's generator with advancing event time: file b's clock runs from b × minutes_per_file; 90% of events
    are 0–30 s behind it and 10% are late by 60–600 s (as the seed's generator), so a 10-minute watermark drops few."""
    d = os.path.join(root, f"json_events_{rows}_{files}")
    if os.path.exists(os.path.join(d, "_DONE")):
        return d
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(2)
    base = datetime(2024, 1, 1)
    per = rows // files
    step = timedelta(minutes=minutes_per_file) / per
    kinds = ["click", "view", "purchase", "add_to_cart"]
    for b in range(files):
        with open(os.path.join(d, f"batch_{b:06d}.json"), "w") as f:
            for i in range(per):
                now = base + (b * per + i) * step
                lag = rnd.randint(60, 600) if rnd.random() < 0.1 else rnd.randint(0, 30)
                ev = {
                    "event_id": f"{b}_{i}",
                    "timestamp": (now - timedelta(seconds=lag)).isoformat(),
                    "user_id": rnd.randint(1, 1000),
                    "event_type": kinds[rnd.randrange(4)],
                    "value": round(rnd.uniform(10, 1000), 2),
                    "session_id": f"session_{rnd.randint(1, 100)}",
                }
                f.write(json.dumps(ev) + "\n")
    # Files are picked in modification-time order: make that the generation order whatever the file system's clock.
    for b in range(files):
        t = 1_700_000_000 + b
        os.utime(os.path.join(d, f"batch_{b:06d}.json"), (t, t))
    open(os.path.join(d, "_DONE"), "w").close()
    return d


def json_events_1mb_dir(root: str, rows: int = 1_000_000, files: int = 20, chunk_bytes: int = 1 << 20) -> str:
    """json_events_dir's events cut into files of about `chunk_bytes` (whole lines, generation order kept): one file
    per trigger makes the streaming case of 1 MB micro-batches arriving back to back."""
    d = os.path.join(root, f"json_events_{rows}_{files}_1mb")
    if os.path.exists(os.path.join(d, "_DONE")):
        return d
    src = json_events_dir(root, rows, files)
    os.makedirs(d, exist_ok=True)
    n, buf, size = 0, [], 0

    def flush():
        nonlocal n, buf, size
        path = os.path.join(d, f"part_{n:06d}.json")
        with open(path, "w") as f:
            f.writelines(buf)
        t = 1_700_000_000 + n
        os.utime(path, (t, t))
        n, buf, size = n + 1, [], 0

    for b in range(files):
        with open(os.path.join(src, f"batch_{b:06d}.json")) as f:
            for line in f:
                buf.append(line)
                size += len(line)
                if size >= chunk_bytes:
                    flush()
    if buf:
        flush()
    open(os.path.join(d, "_DONE"), "w").close()
    return d


def join_streams_dir(root: str, rows: int = 500_000, files: int = 10, minutes_per_file: int = 10) -> str:
    """Two JSON streams for the stream-stream join case, `rows` each in `files` files: clicks (user_id, click_time,
    click_id) and purchases (buyer_id, purchase_time, amount) over 100k users, each stream's clock advancing
    minutes_per_file per file with events 0–60 s behind it; about 1 in 10 rows lags 5–12 minutes (within the
    10-minute watermark's reach: none is late, but they keep older state rows alive). Returns the directory holding `clicks/` and `purchases/`."""
    d = os.path.join(root, f"join_streams_{rows}_{files}")
    if os.path.exists(os.path.join(d, "_DONE")):
        return d
    rnd = random.Random(3)
    base = datetime(2024, 1, 1)
    per = rows // files
    step = timedelta(minutes=minutes_per_file) / per
    for side, user, time_col, extra in (("clicks", "user_id", "click_time", "click_id"),
                                        ("purchases", "buyer_id", "purchase_time", "amount")):
        os.makedirs(os.path.join(d, side), exist_ok=True)
        for b in range(files):
            path = os.path.join(d, side, f"part_{b:06d}.json")
            with open(path, "w") as f:
                for i in range(per):
                    now = base + (b * per + i) * step
                    lag = rnd.randint(300, 720) if rnd.random() < 0.1 else rnd.randint(0, 60)
                    value = b * per + i if extra == "click_id" else round(rnd.uniform(1, 500), 2)
                    f.write(json.dumps({user: rnd.randint(1, 100_000), time_col: (now - timedelta(seconds=lag)).isoformat(),
                                        extra: value}) + "\n")
            t = 1_700_000_000 + b
            os.utime(path, (t, t))
    open(os.path.join(d, "_DONE"), "w").close()
    return d
