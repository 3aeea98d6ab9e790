"""``spark.catalog`` as ``pyspark.sql.catalog``: the session catalog's tables, temporary views, the one database
(``default`` in ``spark_catalog``) and the SQL functions, returned as PySpark's named tuples. The catalog lives in
the engine; this class only converts arguments and results."""
import sys  # noqa: F401 - pyspark.sql.catalog's module namespace has it too
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional  # noqa: F401

from ember.errors import AnalysisException, PySparkTypeError, _error
from ember.sql.dataframe import DataFrame  # noqa: F401 - pyspark.sql.catalog's namespace has it too
from ember.sql.session import SparkSession  # noqa: F401 - likewise
from ember.sql.types import StructType

__all__ = ["Catalog", "CatalogMetadata", "Column", "Database", "Function", "Table", "TablePartition"]


class CatalogMetadata(NamedTuple):
    name: str
    description: Optional[str]


class Database(NamedTuple):
    name: str
    catalog: Optional[str]
    description: Optional[str]
    locationUri: str


class Table(NamedTuple):
    name: str
    catalog: Optional[str]
    namespace: Optional[List[str]]
    description: Optional[str]
    tableType: str
    isTemporary: bool

    @property
    def database(self) -> Optional[str]:
        if self.namespace is not None and len(self.namespace) == 1:
            return self.namespace[0]
        return None


class Column(NamedTuple):
    name: str
    description: Optional[str]
    dataType: str
    nullable: bool
    isPartition: bool
    isBucket: bool
    isCluster: bool


class Function(NamedTuple):
    name: str
    catalog: Optional[str]
    namespace: Optional[List[str]]
    description: Optional[str]
    className: str
    isTemporary: bool


class TablePartition(NamedTuple):
    spec: Dict[str, str]


def _schema_not_found(db: str) -> AnalysisException:
    return _error(AnalysisException, "SCHEMA_NOT_FOUND",
                  f"The schema `spark_catalog`.`{db}` cannot be found. Verify the spelling and correctness of the "
                  "schema and catalog.\nIf you did not qualify the name with a catalog, verify the current_schema() "
                  "output, or qualify the name with the correct catalog.\nTo tolerate the error on drop use DROP "
                  "SCHEMA IF EXISTS. SQLSTATE: 42704", schemaName=f"`spark_catalog`.`{db}`")


def _check_db(dbName: Optional[str]) -> None:
    if dbName is not None and dbName.lower() not in ("default", "spark_catalog.default"):
        raise _schema_not_found(dbName.split(".")[-1])


def _like(pattern: Optional[str], name: str) -> bool:
    """Spark's SHOW … LIKE pattern: `*` any characters, `|` alternatives, case-insensitive."""
    if pattern is None:
        return True
    import re

    alternatives = [re.escape(p.strip()).replace(r"\*", ".*") for p in pattern.split("|")]
    return any(re.fullmatch(a, name, re.IGNORECASE) for a in alternatives)


