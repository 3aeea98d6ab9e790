"""``Window`` and ``WindowSpec``: the partitioning, ordering and frame a window function runs over, at PySpark's
module path. A spec only holds columns; ``Column.over`` hands them to the engine."""
import sys
from typing import Any, List, Optional, Tuple

from ember.sql.column import Column, _to_col_jc

_LONG_MIN = -(1 << 63)
_LONG_MAX = (1 << 63) - 1


def _columns(cols: Tuple[Any, ...]) -> List[Any]:
    if len(cols) == 1 and isinstance(cols[0], list):
        cols = tuple(cols[0])
    return [_to_col_jc(c) for c in cols]


def _bound(value: int, preceding: bool) -> int:
    """Spark's rule: a bound at or beyond the threshold is unbounded."""
    if preceding and value <= Window._PRECEDING_THRESHOLD:
        return _LONG_MIN
    if not preceding and value >= Window._FOLLOWING_THRESHOLD:
        return _LONG_MAX
    return int(value)


class WindowSpec:
    """A window specification: partitioning, ordering and frame."""

    def __init__(self, partition: Optional[List[Any]] = None, order: Optional[List[Any]] = None,
                 frame: Optional[Tuple[bool, int, int]] = None):
        self._partition = partition or []
        self._order = order or []
        self._frame = frame

    def partitionBy(self, *cols: Any) -> "WindowSpec":
        return WindowSpec(_columns(cols), self._order, self._frame)

    def orderBy(self, *cols: Any) -> "WindowSpec":
        return WindowSpec(self._partition, _columns(cols), self._frame)

    def rowsBetween(self, start: int, end: int) -> "WindowSpec":
        return WindowSpec(self._partition, self._order, (True, _bound(start, True), _bound(end, False)))

    def rangeBetween(self, start: int, end: int) -> "WindowSpec":
        return WindowSpec(self._partition, self._order, (False, _bound(start, True), _bound(end, False)))

    def _over(self, column: Column) -> Column:
        return Column(column._jc.over(self._partition, self._order, self._frame))


class Window:
    """Builds window specifications: ``Window.partitionBy("k").orderBy("t").rowsBetween(-1, 0)``."""

    _PRECEDING_THRESHOLD = max(-sys.maxsize, _LONG_MIN)
    _FOLLOWING_THRESHOLD = min(sys.maxsize, _LONG_MAX)

    unboundedPreceding: int = _LONG_MIN
    unboundedFollowing: int = _LONG_MAX
    currentRow: int = 0

    @staticmethod
    def partitionBy(*cols: Any) -> WindowSpec:
        return WindowSpec().partitionBy(*cols)

    @staticmethod
    def orderBy(*cols: Any) -> WindowSpec:
        return WindowSpec().orderBy(*cols)

    @staticmethod
    def rowsBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rowsBetween(start, end)

    @staticmethod
    def rangeBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rangeBetween(start, end)


__all__ = ["Window", "WindowSpec"]
