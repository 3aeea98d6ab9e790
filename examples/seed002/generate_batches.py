"""Runs the seed's generator (data_generator.py, unchanged) for a fixed number of batches.

The seed's `generate_events()` loops until Ctrl+C and stamps events with the wall clock, so a run of a few minutes
never closes a 5-minute window held back by a 10-minute watermark, nor a 30-minute session held back by an hour.
This wrapper leaves the seed's code as it is and only replaces what it calls:

- `time.sleep` counts batches and, after `--batches`, raises KeyboardInterrupt — the seed's own way to stop, so it
  prints its "Generator stopped" line as after Ctrl+C;
- with `--start`, `datetime.now()` is a simulated clock: the first batch at `--start`, each next one
  `--step-minutes` later, so an hour of event time takes no time to generate;
- `--seed` makes `random` repeatable.

    python generate_batches.py --batches 12 --delay 0 --start 2024-01-01T12:00:00 --step-minutes 10 --seed 7
"""
import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import data_generator  # noqa: E402


class _StopAfter:
    """Stands in for the `time` module inside data_generator: sleeps as asked, stops after `batches` sleeps."""

    def __init__(self, batches):
        self.batches = batches
        self.done = 0

    def sleep(self, seconds):
        self.done += 1
        if self.done >= self.batches:
            raise KeyboardInterrupt
        time.sleep(seconds)


def _simulated_clock(start, step):
    """A `datetime` whose now() is `start`, then `start + step`, … one call per batch (the seed calls it once)."""
    calls = [0]

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            t = start + step * calls[0]
            calls[0] += 1
            return t

    return Clock


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output-dir", default="./input")
    p.add_argument("--batches", type=int, required=True)
    p.add_argument("--events-per-batch", type=int, default=100)
    p.add_argument("--delay", type=float, default=5, help="seconds between batches (the seed's delay_seconds)")
    p.add_argument("--start", type=datetime.fromisoformat, help="event time of the first batch (default: the clock)")
    p.add_argument("--step-minutes", type=float, default=5, help="event time between batches with --start")
    p.add_argument("--seed", type=int)
    args = p.parse_args(argv)
    if args.seed is not None:
        random.seed(args.seed)
    data_generator.time = _StopAfter(args.batches)
    if args.start is not None:
        data_generator.datetime = _simulated_clock(args.start, timedelta(minutes=args.step_minutes))
    data_generator.generate_events(args.output_dir, args.events_per_batch, args.delay)


if __name__ == "__main__":
    main()
