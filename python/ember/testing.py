"""``ember.testing``: Spark's MemoryStream for tests — rows added from Python become micro-batches."""
from typing import Any, Iterable

from ember import _native

__all__ = ["MemoryStream"]


class MemoryStream:
    """A streaming source fed from Python: ``addData(rows)`` adds one batch; ``toDF()`` is the streaming DataFrame."""

    def __init__(self, schema: Any, spark=None):
        from ember.sql import SparkSession
        from ember.sql.types import DataType, StructField, StructType, _parse_datatype_string

        if isinstance(schema, str):
            schema = _parse_datatype_string(schema)
        if isinstance(schema, DataType) and not isinstance(schema, StructType):
            schema = StructType([StructField("value", schema, True)])
        self._schema = schema
        self._spark = spark or SparkSession.builder.getOrCreate()
        self._j = _native.MemoryStream(schema.json())

    def addData(self, rows: Iterable[Any]) -> int:
        rows = list(rows)
        if len(self._schema.fields) == 1:
            rows = [r if isinstance(r, (tuple, list, dict)) or hasattr(r, "__fields__") else (r,) for r in rows]
        return self._j.add_rows(rows)

    def toDF(self):
        from ember.sql.dataframe import DataFrame

        return DataFrame(self._j.to_df(self._spark._jsession), self._spark)
