#!/usr/bin/env python3
"""Data generator for the streaming WordCount: writes text files of random sentences into a directory.

Usage:
    python3 data_generator.py continuous <dir> [interval_seconds] [duration_seconds] [files_per_round]
        every interval_seconds, write files_per_round files, until duration_seconds have passed
    python3 data_generator.py batch <dir> [count] [interval_seconds]
        write count files, interval_seconds apart
    python3 data_generator.py single <dir> [lines]
        write one file of the given number of lines

Each file is written under a hidden name first and then renamed, so a streaming query watching the directory
never reads a half-written file.
"""
import os
import random
import sys
import time
from datetime import datetime

SUBJECTS = ["spark", "streaming", "data", "apache spark", "the engine", "a micro batch", "the query", "kafka",
            "the cluster", "structured streaming"]
VERBS = ["processes", "counts", "aggregates", "reads", "writes", "transforms", "joins", "filters", "streams"]
OBJECTS = ["real time data", "new files", "words", "events", "log lines", "records", "windows", "the results",
           "big data", "streaming data"]
ADVERBS = ["quickly", "continuously", "reliably", "in parallel", "incrementally", "every second", "at scale"]


def sentence(rng):
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
    if rng.random() < 0.5:
        words.append(rng.choice(ADVERBS))
    text = " ".join(words)
    return text[0].upper() + text[1:]


_sequence = 0


def write_file(directory, lines, rng):
    """Write one file of `lines` sentences atomically; return its path."""
    global _sequence
    _sequence += 1
    os.makedirs(directory, exist_ok=True)
    name = f"data_{datetime.now().strftime('%Y%m%d_%H%M%S_%f')}_{os.getpid()}_{_sequence}.txt"
    path = os.path.join(directory, name)
    tmp = os.path.join(directory, "." + name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for _ in range(lines):
            f.write(sentence(rng) + "\n")
    os.replace(tmp, path)
    print(f"Generated {path} ({lines} lines)", flush=True)
    return path


def continuous(directory, interval, duration, files_per_round, rng):
    print(f"Generating {files_per_round} file(s) every {interval} s for {duration} s into {directory}", flush=True)
    end = time.time() + duration
    rounds = 0
    while True:
        for _ in range(files_per_round):
            write_file(directory, rng.randint(3, 8), rng)
        rounds += 1
        if time.time() + interval > end:
            break
        time.sleep(interval)
    print(f"Done: {rounds} round(s), {rounds * files_per_round} file(s)", flush=True)


def batch(directory, count, interval, rng):
    print(f"Generating {count} file(s), {interval} s apart, into {directory}", flush=True)
    for i in range(count):
        if i > 0:
            time.sleep(interval)
        write_file(directory, rng.randint(3, 8), rng)
    print(f"Done: {count} file(s)", flush=True)


def usage():
    print(__doc__.strip())
    sys.exit(1)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        usage()
    mode, directory = args[0], args[1]
    rng = random.Random(os.environ.get("DATA_GENERATOR_SEED"))
    try:
        if mode == "continuous":
            interval = float(args[2]) if len(args) > 2 else 5
            duration = float(args[3]) if len(args) > 3 else 60
            files_per_round = int(args[4]) if len(args) > 4 else 1
            continuous(directory, interval, duration, files_per_round, rng)
        elif mode == "batch":
            count = int(args[2]) if len(args) > 2 else 10
            interval = float(args[3]) if len(args) > 3 else 1
            batch(directory, count, interval, rng)
        elif mode == "single":
            lines = int(args[2]) if len(args) > 2 else 5
            write_file(directory, lines, rng)
        else:
            usage()
    except KeyboardInterrupt:
        print("Interrupted", flush=True)


if __name__ == "__main__":
    main()
