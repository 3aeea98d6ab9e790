"""``pyspark.sql`` for ember: the same names, backed by ember's engine."""
from ember.sql.column import Column
from ember.sql.dataframe import DataFrame, DataFrameNaFunctions
from ember.sql.group import GroupedData
from ember.sql.readwriter import DataFrameReader, DataFrameWriter
from ember.sql.session import SparkSession
from ember.sql.types import Row

__all__ = [
    "SparkSession",
    "DataFrame",
    "DataFrameNaFunctions",
    "Column",
    "Row",
    "GroupedData",
    "DataFrameReader",
    "DataFrameWriter",
]
