"""Fixtures: an ember session for every test, and one PySpark session per test run for differential tests."""
import contextlib
import io
import os
import shutil

import pytest

os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)


@pytest.fixture(scope="session")
def spark():
    from ember.sql import SparkSession

    s = SparkSession.builder.appName("ember-tests").getOrCreate()
    s.conf.set("spark.sql.session.timeZone", "UTC")
    # As the oracle's local[2]: createDataFrame slices and partial aggregates then line up, so floating-point
    # aggregates merge in the same order and give the same bits.
    s.conf.set("spark.sql.shuffle.partitions", "2")
    return s


@pytest.fixture(scope="session")
def pyspark_session():
    """PySpark 4.3 (non-ANSI, UTC, 2 shuffle partitions), started once; tests using it skip without it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed")
    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    from pyspark.sql import SparkSession

    # PySpark's Python workers unpickle functions defined in test modules (applyInPandasWithState): let them
    # import from tests/.
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    s = (
        SparkSession.builder.master("local[2]")
        .appName("ember-oracle")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("OFF")
    yield s
    s.stop()


def captured(fn) -> str:
    """What `fn()` prints."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


@pytest.fixture
def capture():
    return captured


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL 15 server for the whole run (installed by `make test`; see tests/helpers/postgres_server.py)."""
    from helpers import postgres_server

    if not postgres_server.available():
        pytest.fail(f"PostgreSQL 15 is not installed ({postgres_server.PG_BIN}): run `make services`")
    with postgres_server.running() as server:
        yield server
