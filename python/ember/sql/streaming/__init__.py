"""``pyspark.sql.streaming``: DataStreamReader/Writer, StreamingQuery and the query manager, over ember's engine."""
from ember.sql.streaming.listener import StreamingQueryListener
from ember.sql.streaming.query import StreamingQuery, StreamingQueryManager
from ember.sql.streaming.readwriter import DataStreamReader, DataStreamWriter
from ember.sql.streaming.state import GroupState, GroupStateTimeout

__all__ = ["DataStreamReader", "DataStreamWriter", "GroupState", "GroupStateTimeout", "StreamingQuery", "StreamingQueryListener", "StreamingQueryManager"]
