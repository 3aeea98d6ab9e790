"""The runners of ``GroupedData.applyInPandas`` and of ``cogroup(...).applyInPandas``: the engine groups the rows by
key (the same grouping as applyInPandasWithState's, run once with no state) and calls a runner once with every
group; the user's function gets each group as one pandas DataFrame (and the key, when it takes two arguments).
A cogroup is one grouping over both sides' rows, each side packed in a struct column, split back per group with
Arrow kernels."""
from ember.sql.pandas.arrow_batch import batch_from_pandas
import inspect
from typing import Any, Callable, List

from ember.sql.pandas.map_ops import _check_columns

# The engine's grouping runner also carries per-group state; a grouped map has none, so it declares one unused column.
STATE_NAMES = ["_unused"]


class _GroupedMapRunner:
    def __init__(self, func: Callable, names: List[str], time_zone: str):
        self.func = func
        self.names = names
        self.time_zone = time_zone
        try:
            self.with_key = len(inspect.signature(func).parameters) == 2
        except (TypeError, ValueError):
            self.with_key = False

    def __call__(self, keys, data, offsets, states, has_state, timed_out, batch_ts, watermark_ms):
        import pandas as pd
        import pyarrow as pa

        from ember.errors import PySparkTypeError, _error

        pdf = data.to_pandas()
        for name in pdf.columns:
            s = pdf[name]
            if hasattr(s, "dt") and getattr(s.dt, "tz", None) is not None:
                pdf[name] = s.dt.tz_convert(self.time_zone).dt.tz_localize(None)
        outputs = []
        key_rows = [tuple(r.values()) for r in keys.to_pylist()]
        for i, key in enumerate(key_rows):
            group = pdf.iloc[offsets[i]:offsets[i + 1]].reset_index(drop=True)
            out = self.func(key, group) if self.with_key else self.func(group)
            if not isinstance(out, pd.DataFrame):
                raise _error(PySparkTypeError, "UDF_RETURN_TYPE", expected="pandas.DataFrame", actual=str(type(out)))
            if len(out.columns) == 0 and len(out) == 0:
                continue
            _check_columns(list(out.columns), self.names)
            if not any(isinstance(n, str) for n in out.columns):
                out = out.set_axis(self.names, axis=1)
            outputs.append(batch_from_pandas(out[self.names]))
        n = len(key_rows)
        state_batch = pa.RecordBatch.from_pydict({STATE_NAMES[0]: pa.array([None] * n, type=pa.int32())})
        return outputs, state_batch, [(False, False, False, -1)] * n


def _local_times(pdf: Any, time_zone: str) -> Any:
    for name in pdf.columns:
        s = pdf[name]
        if hasattr(s, "dt") and getattr(s.dt, "tz", None) is not None:
            pdf[name] = s.dt.tz_convert(time_zone).dt.tz_localize(None)
    return pdf


class _CogroupRunner:
    """``func(left, right)`` or ``func(key, left, right)`` per key of the union of both sides: the batch holds the
    key columns, ``_side`` (0 left, 1 right) and each side's row as the struct ``_l`` / ``_r``."""

    def __init__(self, func: Callable, names: List[str], time_zone: str, num_keys: int):
        self.func = func
        self.names = names
        self.time_zone = time_zone
        self.num_keys = num_keys
        try:
            self.with_key = len(inspect.signature(func).parameters) == 3
        except (TypeError, ValueError):
            self.with_key = False

    def _side(self, group: Any, tag: int, column: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = group.filter(pc.equal(group.column("_side"), tag)).column(column)
        fields = [rows.type.field(i) for i in range(rows.type.num_fields)]
        table = pa.Table.from_arrays(rows.flatten(), names=[f.name for f in fields])
        return _local_times(table.to_pandas(), self.time_zone)

    def __call__(self, keys, data, offsets, states, has_state, timed_out, batch_ts, watermark_ms):
        import pandas as pd
        import pyarrow as pa

        from ember.errors import PySparkTypeError, _error

        outputs = []
        key_rows = [tuple(r.values()) for r in keys.to_pylist()]
        for i, key in enumerate(key_rows):
            group = data.slice(offsets[i], offsets[i + 1] - offsets[i])
            left, right = self._side(group, 0, "_l"), self._side(group, 1, "_r")
            out = self.func(key, left, right) if self.with_key else self.func(left, right)
            if not isinstance(out, pd.DataFrame):
                raise _error(PySparkTypeError, "UDF_RETURN_TYPE", expected="pandas.DataFrame", actual=str(type(out)))
            if len(out.columns) == 0 and len(out) == 0:
                continue
            _check_columns(list(out.columns), self.names)
            if not any(isinstance(n, str) for n in out.columns):
                out = out.set_axis(self.names, axis=1)
            outputs.append(batch_from_pandas(out[self.names]))
        n = len(key_rows)
        state_batch = pa.RecordBatch.from_pydict({STATE_NAMES[0]: pa.array([None] * n, type=pa.int32())})
        return outputs, state_batch, [(False, False, False, -1)] * n


class PandasCogroupedOps:
    """``df1.groupBy(...).cogroup(df2.groupBy(...))``."""

    def __init__(self, gd1: Any, gd2: Any):
        self._gd1 = gd1
        self._gd2 = gd2

    def applyInPandas(self, func: Callable, schema: Any) -> Any:
        """Each key's rows of both sides as two pandas DataFrames through ``func(left, right)`` or
        ``func(key, left, right)``; the results concatenated with the declared ``schema``."""
        import ember.sql.functions as F
        from ember.errors import PySparkNotImplementedError, _error
        from ember.sql.column import Column
        from ember.sql.dataframe import DataFrame
        from ember.sql.readwriter import _schema_json
        from ember.sql.types import StructType, _parse_datatype_json_string

        left, right = self._gd1._df, self._gd2._df
        if left.isStreaming != right.isStreaming:
            raise _error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                         "cogroup().applyInPandas of a streaming and a batch DataFrame is not supported by ember yet.")
        types = [StructType(list(d.schema.fields)) for d in (left, right)]
        num_keys = len(self._gd1._groups)

        def packed(gd: Any, tag: int) -> Any:
            df = gd._df
            keys = [Column(g).alias(f"_k{i}") for i, g in enumerate(gd._groups)]
            own = F.struct(*[df[c] for c in df.columns])
            sides = [own if t == tag else F.lit(None).cast(types[t]) for t in (0, 1)]
            return df.select(*keys, F.lit(tag).alias("_side"), sides[0].alias("_l"), sides[1].alias("_r"))

        both = packed(self._gd1, 0).union(packed(self._gd2, 1))
        session = left.sparkSession
        schema_json = _schema_json(schema)
        runner = _CogroupRunner(func, _parse_datatype_json_string(schema_json).names,
                                session.conf.get("spark.sql.session.timeZone"), num_keys)
        state_json = _schema_json(f"{STATE_NAMES[0]} int")
        jdf = both._jdf.apply_in_pandas_with_state([F.col(f"_k{i}")._jc for i in range(num_keys)], runner,
                                                   schema_json, state_json, "append", "NoTimeout", True)
        return DataFrame(jdf, session)

