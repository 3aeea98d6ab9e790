"""ember: PySpark Structured Streaming without the JVM.

Import ``ember.sql`` where a PySpark script imports ``pyspark.sql``.
"""

__version__ = "0.1.0"
