"""pandas-facing APIs, at PySpark's module paths (``pyspark.sql.pandas``)."""
