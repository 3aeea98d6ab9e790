"""``GroupedData``: the result of ``groupBy``; aggregation builds the plan."""
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ember import _native
from ember.errors import PySparkNotImplementedError, PySparkTypeError, _error
from ember.sql.column import Column

if TYPE_CHECKING:
    from ember.sql.dataframe import DataFrame

__all__ = ["GroupedData"]

_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


class GroupedData:
    """A DataFrame grouped by expressions, as ``pyspark.sql.GroupedData``."""

    def __init__(self, df, groups: List["_native.Column"]):
        self._df = df
        self._groups = groups

    def _agg(self, exprs: List["_native.Column"]) -> "DataFrame":
        from ember.sql.dataframe import DataFrame

        return DataFrame(self._df._jdf.aggregate(self._groups, exprs), self._df.sparkSession)

    def agg(self, *exprs: Any) -> "DataFrame":
        if not exprs:
            raise _error(PySparkTypeError, "CANNOT_BE_EMPTY", "At least one agg expression must be specified.", item="exprs")
        if len(exprs) == 1 and isinstance(exprs[0], dict):
            items: Dict[str, str] = exprs[0]
            cols = []
            for name, fn in items.items():
                fn = {"mean": "avg", "stddev": "stddev", "std": "stddev"}.get(fn, fn)
                arg = _native.Column.lit(1) if (name == "*" and fn == "count") else _native.Column.col(name)
                cols.append(_native.Column.call(fn, [arg]))
            return self._agg(cols)
        for e in exprs:
            if not isinstance(e, Column):
                raise _error(PySparkTypeError, "NOT_COLUMN", f"Argument `exprs` should be a Column, got {type(e).__name__}.")
        return self._agg([e._jc for e in exprs])

    def count(self) -> "DataFrame":
        return self._agg([_native.Column.call("count", [_native.Column.lit(1)]).alias("count")])

    def _numeric(self, fn: str, cols):
        if not cols:
            cols = [n for n, t in self._df.dtypes if t in _NUMERIC or t.startswith("decimal")]
        return self._agg([_native.Column.call(fn, [_native.Column.col(c)]) for c in cols])

    def sum(self, *cols: str) -> "DataFrame":
        return self._numeric("sum", cols)

    def avg(self, *cols: str) -> "DataFrame":
        return self._numeric("avg", cols)

    mean = avg

    def min(self, *cols: str) -> "DataFrame":
        return self._numeric("min", cols)

    def max(self, *cols: str) -> "DataFrame":
        return self._numeric("max", cols)

    def applyInPandas(self, func, schema) -> "DataFrame":
        """Each group as one pandas DataFrame through ``func(pdf)`` or ``func(key, pdf)``; the results are
        concatenated with the declared ``schema``."""
        from ember.sql.dataframe import DataFrame
        from ember.sql.pandas.group_ops import STATE_NAMES, _GroupedMapRunner
        from ember.sql.readwriter import _schema_json
        from ember.sql.types import _parse_datatype_json_string

        session = self._df.sparkSession
        schema_json = _schema_json(schema)
        runner = _GroupedMapRunner(func, _parse_datatype_json_string(schema_json).names,
                                   session.conf.get("spark.sql.session.timeZone"))
        state_json = _schema_json(f"{STATE_NAMES[0]} int")
        jdf = self._df._jdf.apply_in_pandas_with_state(self._groups, runner, schema_json, state_json, "append",
                                                        "NoTimeout", True)
        return DataFrame(jdf, session)

    def cogroup(self, other: "GroupedData") -> Any:
        """This grouping and ``other``'s, for ``applyInPandas(func(left, right), schema)`` per key."""
        from ember.sql.pandas.group_ops import PandasCogroupedOps

        return PandasCogroupedOps(self, other)

    def applyInPandasWithState(self, func, outputStructType, stateStructType, outputMode: str, timeoutConf: str) -> "DataFrame":
        """Arbitrary state per group: ``func(key, Iterator[pandas.DataFrame], GroupState) -> Iterator[DataFrame]``."""
        from ember.sql.dataframe import DataFrame
        from ember.sql.readwriter import _schema_json
        from ember.sql.streaming.state import _GroupRunner
        from ember.sql.types import StructType, _parse_datatype_string

        try:
            import pandas  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError as e:
            from ember.errors import PySparkImportError

            raise _error(PySparkImportError, "PACKAGE_NOT_INSTALLED",
                         f"pandas and pyarrow are required for applyInPandasWithState: {e}")
        from ember.sql.streaming.state import GroupStateTimeout

        # PySpark checks its arguments with asserts.
        assert isinstance(outputMode, str)
        assert timeoutConf in [GroupStateTimeout.NoTimeout, GroupStateTimeout.ProcessingTimeTimeout,
                               GroupStateTimeout.EventTimeTimeout]
        if isinstance(stateStructType, str):
            stateStructType = _parse_datatype_string(stateStructType)
        if not isinstance(stateStructType, StructType):
            raise _error(PySparkTypeError, "NOT_STR_OR_STRUCT",
                         f"Argument `stateStructType` should be a str or StructType, got {type(stateStructType).__name__}.")
        session = self._df.sparkSession
        runner = _GroupRunner(func, stateStructType.names, timeoutConf,
                              session.conf.get("spark.sql.session.timeZone"),
                              int(session.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")))
        jdf = self._df._jdf.apply_in_pandas_with_state(self._groups, runner, _schema_json(outputStructType),
                                                        _schema_json(stateStructType), outputMode, timeoutConf)
        return DataFrame(jdf, session)

    def transformWithStateInPandas(self, statefulProcessor, outputStructType, outputMode: str, timeMode: str,
                                   initialState: "Optional[GroupedData]" = None,
                                   eventTimeColumnName: str = "") -> "DataFrame":
        """A ``StatefulProcessor`` per grouping key with value, list and map state, timers and TTL; its
        ``handleInputRows`` gets the key's rows as pandas DataFrames.

        .. versionadded:: 4.0.0
        """
        return self._transform_with_state(statefulProcessor, outputStructType, outputMode, timeMode, True,
                                          initialState, eventTimeColumnName)

    def transformWithState(self, statefulProcessor, outputStructType, outputMode: str, timeMode: str,
                           initialState: "Optional[GroupedData]" = None,
                           eventTimeColumnName: str = "") -> "DataFrame":
        """As ``transformWithStateInPandas``, with the key's rows as ``Row`` objects and Rows yielded back.

        .. versionadded:: 4.1.0
        """
        return self._transform_with_state(statefulProcessor, outputStructType, outputMode, timeMode, False,
                                          initialState, eventTimeColumnName)

    def _transform_with_state(self, processor, outputStructType, outputMode, timeMode, pandas, initialState,
                              eventTimeColumnName) -> "DataFrame":
        from ember.sql.dataframe import DataFrame
        from ember.sql.readwriter import _schema_json
        from ember.sql.streaming.stateful_processor import _ProcessorRunner
        from ember.sql.types import StructType, _parse_datatype_string

        try:
            import pyarrow  # noqa: F401

            if pandas:
                import pandas as _pd  # noqa: F401
        except ImportError as e:
            from ember.errors import PySparkImportError

            raise _error(PySparkImportError, "PACKAGE_NOT_INSTALLED",
                         f"pandas and pyarrow are required for transformWithState: {e}")
        initial = None
        if initialState is not None:
            assert isinstance(initialState, GroupedData)
            initial = (initialState._df._jdf, initialState._groups)
        if isinstance(outputStructType, str):
            outputStructType = _parse_datatype_string(outputStructType)
        assert isinstance(outputStructType, StructType)
        session = self._df.sparkSession
        runner = _ProcessorRunner(processor, timeMode, pandas, outputStructType.names,
                                  session.conf.get("spark.sql.session.timeZone"),
                                  int(session.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")))
        jdf = self._df._jdf.transform_with_state(self._groups, runner, _schema_json(outputStructType), outputMode,
                                                  timeMode, pandas, initial, eventTimeColumnName or None)
        return DataFrame(jdf, session)
