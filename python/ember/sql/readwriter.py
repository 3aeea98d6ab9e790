"""``DataFrameReader`` / ``DataFrameWriter``: options collected here, files read and written by the engine."""
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from ember.errors import IllegalArgumentException, PySparkTypeError, _error

if TYPE_CHECKING:
    from ember.sql.dataframe import DataFrame

__all__ = ["DataFrameReader", "DataFrameWriter"]


def _opt_str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


_LEGACY_PATH_OPTION = "spark.sql.legacy.pathOptionBehavior.enabled"


def _legacy_path_option(spark) -> bool:
    """Spark 3.1+ refuses a ``path`` option together with a path argument unless this legacy conf is true."""
    return str(spark.conf.get(_LEGACY_PATH_OPTION, "false")).strip().lower() == "true"


def _set_path_option(options: Dict[str, str], path: str) -> None:
    """``option("path", path)``: options are case-insensitive, so an earlier ``Path`` is replaced."""
    for k in [k for k in options if k.lower() == "path"]:
        del options[k]
    options["path"] = path


def _schema_json(schema: Any) -> str:
    from ember.sql.types import StructType, _parse_datatype_string

    if isinstance(schema, str):
        schema = _parse_datatype_string(schema)
    if not isinstance(schema, StructType):
        raise _error(PySparkTypeError, "NOT_STR_OR_STRUCT", f"Argument `schema` should be a str or StructType, got {type(schema).__name__}.")
    return schema.json()


class DataFrameReader:
    """``spark.read``."""

    def __init__(self, spark):
        self._spark = spark
        self._format: Optional[str] = None
        self._schema: Optional[str] = None
        self._options: Dict[str, str] = {}

    def format(self, source: str) -> "DataFrameReader":
        self._format = source
        return self

    def schema(self, schema: Any) -> "DataFrameReader":
        self._schema = _schema_json(schema)
        return self

    def option(self, key: str, value: Any) -> "DataFrameReader":
        self._options[key] = _opt_str(value)
        return self

    def options(self, **options: Any) -> "DataFrameReader":
        for k, v in options.items():
            if v is not None:
                self._options[k] = _opt_str(v)
        return self

    def load(self, path: Optional[Union[str, List[str]]] = None, format: Optional[str] = None, schema: Any = None, **options: Any) -> "DataFrame":
        from ember.sql.dataframe import DataFrame

        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        fmt = (self._format or self._spark.conf.get("spark.sql.sources.default", "parquet")).lower()
        if fmt == "jdbc":
            return self._load_jdbc([])
        paths = [] if path is None else ([path] if isinstance(path, str) else list(path))
        keys = {k.lower() for k in self._options}
        if paths and keys & {"path", "paths"}:
            if not _legacy_path_option(self._spark):
                from ember.errors import AnalysisException

                raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1306", config=_LEGACY_PATH_OPTION)
            if isinstance(path, str):
                # Spark's legacy load(path) is option("path", path).load(): the argument replaces the option.
                _set_path_option(self._options, path)
                paths = []
        # load(*paths) reads the arguments and then the path option (Spark's DataSource: paths ++ option).
        opt = next((k for k in self._options if k.lower() == "path"), None)
        if opt is not None:
            paths = paths + [self._options.pop(opt)]
        jdf = self._spark._jsession.read(fmt, paths, list(self._options.items()), self._schema)
        return DataFrame(jdf, self._spark)

    def _load_jdbc(self, predicates: List[str]):
        from ember.sql.dataframe import DataFrame

        if self._schema is not None:
            from ember.errors import AnalysisException

            raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1189", operation="jdbc")
        jdf = self._spark._jsession.read_jdbc(list(self._options.items()), [str(p) for p in predicates])
        return DataFrame(jdf, self._spark)

    def jdbc(self, url: str, table: str, column: Optional[str] = None, lowerBound: Optional[Union[int, str]] = None,
             upperBound: Optional[Union[int, str]] = None, numPartitions: Optional[int] = None,
             predicates: Optional[List[str]] = None, properties: Optional[Dict[str, str]] = None):
        """``spark.read.jdbc``: a database table (or ``(query) alias``), partitioned by a column's range or by
        ``predicates`` (one partition each)."""
        for k, v in (properties or {}).items():
            self._options[k] = _opt_str(v)
        self._options["url"] = url
        self._options["dbtable"] = table
        self.format("jdbc")
        if column is not None:
            assert lowerBound is not None, "lowerBound can not be None when ``column`` is specified"
            assert upperBound is not None, "upperBound can not be None when ``column`` is specified"
            assert numPartitions is not None, "numPartitions can not be None when ``column`` is specified"
            self._options.update(partitionColumn=column, lowerBound=str(int(lowerBound)),
                                 upperBound=str(int(upperBound)), numPartitions=str(int(numPartitions)))
            return self._load_jdbc([])
        if predicates is not None:
            return self._load_jdbc(list(predicates))
        return self._load_jdbc([])

    def _load_with(self, fmt: str, path, schema, options):
        self.format(fmt)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        # csv/json/parquet/text(path) are Spark's varargs load(paths*), even for one path.
        return self.load([path] if isinstance(path, str) else path)

    def csv(self, path, schema: Any = None, **options: Any) -> "DataFrame":
        return self._load_with("csv", path, schema, options)

    def json(self, path, schema: Any = None, **options: Any) -> "DataFrame":
        return self._load_with("json", path, schema, options)

    def parquet(self, *paths: str, **options: Any) -> "DataFrame":
        return self._load_with("parquet", list(paths), None, options)

    def text(self, paths, wholetext: bool = False, lineSep: Optional[str] = None, **options: Any) -> "DataFrame":
        if wholetext:
            options["wholetext"] = True
        if lineSep is not None:
            options["lineSep"] = lineSep
        return self._load_with("text", paths, None, options)

    def table(self, tableName: str) -> "DataFrame":
        return self._spark.table(tableName)


