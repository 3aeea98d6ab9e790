"""ember: PySpark Structured Streaming without the JVM.

Import ``ember.sql`` where a PySpark script imports ``pyspark.sql``.
"""

import logging

__version__ = "0.1.0"

# ember logs through the standard library (logger "ember" and its children, e.g. "ember.streaming"); like any
# library it prints nothing unless the application configures logging (logging.basicConfig, a handler, ...).
logging.getLogger("ember").addHandler(logging.NullHandler())
