"""``spark.readStream`` and ``df.writeStream``: options are collected here; the engine validates and runs."""
import json
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from ember import _native
from ember.errors import (AnalysisException, PySparkAttributeError, PySparkTypeError,
                          PySparkValueError, _error)
from ember.sql.readwriter import _LEGACY_PATH_OPTION, _legacy_path_option, _opt_str, _schema_json, _set_path_option

if TYPE_CHECKING:
    from ember.sql.dataframe import DataFrame
    from ember.sql.streaming.query import StreamingQuery

__all__ = ["DataStreamReader", "DataStreamWriter"]

class DataStreamReader:
    """``spark.readStream``."""

    def __init__(self, spark):
        self._spark = spark
        self._format: Optional[str] = None
        self._schema: Optional[str] = None
        self._options: Dict[str, str] = {}
        self._source_name: Optional[str] = None

    def format(self, source: str) -> "DataStreamReader":
        self._format = source
        return self

    def name(self, source_name: str) -> "DataStreamReader":
        """Spark 4.2's source naming for query evolution (``sources/<name>`` in the checkpoint)."""
        if not isinstance(source_name, str):
            raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="source_name", expected_type="str",
                         arg_type=type(source_name).__name__)
        if not re.match(r"^[a-zA-Z0-9_]+$", source_name):
            raise _error(PySparkValueError, "INVALID_STREAMING_SOURCE_NAME", source_name=source_name)
        self._source_name = source_name
        return self

    def schema(self, schema: Any) -> "DataStreamReader":
        self._schema = _schema_json(schema)
        return self

    def option(self, key: str, value: Any) -> "DataStreamReader":
        self._options[key] = _opt_str(value)
        return self

    def options(self, **options: Any) -> "DataStreamReader":
        for k, v in options.items():
            if v is not None:
                self._options[k] = _opt_str(v)
        return self

    def table(self, tableName: str) -> "DataFrame":
        """A stream of the catalog table ``tableName``: its provider's streaming source over the table's location
        (the file source with the table's columns and options for file tables, the Delta source for Delta)."""
        if not isinstance(tableName, str):
            raise _error(PySparkTypeError, "NOT_STR",
                         f"Argument `tableName` should be a str, got {type(tableName).__name__}.",
                         arg_name="tableName", arg_type=type(tableName).__name__)
        jsession = self._spark._jsession
        if jsession.is_temp_view(tableName):
            df = self._spark.table(tableName)
            if df.isStreaming:
                return df
            raise AnalysisException(message=f"{tableName} is not a temp view of streaming logical plan, please "
                                            "use batch API such as `DataFrameReader.table` to read it.",
                                    errorClass="_LEGACY_ERROR_TEMP_1185", messageParameters={"quoted": tableName})
        table = jsession.catalog_table(tableName)
        if table is None:
            self._spark.table(tableName)  # raises Spark's TABLE_OR_VIEW_NOT_FOUND
        _name, provider, location, schema_json, _parts, _external, options = table
        return table_stream(self, provider, location, schema_json, dict(options))

    def load(self, path: Optional[str] = None, format: Optional[str] = None, schema: Any = None, **options: Any) -> "DataFrame":
        from ember.sql.dataframe import DataFrame

        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        opt = next((k for k in self._options if k.lower() == "path"), None)
        if path is not None and opt is not None:
            if not _legacy_path_option(self._spark):
                raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1188", method="load", config=_LEGACY_PATH_OPTION)
            # Spark's legacy load(path) is option("path", path).load(): the argument wins.
            del self._options[opt]
        elif path is None and opt is not None:
            path = self._options.pop(opt)
        if self._source_name is not None:
            # As Spark: a name is refused at load() unless source evolution is on; ember does not write the named
            # offset log that evolution needs, so it says so rather than ignore the name.
            enabled = self._spark.conf.get("spark.sql.streaming.queryEvolution.enableSourceEvolution", "false")
            if str(enabled).lower() != "true":
                raise _error(AnalysisException, "STREAMING_QUERY_EVOLUTION_ERROR.SOURCE_NAMING_NOT_SUPPORTED",
                             name=self._source_name)
            from ember.errors import PySparkNotImplementedError

            raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                         "Streaming source evolution (named sources with "
                         "spark.sql.streaming.queryEvolution.enableSourceEvolution) is not supported by ember yet.")
        # The engine's connector registry checks the format, path, options and schema.
        fmt = self._format or self._spark.conf.get("spark.sql.sources.default", "parquet")
        jdf = self._spark._jsession.read_stream(fmt, path, list(self._options.items()), self._schema)
        return DataFrame(jdf, self._spark)

    def _load_with(self, fmt: str, path: str, schema: Any, options: Dict[str, Any]):
        self.format(fmt)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        return self.load(path)

    def csv(self, path: str, schema: Any = None, **options: Any) -> "DataFrame":
        return self._load_with("csv", path, schema, options)

    def json(self, path: str, schema: Any = None, **options: Any) -> "DataFrame":
        return self._load_with("json", path, schema, options)

    def parquet(self, path: str, **options: Any) -> "DataFrame":
        return self._load_with("parquet", path, None, options)

    def text(self, path: str, wholetext: bool = False, lineSep: Optional[str] = None, **options: Any) -> "DataFrame":
        if wholetext:
            options["wholetext"] = True
        if lineSep is not None:
            options["lineSep"] = lineSep
        return self._load_with("text", path, None, options)


