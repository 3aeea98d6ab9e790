"""ember: PySpark Structured Streaming without the JVM.

Import ``ember.sql`` where a PySpark script imports ``pyspark.sql``. With ``EMBER_BACKEND=spark`` in the environment,
``ember.sql`` is PySpark's own module instead (see ``ember.backend``), so the same script runs on Apache Spark.
"""

import logging

from ember import backend as _backend

_backend.install()

# ember logs through the standard library (logger "ember" and its children, e.g. "ember.streaming"); like any
# library it prints nothing unless the application configures logging (logging.basicConfig, a handler, ...).
logging.getLogger("ember").addHandler(logging.NullHandler())


def __getattr__(name: str):
    # Read from the extension (its one source is Cargo.toml), and only when asked, so that `import ember` with the
    # Spark backend needs no native module.
    if name == "__version__":
        from ember._native import __version__

        return __version__
    if name == "Row":
        # `from pyspark import Row`, as PySpark's package has it (resolved through ember.sql, so the Spark backend
        # hands out PySpark's own Row).
        from ember.sql import Row

        return Row
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
