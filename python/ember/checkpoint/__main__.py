"""``python -m ember.checkpoint inspect PATH``."""
import argparse
import json
import sys
from dataclasses import asdict

from ember.checkpoint import inspect, render


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ember.checkpoint", description="Inspect a streaming checkpoint.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inspect", help="batches, offsets, watermark, state size per operator, query id")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        info = inspect(args.path)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(asdict(info), indent=2) if args.json else render(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
