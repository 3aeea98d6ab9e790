"""`make demo`: seed 000 as its README runs it — the stream processor in one process, the generator writing 10
files 3 s apart in another — then stops the processor (Ctrl+C, as the README says) once the last file is counted."""
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    shutil.rmtree(os.path.join(HERE, "data"), ignore_errors=True)
    # readStream…load() fails on a directory that does not exist yet (Spark's PATH_NOT_FOUND), so create it first.
    os.makedirs(os.path.join(HERE, "data", "input"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    processor = subprocess.Popen([sys.executable, "streaming/stream_processor.py"], cwd=HERE, env=env)
    try:
        subprocess.run([sys.executable, "generator/csv_writer.py"], cwd=HERE, env=env, check=True)
        time.sleep(2)
    finally:
        processor.send_signal(signal.SIGINT)
        processor.wait(timeout=30)
        shutil.rmtree(os.path.join(HERE, "data"), ignore_errors=True)


if __name__ == "__main__":
    main()