class DataFrameWriter:
    """``df.write``."""

    def __init__(self, df):
        self._df = df
        self._format: Optional[str] = None
        self._mode = "errorifexists"
        self._options: Dict[str, str] = {}
        self._partition_by: List[str] = []

    def mode(self, saveMode: Optional[str]) -> "DataFrameWriter":
        if saveMode is None:
            return self
        m = saveMode.lower()
        if m not in ("append", "overwrite", "error", "errorifexists", "ignore", "default"):
            raise _error(IllegalArgumentException, "INVALID_SAVE_MODE",
                         f"The specified save mode \"{saveMode}\" is invalid. Valid save modes include \"append\", \"overwrite\", \"ignore\", \"error\", \"errorifexists\", and \"default\".")
        self._mode = "errorifexists" if m in ("error", "default") else m
        return self

    def format(self, source: str) -> "DataFrameWriter":
        self._format = source
        return self

    def option(self, key: str, value: Any) -> "DataFrameWriter":
        self._options[key] = _opt_str(value)
        return self

    def options(self, **options: Any) -> "DataFrameWriter":
        for k, v in options.items():
            if v is not None:
                self._options[k] = _opt_str(v)
        return self

    def partitionBy(self, *cols: Any) -> "DataFrameWriter":
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        self._partition_by = list(cols)
        return self

    def save(self, path: Optional[str] = None, format: Optional[str] = None, mode: Optional[str] = None,
             partitionBy: Any = None, **options: Any) -> None:
        if format is not None:
            self.format(format)
        self.mode(mode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.options(**options)
        fmt = (self._format or "parquet").lower()
        if fmt == "jdbc":
            if path is not None:
                self._options["path"] = path
            if self._partition_by:
                from ember.errors import AnalysisException

                raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1197", operation="jdbc")
            self._df._jdf.write_jdbc(self._mode, list(self._options.items()))
            return
        opt = next((k for k in self._options if k.lower() == "path"), None)
        if path is not None and opt is not None:
            if not _legacy_path_option(self._df.sparkSession):
                from ember.errors import AnalysisException

                raise _error(AnalysisException, "_LEGACY_ERROR_TEMP_1307", config=_LEGACY_PATH_OPTION)
            # Spark's legacy save(path) is option("path", path).save(): the argument wins.
            del self._options[opt]
        elif path is None and opt is not None:
            path = self._options.pop(opt)
        # Without a path the engine decides: connectors (kafka) need none, file formats raise NO_PATH.
        self._df._jdf.write(path, fmt, self._mode, self._partition_by, list(self._options.items()))

    def saveAsTable(self, name: str, format: Optional[str] = None, mode: Optional[str] = None,
                    partitionBy: Any = None, **options: Any) -> None:
        """Save as the session catalog table ``name``: a new table is created (managed in
        ``spark.sql.warehouse.dir``, or external at the ``path`` option) with the rows; an existing one is appended
        to (columns matched by name), overwritten, left (``ignore``) or refused (``error``)."""
        if format is not None:
            self.format(format)
        self.mode(mode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.options(**options)
        spark = self._df.sparkSession
        spark._jsession.save_as_table(self._df._jdf, name, self._format, self._mode, list(self._partition_by),
                                      list(self._options.items()))

    def insertInto(self, tableName: str, overwrite: Optional[bool] = None) -> None:
        """Insert the rows into the existing table ``tableName``, columns matched by position."""
        if overwrite is not None:
            self.mode("overwrite" if overwrite else "append")
        spark = self._df.sparkSession
        spark._jsession.insert_into(self._df._jdf, tableName, self._mode == "overwrite")

    def _save_as(self, fmt, path, mode, options, partitionBy=None):
        self.format(fmt)
        self.save(path, mode=mode, partitionBy=partitionBy, **options)

    def csv(self, path: str, mode: Optional[str] = None, **options: Any) -> None:
        self._save_as("csv", path, mode, options)

    def json(self, path: str, mode: Optional[str] = None, **options: Any) -> None:
        self._save_as("json", path, mode, options)

    def parquet(self, path: str, mode: Optional[str] = None, partitionBy: Any = None, compression: Optional[str] = None) -> None:
        opts = {} if compression is None else {"compression": compression}
        self._save_as("parquet", path, mode, opts, partitionBy)

    def text(self, path: str, compression: Optional[str] = None, lineSep: Optional[str] = None) -> None:
        opts = {k: v for k, v in (("compression", compression), ("lineSep", lineSep)) if v is not None}
        self._save_as("text", path, None, opts)

    def jdbc(self, url: str, table: str, mode: Optional[str] = None, properties: Optional[Dict[str, str]] = None) -> None:
        """``df.write.jdbc``: save to the database table ``table`` at ``url`` (properties such as user, password)."""
        self.mode(mode)
        for k, v in (properties or {}).items():
            self._options[k] = _opt_str(v)
        self._options["url"] = url
        self._options["dbtable"] = table
        self.format("jdbc")
        self.save()
