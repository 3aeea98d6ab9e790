"""The way out to Apache Spark: with the environment variable ``EMBER_BACKEND=spark``, ``ember.sql`` and
``ember.errors`` (and every submodule) are PySpark's own modules, so an ember script runs unchanged under
``spark-submit --master spark://…`` on a cluster. The switch is an environment variable, not a conf, because it must
act before the script's first ``import``; it adds nothing to PySpark's API.
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys

ENV = "EMBER_BACKEND"

# ember's modules and the PySpark modules they stand for.
ALIASES = {"ember.sql": "pyspark.sql", "ember.errors": "pyspark.errors", "ember.delta": "delta"}


def selected() -> str:
    """``"ember"`` (the default) or ``"spark"``, from ``EMBER_BACKEND``."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "ember"):
        return "ember"
    if value in ("spark", "pyspark"):
        return "spark"
    raise ImportError(f"{ENV}={value!r} is not a backend: use 'ember' (the default) or 'spark' (Apache Spark)")


class _PySparkModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``ember.sql[.x]`` as the already imported ``pyspark.sql[.x]`` object, so classes keep one identity."""

    def find_spec(self, name, path=None, target=None):
        for mine, theirs in ALIASES.items():
            if name == mine or name.startswith(mine + "."):
                target_name = theirs + name[len(mine):]
                real = importlib.util.find_spec(target_name)
                if real is None:
                    return None
                spec = importlib.util.spec_from_loader(name, self, is_package=real.submodule_search_locations is not None)
                spec.loader_state = target_name
                return spec
        return None

    def create_module(self, spec):
        return importlib.import_module(spec.loader_state)

    def exec_module(self, module):
        pass


def install() -> None:
    """Route ember's modules to PySpark's when the Spark backend is selected (called by ``import ember``)."""
    if selected() != "spark" or any(isinstance(f, _PySparkModules) for f in sys.meta_path):
        return
    try:
        import pyspark  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{ENV}=spark runs ember scripts on Apache Spark, which needs PySpark: pip install pyspark") from e
    sys.meta_path.insert(0, _PySparkModules())