def _not_callable(attr: str) -> PySparkAttributeError:
    return _error(PySparkAttributeError, "ATTRIBUTE_NOT_CALLABLE",
                  f"Attribute `{attr}` in provided object `f` is not callable.", attr_name=attr, obj_name="f")


def _foreach_batch_function(f: Any) -> Callable[[Any, int], None]:
    """``foreach(f)`` as a per-batch function over the batch's rows (one partition, id 0), with PySpark's checks
    and its open/process/close contract."""
    if callable(f):
        def run_function(df, batch_id: int) -> None:
            for row in df.collect():
                f(row)

        return run_function
    if not callable(getattr(f, "process", None)):
        raise _not_callable("process")

    def has(name: str) -> bool:
        if not hasattr(f, name):
            return False
        if not callable(getattr(f, name)):
            raise _not_callable(name)
        return True

    has_open, has_close = has("open"), has("close")

    def run_object(df, batch_id: int) -> None:
        proceed = f.open(0, batch_id) if has_open else True
        error = None
        try:
            if proceed:
                for row in df.collect():
                    f.process(row)
        except Exception as ex:
            error = ex
        finally:
            if has_close:
                f.close(error)
            if error:
                raise error

    return run_object


def _print_to_stdout(text: str) -> None:
    # Through Python's sys.stdout (not the process's fd 1), so Jupyter cells and captures see it.
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _file_table_stream(reader: "DataStreamReader", location: str, schema_json: str, options: Dict[str, str]):
    """A file table read as the file source reads its directory: the table's columns, its format's options."""
    for k, v in options.items():
        reader._options.setdefault(k, v)
    reader._schema = schema_json
    return reader.load(location)


def _delta_table_stream(reader: "DataStreamReader", location: str, schema_json: str, options: Dict[str, str]):
    """A Delta table read by the Delta source (its own log gives the columns)."""
    return reader.load(location)


def table_stream(reader: "DataStreamReader", provider: str, location: str, schema_json: str,
                 options: Dict[str, str]) -> "DataFrame":
    """``readStream.table``'s dispatch: the stream of a table of ``provider`` at ``location``."""
    provider = provider.lower()
    reader.format(provider)
    if provider == "delta":
        return _delta_table_stream(reader, location, schema_json, options)
    return _file_table_stream(reader, location, schema_json, options)


