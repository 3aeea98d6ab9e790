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
                print(f"  {eng:8s} best {r['best_s'] * 1000:8.1f} ms ({r['rows_per_s'] / 1e6:6.2f} M rows/s)  "
                      f"first {r['first_s'] * 1000:8.1f} ms  startup {r['startup_s'] * 1000:7.1f} ms  "
                      f"peak RSS {r['peak_rss_mb']:6.0f} MB")
        if "ember" in results and "pyspark" in results:
            e, p = results["ember"], results["pyspark"]
            print(f"  ember/PySpark: {p['best_s'] / e['best_s']:.1f}x on a warm query, {p['first_s'] / e['first_s']:.1f}x on the "
                  f"first query, {(p['startup_s'] + p['first_s']) / (e['startup_s'] + e['first_s']):.0f}x for start-up plus first query")


if __name__ == "__main__":
    main()
