"""``SparkSession``: entry point; holds the native session (conf, views) and builds DataFrames."""
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Union

from ember import _native
from ember import backend as _backend
from ember.errors import AnalysisException, PySparkRuntimeError, PySparkTypeError, PySparkValueError, _error

if TYPE_CHECKING:
    from ember.sql.catalog import Catalog
    from ember.sql.dataframe import DataFrame
    from ember.sql.readwriter import DataFrameReader
    from ember.sql.streaming.query import StreamingQueryManager
    from ember.sql.streaming.readwriter import DataStreamReader

__all__ = ["SparkSession", "RuntimeConfig", "SparkContext"]

_UNSET = object()


def _require_runtime_conf(key: str) -> None:
    """Spark's refusal to change a static or core config on a running session (the builder may set them)."""
    from ember.sql.conf_keys import CORE_CONFS, STATIC_SQL_CONFS

    if key in STATIC_SQL_CONFS:
        raise _error(AnalysisException, "CANNOT_MODIFY_STATIC_CONFIG", key=f'"{key}"')
    if key in CORE_CONFS:
        raise _error(AnalysisException, "CANNOT_MODIFY_CONFIG", key=f'"{key}"', docroot="https://spark.apache.org/docs/latest")


class RuntimeConfig:
    """``spark.conf``."""

    def __init__(self, jsession: "_native.Session"):
        self._j = jsession

    def get(self, key: str, default: Any = _UNSET) -> Optional[str]:
        v = self._j.conf_get(key)
        if v is not None:
            return v
        if default is not _UNSET:
            return default
        from ember.errors import SparkNoSuchElementException

        raise _error(SparkNoSuchElementException, "SQL_CONF_NOT_FOUND",
                     f"The SQL config \"{key}\" cannot be found. Please verify that the config exists. SQLSTATE: 42K0I")

    def set(self, key: str, value: Any) -> None:
        _require_runtime_conf(key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        self._j.conf_set(key, str(value))

    def unset(self, key: str) -> None:
        _require_runtime_conf(key)
        self._j.conf_unset(key)

    def isModifiable(self, key: str) -> bool:
        return self._j.conf_is_modifiable(key)

    def getAll(self) -> Dict[str, str]:
        return dict(self._j.conf_all())

    @property
    def all(self) -> Dict[str, str]:
        return self.getAll()


class SparkContext:
    """The parts of ``SparkContext`` a Structured Streaming script touches."""

    def __init__(self, session: "SparkSession"):
        self._session = session
        self._log_level = "WARN"

    def setLogLevel(self, logLevel: str) -> None:
        valid = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")
        if logLevel.upper() not in valid:
            raise _error(PySparkValueError, "VALUE_NOT_ALLOWED",
                         f"Value for `logLevel` has to be amongst the following values: {list(valid)}.")
        self._log_level = logLevel.upper()

    @property
    def appName(self) -> str:
        return self._session.conf.get("spark.app.name")

    @property
    def master(self) -> str:
        return self._session.conf.get("spark.master")

    @property
    def version(self) -> str:
        return self._session.version

    @property
    def uiWebUrl(self) -> Optional[str]:
        # The streaming monitoring page starts here or with the first query, never with the session.
        return _native.ui_web_url(self._session._jsession)

    @property
    def defaultParallelism(self) -> int:
        return int(self._session.conf.get("spark.sql.shuffle.partitions"))

    def stop(self) -> None:
        self._session.stop()


class SparkSession:
    """The entry point, as ``pyspark.sql.SparkSession``."""

    _lock = threading.RLock()
    _active: Optional["SparkSession"] = None

    class Builder:
        def __init__(self):
            self._options: Dict[str, str] = {}

        def config(self, key: Optional[str] = None, value: Any = None, conf: Any = None, *, map: Optional[Dict[str, Any]] = None) -> "SparkSession.Builder":
            if key is not None:
                self._options[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
            for k, v in (map or {}).items():
                self._options[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
            if conf is not None and hasattr(conf, "getAll"):
                for k, v in conf.getAll():
                    self._options[k] = str(v)
            return self

        def appName(self, name: str) -> "SparkSession.Builder":
            return self.config("spark.app.name", name)

        def master(self, master: str) -> "SparkSession.Builder":
            return self.config("spark.master", master)

        def remote(self, url: str) -> "SparkSession.Builder":
            return self.config("spark.remote", url)

        def enableHiveSupport(self) -> "SparkSession.Builder":
            return self.config("spark.sql.catalogImplementation", "hive")

        def _check_in_process(self) -> None:
            """ember runs queries in this process; a cluster master or a Spark Connect server is Apache Spark's."""
            master = self._options.get("spark.master", "local")
            remote = self._options.get("spark.remote") or os.environ.get("SPARK_REMOTE")
            target = f"the Spark Connect server {remote!r}" if remote else None
            if not target and not (master == "local" or master.startswith("local[")):
                target = f"the master {master!r}"
            if target:
                raise PySparkRuntimeError(
                    f"ember runs queries in this process and cannot use {target}. To run this script on Apache "
                    f"Spark, set the environment variable {_backend.ENV}=spark (ember.sql is then PySpark's own) "
                    "and start it with spark-submit or python as you would a PySpark script."
                )

        def getOrCreate(self) -> "SparkSession":
            self._check_in_process()
            with SparkSession._lock:
                session = SparkSession._active
                if session is None:
                    session = SparkSession(_native.Session())
                    SparkSession._active = session
                for k, v in self._options.items():
                    session._jsession.conf_set(k, v)
                return session

        def create(self) -> "SparkSession":
            self._check_in_process()
            with SparkSession._lock:
                session = SparkSession(_native.Session())
                for k, v in self._options.items():
                    session._jsession.conf_set(k, v)
                SparkSession._active = session
                return session

    class _BuilderDescriptor:
        # A fresh Builder per access, so options given to one builder chain do not leak into the next.
        def __get__(self, obj: Any, owner: Any) -> "SparkSession.Builder":
            return SparkSession.Builder()

    builder = _BuilderDescriptor()

    def __init__(self, jsession: "_native.Session"):
        self._jsession = jsession
        self._conf = RuntimeConfig(jsession)
        self._sc = SparkContext(self)
        self._streams = None

    @classmethod
    def getActiveSession(cls) -> Optional["SparkSession"]:
        return cls._active

    @classmethod
    def active(cls) -> "SparkSession":
        if cls._active is None:
            return cls.builder.getOrCreate()
        return cls._active

    @property
    def conf(self) -> RuntimeConfig:
        return self._conf

    @property
    def version(self) -> str:
        return _native.SPARK_VERSION

    @property
    def sparkContext(self) -> SparkContext:
        return self._sc

    @property
    def read(self) -> "DataFrameReader":
        from ember.sql.readwriter import DataFrameReader

        return DataFrameReader(self)

    @property
    def readStream(self) -> "DataStreamReader":
        from ember.sql.streaming.readwriter import DataStreamReader

        return DataStreamReader(self)

    @property
    def udf(self) -> "UDFRegistration":
        """Register Python functions for SQL (``spark.udf.register``)."""
        from ember.sql.udf import UDFRegistration

        return UDFRegistration(self)

    @property
    def streams(self) -> "StreamingQueryManager":
        from ember.sql.streaming.query import StreamingQueryManager

        if self._streams is None:
            self._streams = StreamingQueryManager(self)
        return self._streams

    @property
    def catalog(self) -> "Catalog":
        from ember.sql.catalog import Catalog

        return Catalog(self)

    def newSession(self) -> "SparkSession":
        s = SparkSession(_native.Session())
        for k, v in self.conf.getAll().items():
            s._jsession.conf_set(k, v)
        return s

    def stop(self) -> None:
        with SparkSession._lock:
            if SparkSession._active is self:
                SparkSession._active = None
            _native.ui_stop()

    def __enter__(self) -> "SparkSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _df(self, jdf: Any) -> "DataFrame":
        from ember.sql.dataframe import DataFrame

        return DataFrame(jdf, self)

    def range(self, start: int, end: Optional[int] = None, step: int = 1, numPartitions: Optional[int] = None) -> "DataFrame":
        if end is None:
            start, end = 0, start
        return self._df(self._jsession.range(int(start), int(end), int(step), numPartitions))

    def table(self, tableName: str) -> "DataFrame":
        return self._df(self._jsession.table(tableName))

    def sql(self, sqlQuery: str, args: Any = None, **kwargs: Any) -> "DataFrame":
        if kwargs:
            sqlQuery = sqlQuery.format(**kwargs)
        return self._df(self._jsession.sql(sqlQuery))

    def createDataFrame(self, data: Any, schema: Any = None, samplingRatio: Optional[float] = None, verifySchema: bool = True) -> "DataFrame":
        from ember.sql import types as T

        if hasattr(data, "__arrow_c_stream__") and not isinstance(data, (list, tuple)):
            df = self._df(self._jsession.from_arrow(data))
            return self._rename(df, schema)
        if _is_pandas(data):
            import pyarrow as pa

            df = self._df(self._jsession.from_arrow(pa.Table.from_pandas(data, preserve_index=False)))
            return self._rename(df, schema)
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise _error(PySparkTypeError, "INVALID_TYPE", f"Argument `data` should not be a {type(data).__name__}.")
        rows = list(data)
        if isinstance(schema, str):
            schema = T._parse_datatype_string(schema)
        names = None
        if isinstance(schema, (list, tuple)):
            names, schema = list(schema), None
        if schema is None:
            if not rows:
                raise _error(PySparkValueError, "CANNOT_INFER_EMPTY_SCHEMA", "Can not infer schema from an empty dataset.")
            inferred = None
            for r in rows:
                s = T._infer_schema(r, names)
                inferred = s if inferred is None else T._merge_type(inferred, s)
            if T._has_nulltype(inferred):
                raise _error(PySparkValueError, "CANNOT_DETERMINE_TYPE", "Some of types cannot be determined after inferring.")
            schema = inferred
            rows = [_row_values(r, schema) for r in rows]
        elif not isinstance(schema, T.StructType):
            # An atomic type: each item is one value.
            schema = T.StructType([T.StructField("value", schema, True)])
            rows = [(r,) for r in rows]
        else:
            rows = [_row_values(r, schema) for r in rows]
        return self._df(self._jsession.create_dataframe(rows, schema.json()))

    def _rename(self, df, schema):
        if isinstance(schema, (list, tuple)):
            return df.toDF(*schema)
        return df


def _is_pandas(data: Any) -> bool:
    t = type(data)
    return t.__name__ == "DataFrame" and t.__module__.startswith("pandas")


def _row_values(r: Any, schema) -> Any:
    """A row in schema order: dicts and named Rows by name, everything else by position."""
    from ember.sql.types import Row

    if isinstance(r, dict):
        return tuple(r.get(n) for n in schema.names)
    if isinstance(r, Row) and hasattr(r, "__fields__"):
        d = r.asDict()
        if all(n in d for n in schema.names):
            return tuple(d[n] for n in schema.names)
        return tuple(r)
    if hasattr(r, "_fields") and isinstance(r, tuple):
        d = r._asdict()
        return tuple(d.get(n) for n in schema.names)
    if isinstance(r, (list, tuple)):
        return tuple(r)
    if hasattr(r, "__dict__"):
        return tuple(getattr(r, n, None) for n in schema.names)
    return (r,)