class DataStreamWriter:
    """``df.writeStream``."""

    def __init__(self, df):
        self._df = df
        self._format = "parquet"
        self._mode = "append"
        self._options: Dict[str, str] = {}
        self._name: Optional[str] = None
        self._trigger = ("default", 0)
        self._foreach_batch: Optional[Callable] = None
        self._partition_by = []

    def outputMode(self, outputMode: str) -> "DataStreamWriter":
        if not isinstance(outputMode, str) or not outputMode.strip():
            raise _error(PySparkValueError, "VALUE_NOT_NON_EMPTY_STR",
                         f"Value for `outputMode` must be a non-empty string, got '{outputMode}'.", arg_name="outputMode")
        self._mode = outputMode
        return self

    def format(self, source: str) -> "DataStreamWriter":
        self._format = source
        return self

    def option(self, key: str, value: Any) -> "DataStreamWriter":
        self._options[key] = _opt_str(value)
        return self

    def options(self, **options: Any) -> "DataStreamWriter":
        for k, v in options.items():
            if v is not None:
                self._options[k] = _opt_str(v)
        return self

    def clusterBy(self, *cols: str) -> "DataStreamWriter":
        """Clustering columns: a layout hint for table formats that cluster (Delta liquid clustering). ember's sinks
        write the same rows without it, as Spark's file sink does."""
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        for c in cols:
            if not isinstance(c, str):
                raise _error(PySparkTypeError, "NOT_STR", arg_name="cols", arg_type=type(c).__name__)
        self._cluster_by = list(cols)
        return self

    def partitionBy(self, *cols: str) -> "DataStreamWriter":
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        self._partition_by = list(cols)
        return self

    def queryName(self, queryName: str) -> "DataStreamWriter":
        if not isinstance(queryName, str) or not queryName.strip():
            raise _error(PySparkValueError, "VALUE_NOT_NON_EMPTY_STR",
                         f"Value for `queryName` must be a non-empty string, got '{queryName}'.", arg_name="queryName")
        self._name = queryName
        return self

    def trigger(self, *, processingTime: Optional[str] = None, once: Optional[bool] = None,
                continuous: Optional[str] = None, availableNow: Optional[bool] = None,
                realTime: Optional[str] = None) -> "DataStreamWriter":
        given = [(k, v) for k, v in (("processingTime", processingTime), ("once", once), ("continuous", continuous),
                                     ("availableNow", availableNow), ("realTime", realTime)) if v is not None]
        if len(given) != 1:
            raise _error(PySparkValueError, "ONLY_ALLOW_SINGLE_TRIGGER", "Only a single trigger is allowed.")
        kind, value = given[0]
        if kind in ("processingTime", "continuous", "realTime"):
            if not isinstance(value, str) or not value.strip():
                raise _error(PySparkValueError, "VALUE_NOT_NON_EMPTY_STR",
                             f"Value for `{kind}` must be a non-empty string, got '{value}'.", arg_name=kind)
            self._trigger = (kind, _native.trigger_interval_ms(value))
        else:
            if value is not True:
                raise _error(PySparkValueError, "VALUE_NOT_TRUE", f"Value for `{kind}` must be True, got '{value}'.", arg_name=kind)
            self._trigger = (kind, 0)
        return self

    def foreachBatch(self, func: Callable) -> "DataStreamWriter":
        if not callable(func):
            raise _error(PySparkTypeError, "NOT_CALLABLE", f"Argument `func` should be a callable, got {type(func).__name__}.")
        self._foreach_batch = func
        self._format = "foreachBatch"
        return self

    def foreach(self, f: Any) -> "DataStreamWriter":
        """Each output row to ``f(row)``, or to ``f.process(row)`` between optional ``f.open(partition_id,
        epoch_id)`` (a falsy result skips the rows) and ``f.close(error)``."""
        self._foreach_batch = _foreach_batch_function(f)
        self._format = "foreach"
        return self

    def start(self, path: Optional[str] = None, format: Optional[str] = None, outputMode: Optional[str] = None,
              partitionBy: Any = None, queryName: Optional[str] = None, **options: Any) -> "StreamingQuery":
        from ember.sql.dataframe import DataFrame

        if format is not None:
            self.format(format)
        if outputMode is not None:
            self.outputMode(outputMode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        if queryName is not None:
            self.queryName(queryName)
        self.options(**options)
        if path is not None:
            if "path" in {k.lower() for k in self._options} and not _legacy_path_option(self._df.sparkSession):
                raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1188", method="start", config=_LEGACY_PATH_OPTION)
            # Spark's legacy start(path) is option("path", path).start(): the argument wins.
            _set_path_option(self._options, path)
        spark = self._df.sparkSession
        batch_function = None
        if self._foreach_batch is not None:
            user = self._foreach_batch

            def batch_function(jdf, batch_id):
                user(DataFrame(jdf, spark), batch_id)

        kind, ms = self._trigger
        manager = spark.streams
        jq = self._df._jdf.start_stream(self._format, self._mode, list(self._options.items()), self._partition_by,
                                        self._name, kind, ms, _print_to_stdout, batch_function, manager._jsqm)
        return manager._wrap(jq)

    def toTable(self, tableName: str, format: Optional[str] = None, outputMode: Optional[str] = None,
                partitionBy: Any = None, queryName: Optional[str] = None, **options: Any) -> "StreamingQuery":
        """Stream into the catalog table ``tableName``, as Spark's session catalog does: a table that does not
        exist is created first (a managed table in ``spark.sql.warehouse.dir``, or an external one at the
        ``path`` option) with this DataFrame's schema, then the query writes to the table's directory through
        the file sink, so the table can be read with ``spark.table`` / ``spark.sql`` while the query runs."""
        if not isinstance(tableName, str):
            raise _error(PySparkTypeError, "NOT_STR",
                         f"Argument `tableName` should be a str, got {type(tableName).__name__}.",
                         arg_name="tableName", arg_type=type(tableName).__name__)
        self.options(**options)
        if outputMode is not None:
            self.outputMode(outputMode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        if format is not None:
            self.format(format)
        if queryName is not None:
            self.queryName(queryName)
        jsession = self._df.sparkSession._jsession
        if jsession.is_temp_view(tableName):
            raise AnalysisException(message=f"Temporary view {tableName} doesn't support streaming write.",
                                    errorClass="_LEGACY_ERROR_TEMP_1190", messageParameters={"tableName": tableName})
        source = self._format
        table = jsession.catalog_table(tableName)
        if table is None:
            self._create_table(tableName, source)
            table = jsession.catalog_table(tableName)
        provider, location = table[1], table[2]
        if source.lower() != provider.lower():
            raise AnalysisException(
                message=f"The input source({source}) is different from the table {tableName}'s data source "
                        f"provider({provider}).",
                errorClass="_LEGACY_ERROR_TEMP_1192",
                messageParameters={"source": source, "tableName": tableName, "provider": provider})
        for key in [k for k in self._options if k.lower() == "path"]:
            del self._options[key]
        self._options["path"] = location
        self.format(provider)
        return self.start()

    def _create_table(self, tableName: str, source: str) -> None:
        """Spark's CREATE TABLE for a streaming write: the DataFrame's columns (nullable, partition columns
        last), the writer's format as the provider, the location made (and required to be empty)."""
        import os

        from ember.errors import PySparkNotImplementedError, SparkRuntimeException, UnsupportedOperationException

        spark = self._df.sparkSession
        jsession = spark._jsession
        key = jsession.table_identifier(tableName)
        if not re.fullmatch(r"[A-Za-z0-9_]+", key):
            raise _error(AnalysisException, "INVALID_SCHEMA_OR_RELATION_NAME",
                         f"`{key}` is not a valid name for tables/schemas. Valid names only contain alphabet "
                         "characters, numbers and _. SQLSTATE: 42602", name=f"`{key}`")
        fmt = source.lower()
        support = jsession.table_support(source)
        if support == "no_metadata":
            raise _error(UnsupportedOperationException, "CANNOT_CREATE_DATA_SOURCE_TABLE.EXTERNAL_METADATA_UNSUPPORTED",
                         f"Failed to create data source table `default`.`{key}`: provider '{source}' does not "
                         "support external metadata but a schema is provided. Please remove the schema when "
                         "creating the table. SQLSTATE: 42KDE", tableName=f"`default`.`{key}`", provider=source)
        if support != "files":
            raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                         f"Tables of the {source} format are not supported by ember yet.")
        schema = json.loads(self._df.schema.json())
        fields = schema["fields"]
        # The format's own checks of the columns it can write (text: one string column).
        jsession.check_table_schema(source, json.dumps(schema))
        partition_cols = []
        for name in self._partition_by:
            match = [f for f in fields if f["name"].lower() == name.lower()]
            if not match:
                columns = ", ".join(f"`{f['name']}`" for f in fields)
                raise _error(AnalysisException, "COLUMN_NOT_DEFINED_IN_TABLE",
                             f"partition column `{name}` is not defined in table `spark_catalog`.`default`.`{key}`, "
                             f"defined table columns are: {columns}. SQLSTATE: 42703",
                             colType="partition", colName=f"`{name}`", tableName=f"`spark_catalog`.`default`.`{key}`",
                             tableCols=columns)
            partition_cols.append(match[0]["name"])
        # File tables put partition columns last (Hive's layout); a Delta table keeps the DataFrame's order.
        if fmt != "delta":
            schema["fields"] = [f for f in fields if f["name"] not in partition_cols] + \
                               [f for n in partition_cols for f in fields if f["name"] == n]
        path = next((v for k, v in self._options.items() if k.lower() == "path"), None)
        if path is not None:
            location, external = os.path.abspath(_native.local_path(path)), True
        else:
            warehouse = _native.local_path(spark.conf.get("spark.sql.warehouse.dir", "spark-warehouse"))
            location, external = os.path.join(os.path.abspath(warehouse), key), False
            if os.path.isdir(location) and os.listdir(location):
                raise _error(SparkRuntimeException, "LOCATION_ALREADY_EXISTS",
                             f"Cannot name the managed table as `spark_catalog`.`default`.`{key}`, as its associated "
                             f"location 'file:{location}' already exists. Please pick a different table name, or "
                             "remove the existing location first. SQLSTATE: 42710",
                             identifier=f"`spark_catalog`.`default`.`{key}`", location=f"'file:{location}'")
        os.makedirs(location, exist_ok=True)
        jsession.create_table(key, fmt, location, json.dumps(schema), partition_cols, [], external)
