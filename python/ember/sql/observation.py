"""``Observation``: the metrics a DataFrame's ``observe`` collects while its first action runs, read with ``get``.
The engine computes them; this class holds the engine's handle."""
from typing import Any, Dict, Optional

from ember.errors import PySparkAssertionError, PySparkTypeError, PySparkValueError, _error

__all__ = ["Observation"]

# `get` waits as Spark's does for an action running on another thread, in slices so Ctrl+C works.
_WAIT_SLICE_MS = 200


class Observation:
    """Named (or, without a name, UUID-named) aggregate metrics of one DataFrame, available after its first
    action."""

    def __init__(self, name: Optional[str] = None) -> None:
        if name is not None:
            if not isinstance(name, str):
                raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="name", expected_type="str",
                             arg_type=type(name).__name__)
            if name == "":
                raise _error(PySparkValueError, "VALUE_NOT_NON_EMPTY_STR", arg_name="name", arg_value=name)
        self._name = name
        self._jo: Any = None

    def _on(self, df: Any, *exprs: Any) -> Any:
        import uuid

        from ember.sql.dataframe import DataFrame

        if self._jo is not None:
            raise _error(PySparkAssertionError, "REUSE_OBSERVATION")
        name = self._name if self._name is not None else str(uuid.uuid4())
        jdf, self._jo = df._jdf.observe(name, [c._jc for c in exprs])
        return DataFrame(jdf, df.sparkSession)

    @property
    def get(self) -> Dict[str, Any]:
        """The metrics of the observed DataFrame's first action, waiting for it if it is still running."""
        from ember.sql.dataframe import _make_row

        if self._jo is None:
            raise _error(PySparkAssertionError, "NO_OBSERVE_BEFORE_GET")
        while True:
            row = self._jo.get(_make_row, _WAIT_SLICE_MS)
            if row is not None:
                return row.asDict(recursive=False)
