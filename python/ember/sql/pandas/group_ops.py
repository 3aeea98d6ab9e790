"""The runner of ``GroupedData.applyInPandas``: the engine groups the rows by key (the same grouping as
applyInPandasWithState's, run once with no state) and calls it once with every group; the user's function gets
each group as one pandas DataFrame (and the key, when it takes two arguments)."""
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


