"""Runs one DataFrame-building function on ember and on PySpark and compares what a user sees."""
import math
from typing import Any, Callable

from conftest import captured


def _norm(v: Any) -> Any:
    if hasattr(v, "asDict") and isinstance(v, tuple):
        return tuple(_norm(x) for x in v)
    if isinstance(v, (list, tuple)):
        return type(v)(_norm(x) for x in v)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return v


def rows(df, ordered: bool) -> list:
    out = [_norm(r) for r in df.collect()]
    return out if ordered else sorted(out, key=repr)


def modules(side: str):
    if side == "ember":
        import ember.sql.functions as F
        import ember.sql.types as T
    else:
        from pyspark.sql import Row  # noqa: F401
        import pyspark.sql.functions as F
        import pyspark.sql.types as T
    return F, T


def _close(a: Any, b: Any) -> bool:
    """Equal, except floats may differ in the last digits (Java's Math vs the C library's transcendental functions)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-15, abs_tol=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def compare(build: Callable, spark, pyspark_session, ordered: bool = False, show: bool = True, approx: bool = False) -> None:
    """`build(session, F, T)` → DataFrame; asserts equal columns, types, rows and (for ordered results) show()."""
    ef, et = modules("ember")
    pf, pt = modules("pyspark")
    e = build(spark, ef, et)
    p = build(pyspark_session, pf, pt)
    assert e.columns == p.columns, f"\nember:   {e.columns}\npyspark: {p.columns}"
    assert e.schema.simpleString() == p.schema.simpleString(), f"\nember:   {e.schema.simpleString()}\npyspark: {p.schema.simpleString()}"
    er, pr = rows(e, ordered), rows(p, ordered)
    same = _close(er, pr) if approx else er == pr
    assert same, f"\nember:   {er}\npyspark: {pr}"
    if show and ordered:
        assert captured(e.show) == captured(p.show)
        assert captured(lambda: e.show(2, truncate=5)) == captured(lambda: p.show(2, truncate=5))


def compare_error(build: Callable, spark, pyspark_session, action: Callable = lambda df: df.collect()) -> None:
    """Both sides raise, with the same exception class name and error class."""
    ef, et = modules("ember")
    pf, pt = modules("pyspark")
    errs = []
    for s, f, t in ((spark, ef, et), (pyspark_session, pf, pt)):
        try:
            action(build(s, f, t))
        except Exception as exc:  # noqa: BLE001 - the point is to compare what was raised
            errs.append(exc)
        else:
            errs.append(None)
    e, p = errs
    assert p is not None, "PySpark did not raise"
    assert e is not None, f"ember did not raise; PySpark raised {type(p).__name__}: {p}"
    assert type(e).__name__ == type(p).__name__, f"{type(e).__name__}: {e}\nvs {type(p).__name__}: {p}"
    pc = getattr(p, "getCondition", lambda: None)()
    ec = getattr(e, "getCondition", lambda: None)()
    assert ec == pc, f"{e}\nvs\n{p}"
