"""What a user installs and waits for: the wheel's size, the installed size of ember with its required dependencies
(none) and with the optional pandas extra, and `import ember` + session start time, measured in a fresh venv.

    python bench/footprint.py [WHEEL]      # default: the newest wheel in dist/ (`make wheel`)

The same figures for PySpark (its installed size, without the JDK it also needs) are printed when `--pyspark` is
given; that installs pyspark into a second fresh venv from the package index.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tree_size(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def site_packages(env_dir: str) -> str:
    return glob.glob(os.path.join(env_dir, "lib", "python*", "site-packages"))[0]


def fresh_venv(where: str) -> str:
    venv.create(where, with_pip=True)
    return os.path.join(where, "bin", "python")


def installed_size(python: str, env_dir: str, *packages: str) -> int:
    before = tree_size(site_packages(env_dir))
    subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True)
    return tree_size(site_packages(env_dir)) - before


def start_time(python: str, code: str, runs: int = 7) -> float:
    """Median wall time of a fresh interpreter running `code`, minus an empty interpreter's."""
    def once(c):
        t = time.perf_counter()
        subprocess.run([python, "-c", c], check=True, capture_output=True, cwd=tempfile.gettempdir())
        return time.perf_counter() - t
    once(code)  # warm-up: .pyc files, page cache
    base = statistics.median(once("pass") for _ in range(runs))
    return statistics.median(once(code) for _ in range(runs)) - base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("wheel", nargs="?")
    ap.add_argument("--pyspark", action="store_true")
    a = ap.parse_args()
    wheel = a.wheel or max(glob.glob(os.path.join(ROOT, "dist", "*.whl")), key=os.path.getmtime, default=None)
    if not wheel:
        raise SystemExit("no wheel: run `make wheel` first (or pass one)")
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = os.path.join(tmp, "ember")
        python = fresh_venv(env_dir)
        core = installed_size(python, env_dir, wheel)
        startup = start_time(python, "import ember.sql\nember.sql.SparkSession.builder.getOrCreate()")
        extra = installed_size(python, env_dir, "pandas>=2,<3", "pyarrow>=14")
        print(f"wheel            {os.path.basename(wheel)}  {os.path.getsize(wheel) / 1e6:.1f} MB")
        print(f"installed        {core / 1e6:.1f} MB (no required dependencies)")
        print(f"  + pandas extra {extra / 1e6:.1f} MB (pandas, pyarrow, numpy: toPandas, applyInPandasWithState)")
        print(f"import + session {startup * 1000:.0f} ms (median of 7, interpreter start subtracted)")
        if a.pyspark:
            env_dir = os.path.join(tmp, "pyspark")
            python = fresh_venv(env_dir)
            size = installed_size(python, env_dir, "pyspark==4.3.0")
            print(f"pyspark 4.3.0    {size / 1e6:.0f} MB installed, plus a JDK")


if __name__ == "__main__":
    main()
