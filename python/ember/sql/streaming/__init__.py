"""``pyspark.sql.streaming``: DataStreamReader/Writer, StreamingQuery and the query manager, over ember's engine."""
from ember.errors import StreamingQueryException
from ember.sql.streaming import state  # noqa: F401 - pyspark.sql.streaming.state (GroupState), as PySpark exposes it
from ember.sql.streaming.listener import StreamingQueryListener
from ember.sql.streaming.query import StreamingQuery, StreamingQueryManager
from ember.sql.streaming.readwriter import DataStreamReader, DataStreamWriter
from ember.sql.streaming.stateful_processor import (
    ExpiredTimerInfo,
    ListState,
    MapState,
    StatefulProcessor,
    StatefulProcessorHandle,
    TimerValues,
    TTLConfig,
    ValueState,
)

__all__ = [
    "DataStreamReader",
    "DataStreamWriter",
    "StreamingQuery",
    "StreamingQueryException",
    "StreamingQueryListener",
    "StreamingQueryManager",
    "StatefulProcessor",
    "StatefulProcessorHandle",
    "ValueState",
    "ListState",
    "MapState",
    "TimerValues",
    "ExpiredTimerInfo",
    "TTLConfig",
]
