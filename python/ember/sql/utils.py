"""``pyspark.sql.utils`` compatibility: the exception classes under their old import path."""
from ember.errors import (  # noqa: F401
    AnalysisException,
    IllegalArgumentException,
    ParseException,
    PythonException,
    QueryExecutionException,
    StreamingQueryException,
    UnknownException,
)
