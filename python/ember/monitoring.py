"""Progress charts for notebooks (an ember extension, outside PySpark's namespace): ``plot_progress(recentProgress)``
draws a finished query's batches, ``StreamingQuery``'s notebook display shows its status with the same chart, and
``watch(query)`` keeps that display updated while the query runs. Inline SVG only: nothing is fetched."""
import html
import time
from typing import TYPE_CHECKING, Iterable, List, Mapping, Optional, Sequence

if TYPE_CHECKING:
    from ember.sql.streaming.query import StreamingQuery

_COLORS = ("#2563eb", "#f97316", "#16a34a", "#9333ea")
_PHASES = ("addBatch", "getBatch", "latestOffset", "queryPlanning", "walCommit", "commitOffsets")


def _chart(kind: str, title: str, unit: str, xs: Sequence[int], series: List[tuple], stacked: bool = False) -> str:
    w, h, left, top, bottom = 360, 140, 46, 8, 20
    pw, ph = w - left - 8, h - top - bottom
    n = len(xs)
    if stacked:
        totals = [sum(vals[i] or 0 for _, vals in series) for i in range(n)]
    else:
        totals = [max([vals[i] or 0 for _, vals in series] or [0]) for i in range(n)]
    peak = max(totals or [0]) or 1.0
    x = (lambda i: left + pw / 2) if n <= 1 else (lambda i: left + i * pw / (n - 1))
    y = lambda v: top + ph - (v / (peak * 1.1)) * ph  # noqa: E731
    parts = [f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#999"/>',
             f'<text x="{left - 3}" y="{y(peak) + 3:.1f}" text-anchor="end">{_num(peak)}</text>',
             f'<text x="{left - 3}" y="{top + ph + 3}" text-anchor="end">0</text>']
    if n:
        parts.append(f'<text x="{x(0):.1f}" y="{h - 4}" text-anchor="middle">{xs[0]}</text>')
        if n > 1:
            parts.append(f'<text x="{x(n - 1):.1f}" y="{h - 4}" text-anchor="middle">{xs[-1]}</text>')
    for k, (name, vals) in enumerate(series):
        color = _COLORS[k % len(_COLORS)]
        if stacked:
            continue
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if v is not None)
        if pts:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
    if stacked:
        bw = max(2.0, min(16.0, pw / max(n, 1) * 0.7))
        for i in range(n):
            acc = 0.0
            for k, (name, vals) in enumerate(series):
                v = vals[i] or 0
                if v > 0:
                    parts.append(f'<rect x="{x(i) - bw / 2:.1f}" y="{y(acc + v):.1f}" width="{bw:.1f}" '
                                 f'height="{y(acc) - y(acc + v):.1f}" fill="{_COLORS[k % len(_COLORS)]}"/>')
                acc += v
    legend = " ".join(f'<span style="color:{_COLORS[k % len(_COLORS)]}">&#9632;</span> {html.escape(name)}'
                      for k, (name, _) in enumerate(series))
    return (f'<div style="display:inline-block;margin:4px 8px;vertical-align:top">'
            f'<div style="font-weight:600;font-size:12px">{html.escape(title)} ({html.escape(unit)})</div>'
            f'<svg class="ember-progress" data-chart="{kind}" data-batches="{n}" width="{w}" height="{h}" '
            f'style="font:10px sans-serif">{"".join(parts)}</svg><div style="font-size:11px">{legend}</div></div>')


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.2f}"


def progress_html(progress: Iterable[Mapping]) -> str:
    """The charts of a list of progress reports (``recentProgress``) as an HTML fragment."""
    ps = list(progress)
    if not ps:
        return '<div class="ember-progress-empty"><i>No batch has completed yet.</i></div>'
    xs = [p["batchId"] for p in ps]
    col = lambda f: [f(p) for p in ps]  # noqa: E731
    charts = [
        _chart("rates", "Input vs process rate", "rows/s", xs,
               [("input rows/s", col(lambda p: p.get("inputRowsPerSecond"))),
                ("processed rows/s", col(lambda p: p.get("processedRowsPerSecond")))]),
        _chart("duration", "Batch duration", "ms", xs,
               [(k, col(lambda p, k=k: (p.get("durationMs") or {}).get(k, 0))) for k in _PHASES[:4]], stacked=True),
    ]
    if any(p.get("stateOperators") for p in ps):
        charts.append(_chart("stateRows", "State rows", "rows", xs,
                             [("numRowsTotal", col(lambda p: sum(o["numRowsTotal"] for o in p.get("stateOperators", []))))]))
    return '<div class="ember-progress-charts">' + "".join(charts) + "</div>"


class ProgressPlot:
    """What ``plot_progress`` returns: shown as its charts in a notebook; ``html`` is the fragment."""

    def __init__(self, progress: Iterable[Mapping]) -> None:
        self.html = progress_html(progress)

    def _repr_html_(self) -> str:
        return self.html


def plot_progress(progress: Iterable[Mapping]) -> ProgressPlot:
    """Charts of a query's ``recentProgress`` (running or finished): rates, batch duration, state rows."""
    return ProgressPlot(progress)


def query_html(query: "StreamingQuery") -> str:
    """A query's status line and charts (``StreamingQuery``'s notebook display)."""
    status = query.status
    state = "RUNNING" if query.isActive else ("FAILED" if query.exception() else "FINISHED")
    color = {"RUNNING": "#0a7f3f", "FAILED": "#b42318"}.get(state, "#555")
    progress = query.recentProgress
    last = progress[-1]["batchId"] if progress else "–"
    head = (f'<div class="ember-query"><b>StreamingQuery</b> {html.escape(query.name or "<no name>")} '
            f'<span class="ember-query-state" style="color:{color};font-weight:600">{state}</span> · '
            f'{html.escape(status["message"])} · latest batch <span class="ember-latest-batch">{last}</span>'
            f'<br><small>id {html.escape(query.id)} · runId {html.escape(query.runId)}</small>')
    error = query.exception()
    if error is not None:
        head += f'<pre style="color:#7a1a10;white-space:pre-wrap">{html.escape(str(error))}</pre>'
    return head + progress_html(progress) + "</div>"


def watch(query: "StreamingQuery", interval: float = 1.0, timeout: Optional[float] = None) -> None:
    """Show the query in the notebook and redraw it every ``interval`` seconds until it stops (or ``timeout``)."""
    from IPython.display import HTML, display

    handle = display(HTML(query_html(query)), display_id=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    while query.isActive and (deadline is None or time.monotonic() < deadline):
        time.sleep(interval)
        handle.update(HTML(query_html(query)))
    handle.update(HTML(query_html(query)))
