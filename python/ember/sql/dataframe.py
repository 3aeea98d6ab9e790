"""``DataFrame``: an immutable, analyzed query over rows. Holds a native plan handle; actions run in the engine
with the GIL released."""
import functools
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from ember import _native
from ember.errors import AnalysisException, PySparkAttributeError, PySparkIndexError, PySparkTypeError, PySparkValueError, _error
from ember.sql.column import Column, _to_col_jc, _to_jc

if TYPE_CHECKING:
    from ember.sql.group import GroupedData
    from ember.sql.readwriter import DataFrameWriter
    from ember.sql.session import SparkSession
    from ember.sql.streaming.readwriter import DataStreamWriter
    from ember.sql.types import Row, StructType

__all__ = ["DataFrame", "DataFrameNaFunctions"]


def _make_row(names, values):
    from ember.sql.types import Row

    row = Row(*values)
    row.__fields__ = list(names)
    return row


def _flatten(cols) -> tuple:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return tuple(cols[0])
    return tuple(cols)


class DataFrame:
    """A distributed-collection-shaped DataFrame, as ``pyspark.sql.DataFrame``, computed by ember's engine."""

    def __init__(self, jdf: "_native.DataFrame", sparkSession):
        self._jdf = jdf
        self._session = sparkSession

    # --- metadata -------------------------------------------------------------------------------------------
    @property
    def sparkSession(self) -> "SparkSession":
        return self._session

    @property
    def schema(self) -> "StructType":
        from ember.sql.types import _parse_datatype_json_string

        return _parse_datatype_json_string(self._jdf.schema_json())

    @property
    def columns(self) -> List[str]:
        return self._jdf.columns()

    @property
    def dtypes(self) -> List[Tuple[str, str]]:
        return [(f.name, f.dataType.simpleString()) for f in self.schema.fields]

    @property
    def isStreaming(self) -> bool:
        return self._jdf.is_streaming()

    @property
    def write(self) -> "DataFrameWriter":
        from ember.sql.readwriter import DataFrameWriter

        return DataFrameWriter(self)

    @property
    def writeStream(self) -> "DataStreamWriter":
        from ember.sql.streaming.readwriter import DataStreamWriter

        if not self.isStreaming:
            from ember.errors import AnalysisException, _error

            raise _error(AnalysisException, "WRITE_STREAM_NOT_ALLOWED",
                         "`writeStream` can be called only on streaming Dataset/DataFrame. SQLSTATE: 42601")
        return DataStreamWriter(self)

    @property
    def na(self) -> "DataFrameNaFunctions":
        return DataFrameNaFunctions(self)

    def printSchema(self, level: Optional[int] = None) -> None:
        print(self._jdf.tree_string(level))

    def explain(self, extended: Any = None, mode: Optional[str] = None) -> None:
        print("== Physical Plan ==\n" + self._jdf.explain_string())

    def __repr__(self) -> str:
        if self._eager():
            return self._jdf.show_string(*self._eager_limits(), False)
        return "DataFrame[%s]" % ", ".join(f"{n}: {t}" for n, t in self.dtypes)

    def _eager(self) -> bool:
        return str(self._session.conf.get("spark.sql.repl.eagerEval.enabled", "false")).lower() == "true"

    def _eager_limits(self):
        n = int(self._session.conf.get("spark.sql.repl.eagerEval.maxNumRows", "20"))
        t = int(self._session.conf.get("spark.sql.repl.eagerEval.truncate", "20"))
        return n, t

    def _repr_html_(self) -> Optional[str]:
        if not self._eager():
            return None
        import html

        n, t = self._eager_limits()
        rows = self.limit(n + 1).collect()
        out = ["<table border='1'>", "<tr><th>" + "</th><th>".join(html.escape(c) for c in self.columns) + "</th></tr>"]
        for r in rows[:n]:
            cells = []
            for v in r:
                s = "NULL" if v is None else str(v)
                if t > 0 and len(s) > t:
                    s = s[: t - 3] + "..." if t >= 4 else s[:t]
                cells.append(html.escape(s))
            out.append("<tr><td>" + "</td><td>".join(cells) + "</td></tr>")
        out.append("</table>")
        if len(rows) > n:
            out.append(f"only showing top {n} {'row' if n == 1 else 'rows'}\n")
        return "\n".join(out)

    # --- column access --------------------------------------------------------------------------------------
    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return Column(self._jdf.column(item))
        if isinstance(item, Column):
            return self.filter(item)
        if isinstance(item, (list, tuple)):
            return self.select(*item)
        if isinstance(item, int):
            cols = self.columns
            if item < 0 or item >= len(cols):
                raise _error(PySparkIndexError, "INDEX_OUT_OF_RANGE", f"index out of range, got '{item}'.")
            return Column(self._jdf.column(f"`{cols[item]}`"))
        raise _error(PySparkTypeError, "NOT_COLUMN_OR_INT_OR_LIST_OR_STR_OR_TUPLE",
                     f"Argument `item` should be a Column, int, list, str or tuple, got {type(item).__name__}.")

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self.columns:
            raise _error(PySparkAttributeError, "ATTRIBUTE_NOT_SUPPORTED", f"Attribute `{name}` is not supported.", attr_name=name)
        return Column(self._jdf.column(f"`{name}`"))

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {c for c in self.columns if c.isidentifier()})

    def _new(self, jdf) -> "DataFrame":
        return DataFrame(jdf, self._session)

    # --- transformations ------------------------------------------------------------------------------------
    def select(self, *cols: Any) -> "DataFrame":
        cols = _flatten(cols)
        return self._new(self._jdf.select([_to_col_jc(c) for c in cols]))

    def selectExpr(self, *expr: str) -> "DataFrame":
        expr = _flatten(expr)
        return self._new(self._jdf.select([_native.Column.sql_select_item(e) for e in expr]))

    def filter(self, condition: Any) -> "DataFrame":
        if isinstance(condition, str):
            return self._new(self._jdf.filter(_native.Column.sql(condition)))
        if isinstance(condition, Column):
            return self._new(self._jdf.filter(condition._jc))
        raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="condition", expected_type="Column or str",
                     arg_type=type(condition).__name__)

    where = filter

    def withColumn(self, colName: str, col: Column) -> "DataFrame":
        if not isinstance(col, Column):
            raise _error(PySparkTypeError, "NOT_COLUMN", f"Argument `col` should be a Column, got {type(col).__name__}.")
        return self._new(self._jdf.with_columns([colName], [col._jc]))

    def withColumns(self, *colsMap: Dict[str, Column]) -> "DataFrame":
        if len(colsMap) != 1 or not isinstance(colsMap[0], dict):
            raise _error(PySparkTypeError, "NOT_DICT", "Argument `colsMap` should be a dict.")
        m = colsMap[0]
        return self._new(self._jdf.with_columns(list(m.keys()), [c._jc for c in m.values()]))

    def withColumnRenamed(self, existing: str, new: str) -> "DataFrame":
        return self._new(self._jdf.with_columns_renamed([existing], [new]))

    def withColumnsRenamed(self, colsMap: Dict[str, str]) -> "DataFrame":
        return self._new(self._jdf.with_columns_renamed(list(colsMap.keys()), list(colsMap.values())))

    def toDF(self, *cols: str) -> "DataFrame":
        if len(cols) != len(self.columns):
            raise AnalysisException(
                message=f"[NUM_COLUMNS_MISMATCH] ... expects {len(self.columns)} columns, got {len(cols)}",
                errorClass="NUM_COLUMNS_MISMATCH")
        return self.select(*[Column(self._jdf.column(f"`{old}`")).alias(new) for old, new in zip(self.columns, cols)])

    def drop(self, *cols: Any) -> "DataFrame":
        names = [c for c in cols if isinstance(c, str)]
        jcs = [c._jc for c in cols if isinstance(c, Column)]
        return self._new(self._jdf.drop(names, jcs))

    def alias(self, alias: str) -> "DataFrame":
        return self._new(self._jdf.alias(alias))

    def groupBy(self, *cols: Any) -> "GroupedData":
        from ember.sql.group import GroupedData

        cols = _flatten(cols)
        return GroupedData(self, [_to_col_jc(c) for c in cols])

    groupby = groupBy

    def agg(self, *exprs: Any) -> "DataFrame":
        return self.groupBy().agg(*exprs)

    def _sort_keys(self, cols, ascending) -> list:
        cols = _flatten(cols)
        keys = [_to_col_jc(c) for c in cols]
        if ascending is None:
            return keys
        asc = [ascending] * len(keys) if isinstance(ascending, (bool, int)) else list(ascending)
        if len(asc) != len(keys):
            raise _error(PySparkValueError, "LENGTH_SHOULD_BE_THE_SAME", "cols and ascending should be of the same length.")
        return [k.sort(bool(a), bool(a)) for k, a in zip(keys, asc)]

    def orderBy(self, *cols: Any, **kwargs: Any) -> "DataFrame":
        return self._new(self._jdf.sort(self._sort_keys(cols, kwargs.get("ascending"))))

    sort = orderBy

    def sortWithinPartitions(self, *cols: Any, **kwargs: Any) -> "DataFrame":
        return self.orderBy(*cols, **kwargs)

    def limit(self, num: int) -> "DataFrame":
        return self._new(self._jdf.limit(int(num)))

    def offset(self, num: int) -> "DataFrame":
        return self._new(self._jdf.limit(2**62, int(num)))

    def join(self, other: "DataFrame", on: Any = None, how: Optional[str] = None) -> "DataFrame":
        how = how or "inner"
        if on is None:
            return self._new(self._jdf.join_on(other._jdf, None, how))
        if isinstance(on, str):
            on = [on]
        if isinstance(on, (list, tuple)) and all(isinstance(x, str) for x in on):
            return self._new(self._jdf.join_using(other._jdf, list(on), how))
        if isinstance(on, (list, tuple)):
            cond = functools.reduce(lambda a, b: a & b, on)
        else:
            cond = on
        return self._new(self._jdf.join_on(other._jdf, cond._jc, how))

    def crossJoin(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.join_on(other._jdf, None, "cross"))

    def observe(self, observation: Any, *exprs: Column) -> "DataFrame":
        """The same rows, with aggregate metrics computed while an action runs: read with ``observation.get``
        (an ``Observation``) or, on a stream, in each progress's ``observedMetrics`` under the name."""
        from ember.sql.observation import Observation

        if len(exprs) == 0:
            raise _error(PySparkValueError, "CANNOT_BE_EMPTY", item="exprs")
        if not all(isinstance(c, Column) for c in exprs):
            raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="exprs", expected_type="list[Column]",
                         arg_type=type(exprs).__name__)
        if isinstance(observation, Observation):
            return observation._on(self, *exprs)
        if isinstance(observation, str):
            jdf, _ = self._jdf.observe(observation, [c._jc for c in exprs])
            return DataFrame(jdf, self.sparkSession)
        raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="observation",
                     expected_type="Observation or str", arg_type=type(observation).__name__)

    def union(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.union(other._jdf))

    unionAll = union

    def unionByName(self, other: "DataFrame", allowMissingColumns: bool = False) -> "DataFrame":
        return self._new(self._jdf.union_by_name(other._jdf, allowMissingColumns))

    def intersect(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.set_operation(other._jdf, "intersect"))

    def intersectAll(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.set_operation(other._jdf, "intersectAll"))

    def subtract(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.set_operation(other._jdf, "except"))

    def exceptAll(self, other: "DataFrame") -> "DataFrame":
        return self._new(self._jdf.set_operation(other._jdf, "exceptAll"))

    def distinct(self) -> "DataFrame":
        return self._new(self._jdf.drop_duplicates(None))

    def dropDuplicates(self, subset: Optional[List[str]] = None) -> "DataFrame":
        if subset is not None and not isinstance(subset, (list, tuple)):
            raise _error(PySparkTypeError, "NOT_LIST_OR_TUPLE", f"Argument `subset` should be a list or tuple, got {type(subset).__name__}.")
        return self._new(self._jdf.drop_duplicates(None if subset is None else list(subset)))

    drop_duplicates = dropDuplicates

    def dropDuplicatesWithinWatermark(self, subset: Optional[List[str]] = None) -> "DataFrame":
        if subset is not None and not isinstance(subset, (list, tuple)):
            raise _error(PySparkTypeError, "NOT_LIST_OR_TUPLE", f"Argument `subset` should be a list or tuple, got {type(subset).__name__}.")
        return self._new(self._jdf.drop_duplicates_within_watermark(None if subset is None else list(subset)))

    drop_duplicates_within_watermark = dropDuplicatesWithinWatermark

    def mapInPandas(self, func: Any, schema: Any, barrier: bool = False, profile: Any = None) -> "DataFrame":
        """Rows through ``func(Iterator[pandas.DataFrame]) -> Iterator[pandas.DataFrame]``, one Arrow batch at a time."""
        from ember.sql.pandas.map_ops import _MapInPandasRunner
        from ember.sql.readwriter import _schema_json
        from ember.sql.types import _parse_datatype_json_string

        schema_json = _schema_json(schema)
        runner = _MapInPandasRunner(func, _parse_datatype_json_string(schema_json).names)
        return DataFrame(self._jdf.map_batches("MapInPandas", runner, schema_json), self.sparkSession)

    def mapInArrow(self, func: Any, schema: Any, barrier: bool = False, profile: Any = None) -> "DataFrame":
        """Rows through ``func(Iterator[pyarrow.RecordBatch]) -> Iterator[pyarrow.RecordBatch]``."""
        from ember.sql.pandas.map_ops import _MapInArrowRunner
        from ember.sql.readwriter import _schema_json
        from ember.sql.types import _parse_datatype_json_string

        schema_json = _schema_json(schema)
        runner = _MapInArrowRunner(func, _parse_datatype_json_string(schema_json).names)
        return DataFrame(self._jdf.map_batches("MapInArrow", runner, schema_json), self.sparkSession)

    def withWatermark(self, eventTime: str, delayThreshold: str) -> "DataFrame":
        if not eventTime or type(eventTime) is not str:
            raise _error(PySparkTypeError, "NOT_STR", f"Argument `eventTime` should be a str, got {type(eventTime).__name__}.")
        if not delayThreshold or type(delayThreshold) is not str:
            raise _error(PySparkTypeError, "NOT_STR",
                         f"Argument `delayThreshold` should be a str, got {type(delayThreshold).__name__}.")
        return self._new(self._jdf.with_watermark(eventTime, delayThreshold))

    def sample(self, withReplacement: Any = None, fraction: Any = None, seed: Optional[int] = None) -> "DataFrame":
        if isinstance(withReplacement, float) and fraction is None:
            withReplacement, fraction = None, withReplacement
        if isinstance(withReplacement, float) and isinstance(fraction, int) and seed is None:
            withReplacement, fraction, seed = None, withReplacement, fraction
        if fraction is None:
            raise _error(PySparkTypeError, "NOT_FLOAT", "Argument `fraction` should be a float.")
        import random

        s = seed if seed is not None else random.getrandbits(63)
        return self._new(self._jdf.sample(float(fraction), bool(withReplacement), int(s) & (2**64 - 1)))

    def repartition(self, numPartitions: Any = None, *cols: Any) -> "DataFrame":
        n = numPartitions if isinstance(numPartitions, int) else 0
        return self._new(self._jdf.repartition(n))

    def coalesce(self, numPartitions: int) -> "DataFrame":
        return self._new(self._jdf.repartition(int(numPartitions)))

    def hint(self, name: str, *parameters: Any) -> "DataFrame":
        return self._new(self._jdf.hint(name))

    def cache(self) -> "DataFrame":
        return self._new(self._jdf.cached())

    def persist(self, storageLevel: Any = None) -> "DataFrame":
        return self.cache()

    def unpersist(self, blocking: bool = False) -> "DataFrame":
        return self

    def checkpoint(self, eager: bool = True) -> "DataFrame":
        return self.cache()

    localCheckpoint = checkpoint

    def transform(self, func: Callable, *args: Any, **kwargs: Any) -> "DataFrame":
        result = func(self, *args, **kwargs)
        if not isinstance(result, DataFrame):
            raise _error(PySparkTypeError, "NOT_DATAFRAME", f"Argument `func` should return a DataFrame, got {type(result).__name__}.")
        return result

    # --- missing values -------------------------------------------------------------------------------------
    def fillna(self, value: Any, subset: Any = None) -> "DataFrame":
        return self.na.fill(value, subset)

    def dropna(self, how: str = "any", thresh: Optional[int] = None, subset: Any = None) -> "DataFrame":
        return self.na.drop(how, thresh, subset)

    def replace(self, to_replace: Any, value: Any = None, subset: Any = None) -> "DataFrame":
        return self.na.replace(to_replace, value, subset)

    # --- statistics -----------------------------------------------------------------------------------------
    def describe(self, *cols: Any) -> "DataFrame":
        cols = _flatten(cols)
        return self._summary(["count", "mean", "stddev", "min", "max"], list(cols))

    def summary(self, *statistics: str) -> "DataFrame":
        stats = list(statistics) or ["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"]
        return self._summary(stats, [])

    def _summary(self, stats: List[str], cols: List[str]) -> "DataFrame":
        from ember.sql import functions as F

        dtypes = dict(self.dtypes)
        numeric = ("tinyint", "smallint", "int", "bigint", "float", "double")
        if not cols:
            cols = [c for c, t in self.dtypes if t in numeric or t.startswith("decimal") or t == "string"]
        parts = []
        for stat in stats:
            items = [F.lit(stat).alias("summary")]
            for c in cols:
                is_num = dtypes[c] in numeric or dtypes[c].startswith("decimal")
                if stat == "count":
                    e = F.count(c)
                elif stat == "mean":
                    e = F.avg(c) if is_num else F.lit(None)
                elif stat == "stddev":
                    e = F.stddev(c) if is_num else F.lit(None)
                elif stat == "min":
                    e = F.min(c)
                elif stat == "max":
                    e = F.max(c)
                elif stat.endswith("%") and stat[:-1].replace(".", "", 1).isdigit():
                    p = float(stat[:-1]) / 100.0
                    e = Column(_native.Column.call("percentile_approx", [_to_col_jc(c), _to_jc(p)])) if is_num else F.lit(None)
                elif stat == "count_distinct":
                    e = F.countDistinct(c)
                elif stat == "approx_count_distinct":
                    e = F.approx_count_distinct(c)
                else:
                    raise _error(PySparkValueError, "UNSUPPORTED_OPERATION", f"Summary statistic {stat} is not supported by ember yet.")
                items.append(e.cast("string").alias(c))
            parts.append(self.agg(*items) if len(items) > 1 else self.select(*items).limit(1))
        return functools.reduce(lambda a, b: a.union(b), parts)

    # --- actions --------------------------------------------------------------------------------------------
    def collect(self) -> list:
        return self._jdf.collect(_make_row)

    def toLocalIterator(self, prefetchPartitions: bool = False) -> Iterator:
        return iter(self.collect())

    def count(self) -> int:
        return self._jdf.count()

    def first(self) -> Optional["Row"]:
        rows = self.limit(1).collect()
        return rows[0] if rows else None

    def head(self, n: Optional[int] = None) -> Any:
        if n is None:
            return self.first()
        return self.limit(n).collect()

    def take(self, num: int) -> list:
        return self.limit(num).collect()

    def tail(self, num: int) -> list:
        return self._new(self._jdf.tail(int(num))).collect()

    def isEmpty(self) -> bool:
        return len(self.take(1)) == 0

    def show(self, n: int = 20, truncate: Union[bool, int] = True, vertical: bool = False) -> None:
        if not isinstance(n, int) or isinstance(n, bool):
            raise _error(PySparkTypeError, "NOT_INT", f"Argument `n` should be an int, got {type(n).__name__}.", arg_name="n")
        if not isinstance(vertical, bool):
            raise _error(PySparkTypeError, "NOT_BOOL", f"Argument `vertical` should be a bool, got {type(vertical).__name__}.")
        if isinstance(truncate, bool):
            width = 20 if truncate else 0
        else:
            try:
                width = int(truncate)
            except ValueError:
                raise _error(PySparkTypeError, "NOT_BOOL", f"Argument `truncate` should be a bool, got {type(truncate).__name__}.")
        print(self._jdf.show_string(n, width, vertical))

    def foreach(self, f: Callable) -> None:
        for row in self.collect():
            f(row)

    def foreachPartition(self, f: Callable) -> None:
        f(iter(self.collect()))

    def toJSON(self, use_unicode: bool = True) -> List[str]:
        from ember.sql import functions as F

        return [r[0] for r in self.select(F.to_json(F.struct(*[Column(self._jdf.column(f"`{c}`")) for c in self.columns]))).collect()]

    def toArrow(self) -> Any:
        import pyarrow as pa

        return pa.table(self._jdf)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._jdf.__arrow_c_stream__(requested_schema)

    def toPandas(self) -> Any:
        try:
            import pyarrow as pa  # noqa: F401
            import pandas as pd  # noqa: F401
        except ImportError as e:
            raise _error(PySparkValueError if False else __import__("ember.errors", fromlist=["PySparkImportError"]).PySparkImportError,
                         "PACKAGE_NOT_INSTALLED", f"pandas and pyarrow are required for toPandas(): {e}")
        table = self.toArrow()
        pdf = table.to_pandas()
        tz = self._session.conf.get("spark.sql.session.timeZone")
        for name in pdf.columns:
            s = pdf[name]
            if hasattr(s, "dt") and getattr(s.dt, "tz", None) is not None:
                pdf[name] = s.dt.tz_convert(tz).dt.tz_localize(None)
        return pdf

    # --- views ----------------------------------------------------------------------------------------------
    def createOrReplaceTempView(self, name: str) -> None:
        self._session._jsession.register_view(name, self._jdf, False, True)

    def createTempView(self, name: str) -> None:
        self._session._jsession.register_view(name, self._jdf, False, False)

    def createOrReplaceGlobalTempView(self, name: str) -> None:
        self._session._jsession.register_view(name, self._jdf, True, True)

    def createGlobalTempView(self, name: str) -> None:
        self._session._jsession.register_view(name, self._jdf, True, False)

    registerTempTable = createOrReplaceTempView


