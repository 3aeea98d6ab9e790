"""``pyspark.sql`` for ember: the same names, backed by ember's engine."""
from ember.sql.column import Column
from ember.sql.dataframe import DataFrame, DataFrameNaFunctions
from ember.sql.group import GroupedData
from ember.sql.observation import Observation
from ember.sql.readwriter import DataFrameReader, DataFrameWriter
from ember.sql.session import SparkSession
from ember.sql.types import Row
from ember.sql.udf import UDFRegistration
from ember.sql.window import Window, WindowSpec

__all__ = [
    "SparkSession",
    "DataFrame",
    "DataFrameNaFunctions",
    "Column",
    "Row",
    "GroupedData",
    "Observation",
    "DataFrameReader",
    "DataFrameWriter",
    "UDFRegistration",
    "Window",
    "WindowSpec",
]