class Catalog:
    """``spark.catalog``."""

    def __init__(self, sparkSession: "SparkSession"):
        self._sparkSession = sparkSession
        self._j = sparkSession._jsession

    # Catalogs and databases: ember's session catalog has one database, `default`.
    def currentCatalog(self) -> str:
        return "spark_catalog"

    def setCurrentCatalog(self, catalogName: str) -> None:
        if catalogName != "spark_catalog":
            raise _error(AnalysisException, "CATALOG_NOT_FOUND",
                         f"The catalog `{catalogName}` not found. Consider to set the SQL config "
                         f"`spark.sql.catalog.{catalogName}` to a catalog plugin. SQLSTATE: 42P08",
                         catalogName=f"`{catalogName}`")

    def listCatalogs(self, pattern: Optional[str] = None) -> List[CatalogMetadata]:
        return [CatalogMetadata("spark_catalog", None)] if _like(pattern, "spark_catalog") else []

    def currentDatabase(self) -> str:
        return "default"

    def setCurrentDatabase(self, dbName: str) -> None:
        _check_db(dbName)

    def listDatabases(self, pattern: Optional[str] = None) -> List[Database]:
        if not _like(pattern, "default"):
            return []
        return [Database("default", "spark_catalog", "default database", self._j.warehouse_uri())]

    def getDatabase(self, dbName: str) -> Database:
        _check_db(dbName)
        return self.listDatabases()[0]

    def databaseExists(self, dbName: str) -> bool:
        return dbName.lower() in ("default", "spark_catalog.default")

    # Tables and views.
    def listTables(self, dbName: Optional[str] = None, pattern: Optional[str] = None) -> List[Table]:
        _check_db(dbName)
        tables = [Table(n, "spark_catalog", ["default"], None, "EXTERNAL" if external else "MANAGED", False)
                  for n, external in self._j.catalog_tables()]
        tables += [Table(n, "spark_catalog", ["default"], None, "VIEW", False) for n in self._j.persistent_view_names()]
        tables.sort(key=lambda t: t.name)
        views = [Table(n, None, [], None, "TEMPORARY", True) for n in self._j.view_names()]
        return [t for t in tables + views if _like(pattern, t.name)]

    def listViews(self, dbName: Optional[str] = None, pattern: Optional[str] = None) -> List[Table]:
        return [t for t in self.listTables(dbName, pattern) if t.tableType in ("VIEW", "TEMPORARY")]

    def getTable(self, tableName: str) -> Table:
        if self._j.is_temp_view(tableName):
            return Table(tableName.split(".")[-1], None, [] if "." not in tableName else ["global_temp"], None,
                         "TEMPORARY", True)
        table = self._j.catalog_table(tableName)
        if table is None and self._is_catalog_view(tableName):
            return Table(self._j.table_identifier(tableName), "spark_catalog", ["default"], None, "VIEW", False)
        if table is None:
            self._not_found(tableName)
        return Table(table[0], "spark_catalog", ["default"], None, "EXTERNAL" if table[5] else "MANAGED", False)

    def tableExists(self, tableName: str, dbName: Optional[str] = None) -> bool:
        if dbName is not None:
            warnings.warn("`dbName` has been deprecated since Spark 3.4 and might be removed in a future version. "
                          "Use tableExists(`dbName.tableName`) instead.", FutureWarning)
            _check_db(dbName)
            tableName = f"{dbName}.{tableName}"
        if self._j.is_temp_view(tableName):
            return True
        try:
            return self._j.catalog_table(tableName) is not None or self._is_catalog_view(tableName)
        except AnalysisException:
            return False

    def _is_catalog_view(self, tableName: str) -> bool:
        try:
            return self._j.table_identifier(tableName) in self._j.persistent_view_names()
        except AnalysisException:
            return False

    def listColumns(self, tableName: str, dbName: Optional[str] = None) -> List[Column]:
        if dbName is not None:
            _check_db(dbName)
            tableName = f"{dbName}.{tableName}"
        if not self.tableExists(tableName):
            self._not_found(tableName)
        return [Column(name, comment, dtype, nullable, partition, False, False)
                for name, comment, dtype, nullable, partition in self._j.table_columns(tableName)]

    def _not_found(self, tableName: str) -> None:
        raise _error(AnalysisException, "TABLE_OR_VIEW_NOT_FOUND",
                     f"The table or view `{tableName}` cannot be found. Verify the spelling and correctness of the "
                     "schema and catalog.\nIf you did not qualify the name with a schema, verify the "
                     "current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate "
                     "the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01",
                     relationName=f"`{tableName}`")

    def createTable(self, tableName: str, path: Optional[str] = None, source: Optional[str] = None,
                    schema: Optional[StructType] = None, description: Optional[str] = None,
                    **options: str) -> "DataFrame":
        """Create a table (external at ``path``, else managed) and return it as a DataFrame."""
        if schema is not None and not isinstance(schema, StructType):
            raise _error(PySparkTypeError, "NOT_STRUCT",
                         f"Argument `schema` should be a struct type, got {type(schema).__name__}.",
                         arg_name="schema", arg_type=type(schema).__name__)
        opts = {k: str(v) for k, v in options.items()}
        location = path if path is not None else opts.pop("path", None)
        self._j.create_catalog_table(tableName, source, location, None if schema is None else schema.json(),
                                     list(opts.items()))
        return self._sparkSession.table(tableName)

    def createExternalTable(self, tableName: str, path: Optional[str] = None, source: Optional[str] = None,
                            schema: Optional[StructType] = None, **options: str) -> "DataFrame":
        warnings.warn("createExternalTable is deprecated since 2.2.0, use createTable instead.", FutureWarning)
        return self.createTable(tableName, path, source, schema, **options)

    def dropTempView(self, viewName: str) -> bool:
        return self._j.drop_view(viewName, False)

    def dropGlobalTempView(self, viewName: str) -> bool:
        return self._j.drop_view(viewName, True)

    def dropTable(self, tableName: str, ifExists: bool = False, purge: bool = False) -> None:
        self._j.drop_table(tableName, False, ifExists)

    def dropView(self, viewName: str, ifExists: bool = False) -> None:
        self._j.drop_table(viewName, True, ifExists)

    def truncateTable(self, tableName: str) -> None:
        self._sparkSession.sql(f"TRUNCATE TABLE {tableName}")

    def refreshTable(self, tableName: str) -> None:
        """Tables are listed again at every read, so there is nothing to refresh; an unknown name still fails."""
        self._require(tableName)

    def refreshByPath(self, path: str) -> None:
        pass

    def recoverPartitions(self, tableName: str) -> None:
        """Partition directories are found by listing at every read."""
        self._require(tableName)

    # Caching: ember reads a table's files at every query, so a cached table reads the same rows; only the
    # bookkeeping isCached reports is kept.
    def _require(self, tableName: str) -> None:
        if not self.tableExists(tableName):
            self._not_found(tableName)

    def _cached(self) -> set:
        s = self._sparkSession
        if not hasattr(s, "_cached_tables"):
            s._cached_tables = set()
        return s._cached_tables

    def _key(self, tableName: str) -> str:
        return tableName if self._j.is_temp_view(tableName) else self._j.table_identifier(tableName)

    def isCached(self, tableName: str) -> bool:
        self._require(tableName)
        return self._key(tableName) in self._cached()

    def cacheTable(self, tableName: str, storageLevel: Any = None) -> None:
        self._require(tableName)
        self._cached().add(self._key(tableName))

    def uncacheTable(self, tableName: str) -> None:
        self._require(tableName)
        self._cached().discard(self._key(tableName))

    def clearCache(self) -> None:
        self._cached().clear()

    # Functions.
    def listFunctions(self, dbName: Optional[str] = None, pattern: Optional[str] = None) -> List[Function]:
        _check_db(dbName)
        out = []
        for name, user in self._j.function_names():
            if _like(pattern, name):
                out.append(Function(name, None, None, None, None if user else "", True))
        return out

    def functionExists(self, functionName: str, dbName: Optional[str] = None) -> bool:
        _check_db(dbName)
        name = functionName.split(".")[-1].lower()
        return any(n == name for n, _ in self._j.function_names())

    def getFunction(self, functionName: str) -> Function:
        name = functionName.split(".")[-1].lower()
        for n, user in self._j.function_names():
            if n == name:
                return Function(n, None, None, None, None if user else "", True)
        raise _error(AnalysisException, "UNRESOLVED_ROUTINE",
                     f"Cannot resolve routine `{functionName}` on search path [`system`.`builtin`, "
                     "`system`.`session`, `spark_catalog`.`default`]. SQLSTATE: 42883",
                     routineName=f"`{functionName}`",
                     searchPath="[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]")

    def registerFunction(self, name: str, f: Callable[..., Any], returnType: Any = None) -> Any:
        warnings.warn("Deprecated in 2.3.0. Use spark.udf.register instead.", FutureWarning)
        return self._sparkSession.udf.register(name, f, returnType)

    def createDatabase(self, *args: Any, **kwargs: Any) -> None:
        raise _error(AnalysisException, "NOT_SUPPORTED_FEATURE",
                     "ember's session catalog has the one database `default`.")

    dropDatabase = createDatabase
    analyzeTable = refreshTable

    def listPartitions(self, tableName: str) -> List[TablePartition]:
        self._require(tableName)
        return []

    def getTableProperties(self, tableName: str) -> Dict[str, str]:
        self._require(tableName)
        return {}

    def getCreateTableString(self, tableName: str, asSerde: bool = False) -> str:
        from ember.errors import PySparkNotImplementedError

        raise PySparkNotImplementedError("SHOW CREATE TABLE is not built in ember yet.")
