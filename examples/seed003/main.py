"""Seed 003's data generator: click-stream records as nested JSON, one file at a time, into data/json_files at the
top of the repository, where the notebooks in notebooks/ read them (`../data/json_files`).

Each record is
    {"Analytics": {"Clicks": "7", "Impressions": "41"},
     "Sales": {"Quantity": "2", "Total_Price": "37.98"},
     "Datetime": "2024-01-01 10:00:03"}
with every value a string, as a tracker would send it: Task_1 gives them types.

    python main.py                      # 60 files, one a second, stamped with the clock
    python main.py --files 12 --interval 0 --start "2024-01-01 10:00:00" --seed 3
                                        # event times from --start, 5 seconds of them per file, no waiting
"""
import argparse
import json
import os
import random
import time
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
# The project root of seed 003's layout: notebooks/ and data/ side by side.
ROOT = os.path.dirname(os.path.dirname(HERE))
JSON_DIR = os.path.join(ROOT, "data", "json_files")


def make_record(at: datetime) -> dict:
    clicks = random.randint(0, 20)
    impressions = clicks + random.randint(0, 80)
    quantity = random.randint(0, clicks // 4 + 1)
    unit_price = random.choice([4.99, 9.5, 19.99, 25.0, 49.9])
    return {
        "Analytics": {"Clicks": str(clicks), "Impressions": str(impressions)},
        "Sales": {"Quantity": str(quantity), "Total_Price": f"{quantity * unit_price:.2f}"},
        "Datetime": at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def write_file(index: int, records: list, out_dir: str = JSON_DIR) -> str:
    """One JSON-lines file, written under a temporary name and renamed, so a running stream never reads half of it."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"clicks_{index:05d}.json")
    tmp = os.path.join(out_dir, f".clicks_{index:05d}.json.tmp")
    with open(tmp, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    os.replace(tmp, path)
    return path


def generate(files: int, records: int, interval: float, start=None, step: float = 5.0, out_dir: str = JSON_DIR):
    """`files` files of `records` records each. With `start`, file i holds event times spread over
    [start + i*step, start + (i+1)*step); otherwise the records are stamped with the clock when written."""
    for i in range(files):
        if start is None:
            stamps = [datetime.now()] * records
        else:
            first = start + timedelta(seconds=i * step)
            stamps = [first + timedelta(seconds=step * k / records) for k in range(records)]
        path = write_file(i, [make_record(t) for t in stamps], out_dir)
        print(f"Wrote {records} records -> {path}")
        # Streams take new files in modification-time order (to the millisecond): keep the files apart.
        time.sleep(max(interval, 0.01))


def main(argv=None):
    p = argparse.ArgumentParser(description="Generates nested click-stream JSON files into data/json_files.")
    p.add_argument("--files", type=int, default=60)
    p.add_argument("--records", type=int, default=10, help="records per file")
    p.add_argument("--interval", type=float, default=1.0, help="seconds to wait between files")
    p.add_argument("--start", type=datetime.fromisoformat, help="event time of the first record (default: the clock)")
    p.add_argument("--step", type=float, default=5.0, help="seconds of event time per file with --start")
    p.add_argument("--seed", type=int)
    p.add_argument("--out", default=JSON_DIR)
    args = p.parse_args(argv)
    if args.seed is not None:
        random.seed(args.seed)
    generate(args.files, args.records, args.interval, args.start, args.step, args.out)


if __name__ == "__main__":
    main()