class DataFrameNaFunctions:
    """``df.na``: fill, drop and replace missing values by building expressions."""

    def __init__(self, df: DataFrame):
        self.df = df

    def _subset(self, subset) -> List[str]:
        if subset is None:
            return self.df.columns
        if isinstance(subset, str):
            return [subset]
        return list(subset)

    def fill(self, value: Any, subset: Any = None) -> DataFrame:
        from ember.sql import functions as F

        if not isinstance(value, (float, int, str, bool, dict)):
            raise _error(PySparkTypeError, "NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR",
                         f"Argument `value` should be a bool, dict, float, int or str, got {type(value).__name__}.")
        dtypes = dict(self.df.dtypes)
        if isinstance(value, dict):
            targets = {c: v for c, v in value.items()}
        else:
            targets = {c: value for c in self._subset(subset)}
        numeric = ("tinyint", "smallint", "int", "bigint", "float", "double")
        replacements = {}
        for c, v in targets.items():
            t = dtypes.get(c)
            if t is None:
                continue
            col = Column(self.df._jdf.column(f"`{c}`"))
            if isinstance(v, bool):
                ok = t == "boolean"
            elif isinstance(v, (int, float)):
                ok = t in numeric or t.startswith("decimal")
            else:
                ok = t == "string"
            if not ok:
                continue
            if t in ("float", "double"):
                col = F.nanvl(col, F.lit(None).cast(t))
            replacements[c] = F.coalesce(col, F.lit(v).cast(t))
        if not replacements:
            return self.df
        return self.df.withColumns(replacements)

    def drop(self, how: str = "any", thresh: Optional[int] = None, subset: Any = None) -> DataFrame:
        from ember.sql import functions as F

        if how not in ("any", "all"):
            raise _error(PySparkValueError, "VALUE_NOT_ANY_OR_ALL", f"Value for `how` must be 'any' or 'all', got '{how}'.")
        cols = self._subset(subset)
        if thresh is None:
            thresh = len(cols) if how == "any" else 1
        dtypes = dict(self.df.dtypes)
        present = []
        for c in cols:
            col = Column(self.df._jdf.column(f"`{c}`"))
            ok = col.isNotNull()
            if dtypes.get(c) in ("float", "double"):
                ok = ok & ~F.isnan(col)
            present.append(F.when(ok, 1).otherwise(0))
        if not present:
            return self.df
        total = functools.reduce(lambda a, b: a + b, present)
        return self.df.filter(total >= F.lit(thresh))

    def replace(self, to_replace: Any, value: Any = None, subset: Any = None) -> DataFrame:
        from ember.sql import functions as F

        if isinstance(to_replace, dict):
            mapping = to_replace
        else:
            olds = to_replace if isinstance(to_replace, (list, tuple)) else [to_replace]
            news = value if isinstance(value, (list, tuple)) else [value] * len(olds)
            if len(olds) != len(news):
                raise _error(PySparkValueError, "LENGTH_SHOULD_BE_THE_SAME", "to_replace and value should be of the same length.")
            mapping = dict(zip(olds, news))
        dtypes = dict(self.df.dtypes)
        numeric = ("tinyint", "smallint", "int", "bigint", "float", "double")
        out = {}
        for c in self._subset(subset):
            t = dtypes.get(c)
            if t is None:
                continue
            col = Column(self.df._jdf.column(f"`{c}`"))
            expr = None
            for old, new in mapping.items():
                if isinstance(old, bool) != (t == "boolean"):
                    continue
                if isinstance(old, str) and t != "string":
                    continue
                if isinstance(old, (int, float)) and not isinstance(old, bool) and not (t in numeric or t.startswith("decimal")):
                    continue
                cond = col == F.lit(old)
                expr = (F.when(cond, F.lit(new).cast(t)) if expr is None else expr.when(cond, F.lit(new).cast(t)))
            if expr is not None:
                out[c] = expr.otherwise(col)
        return self.df.withColumns(out) if out else self.df
