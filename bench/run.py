"""`make bench`: each case on ember and (when installed) on PySpark, in separate processes; prints figures and ratios.

Goals (issue 2): CSV read + groupBy count ≥ 15M rows/s on 2 cores and ≥ 50× PySpark; JSON read + groupBy/agg
≥ 2M rows/s. Figures are printed, never asserted.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import datagen  # noqa: E402


def run(engine: str, case: str, path: str):
    cmd = [sys.executable, os.path.join(HERE, "runner.py"), "--engine", engine, "--case", case, "--path", path]
    if engine == "pyspark":
        cmd += ["--repeat", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {engine}: failed\n{out.stderr[-2000:]}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    data = os.path.join(HERE, "data")
    os.makedirs(data, exist_ok=True)
    paths = {"csv": datagen.csv_dir(data), "json": datagen.json_dir(data)}
    try:
        import pyspark  # noqa: F401

        engines = ["ember", "pyspark"]
    except ImportError:
        engines = ["ember"]
        print("(pyspark not installed: ember figures only)")
    for case, path in paths.items():
        print(f"== {case}: {path}")
        results = {}
        for eng in engines:
            r = run(eng, case, path)
            if r:
                results[eng] = r
                print(f"  {eng:8s} {r['best_s'] * 1000:9.1f} ms  {r['rows_per_s'] / 1e6:8.2f} M rows/s  "
                      f"startup {r['startup_s'] * 1000:8.1f} ms  peak RSS {r['peak_rss_mb']:7.0f} MB")
        if "ember" in results and "pyspark" in results:
            print(f"  ember is {results['pyspark']['best_s'] / results['ember']['best_s']:.1f}x faster than PySpark on the query, "
                  f"{results['pyspark']['startup_s'] / max(results['ember']['startup_s'], 1e-9):.0f}x on start-up")


if __name__ == "__main__":
    main()
