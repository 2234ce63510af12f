"""Chart builders over a version's trades in time order: equity, drawdown, rolling win rate and
profit factor (data in, Plotly figure out; no Streamlit, no database).

Times go to Plotly as naive UTC datetime64 (the axes say UTC): an array of timezone-aware
timestamps is validated and JSON-encoded one object at a time (about 0.2 s per curve of 4,000
points), a datetime64 array in one go. Long curves keep their shape with `thin`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.chart_rules import (
    GOLD,
    GREY,
    RED,
    layout,
    money_axis,
    percent_axis,
    reference_line,
    time_axis,
    utc,
)
from engine.metrics.catalog import money
from engine.metrics.trading import (
    drawdown_series,
    equity_curve,
    max_drawdown,
    rolling_win_rate_and_profit_factor,
)

Times = Sequence[datetime] | pd.DatetimeIndex | np.ndarray
Profits = Sequence[float] | np.ndarray
SERIES = tuple[Times, Profits]
GAP = timedelta(hours=36)  # longer than this without a closed trade: a weekend, missing data
MAX_POINTS = 4000


def thin(n: int, values: np.ndarray, *, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices that keep a long line's shape: each bucket's lowest and highest point, plus the
    ends (a 20,000-trade equity curve drawn with ~4,000 points looks the same). The buckets are
    `np.array_split`'s; ties keep the first index, as `argmin`/`argmax` do."""
    if n <= max_points:
        return np.arange(n)
    v = np.asarray(values, dtype=float)[:n]
    if np.isnan(v).any():  # argmin/argmax pick a nan: keep their answer exactly
        buckets = np.array_split(np.arange(n), max_points // 2)
        picked = [int(f(v[b])) + int(b[0]) for b in buckets for f in (np.argmin, np.argmax)]
        return np.unique([0, n - 1, *picked])
    k = max_points // 2
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bucket = np.repeat(np.arange(k), sizes)
    index = np.arange(n)
    lowest = np.lexsort((index, v, bucket))  # by bucket, then value, then index
    highest = np.lexsort((-index, v, bucket))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ends = np.cumsum(sizes) - 1
    return np.unique(np.concatenate([[0, n - 1], lowest[starts], highest[ends]]))


def _with_start(times: Times) -> np.ndarray:
    """The x of an equity-like curve (naive UTC): the first close time twice (start, then each
    trade)."""
    x = utc(times)
    return np.concatenate([x[:1], x])


def break_gaps(x: Any, y: Sequence[float], gap: timedelta) -> tuple[list[Any], list[float | None]]:
    """The curve with a None between consecutive points more than `gap` apart, so Plotly
    leaves the pause empty instead of drawing a straight line across it."""
    xs: list[Any] = []
    ys: list[float | None] = []
    previous = None
    for when, value in zip(pd.DatetimeIndex(x), y, strict=True):
        if previous is not None and when - previous > gap:
            xs.append(None)
            ys.append(None)
        xs.append(when)
        ys.append(float(value))
        previous = when
    return xs, ys


def equity_figure(
    curves: Mapping[str, SERIES],
    *,
    initial_equity: float,
    currency: str = "USD",
    colours: Mapping[str, str] | None = None,
    gap: timedelta | None = None,
    unbroken: Collection[str] = (),
) -> go.Figure:
    """Overlaid equity curves: account equity after each trade, by close time (UTC).

    Each curve is (close times, net profits) in time order; it starts at `initial_equity`
    at its first close time. With `gap`, a pause longer than that between two closed trades
    is drawn as a gap (not for the curves named in `unbroken`: one point per fold); `colours`
    (curve name -> colour) keeps a version's colour across charts.
    """
    fig = go.Figure()
    for name, (times, profits) in curves.items():
        if len(profits) == 0:
            continue
        equity = equity_curve(profits, initial_equity=initial_equity)
        x = _with_start(times)
        keep = thin(len(equity), equity)
        xs: Any = x[keep]
        ys: Any = equity[keep]
        if gap is not None and name not in unbroken:
            xs, ys = break_gaps(xs, ys, gap)
        line: dict[str, Any] = {"width": 2}
        if colours and name in colours:
            line["color"] = colours[name]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line=line))
    return layout(fig, "Equity curve", "trade close time (UTC)", f"equity ({currency})")


def equity_rules(
    fig: go.Figure, *, initial_equity: float, currency: str, times: Times
) -> go.Figure:
    """The account's equity chart as the Performance page draws it: the starting balance as
    a reference line, round money ticks, UTC times (the Leaderboard's comparison keeps its own)."""
    reference_line(fig, initial_equity, f"starting balance {money(initial_equity, currency)}")
    money_axis(fig, currency, "equity")
    return time_axis(fig, times, "trade close time (UTC)")


def shadow_equity_figure(
    curves: Mapping[str, SERIES],
    *,
    initial_equity: float,
    since: datetime | None = None,
    currency: str = "USD",
) -> go.Figure:
    """Paper-trading equity of shadowed versions (each from `initial_equity`); `since` marks
    where their common period starts, the one the edge test compares."""
    fig = equity_figure(curves, initial_equity=initial_equity, currency=currency)
    fig.update_layout(title="Shadow equity — paper trades on live bars")
    if since is not None:
        fig.add_vline(x=pd.Timestamp(since).timestamp() * 1000, line={"dash": "dot", "color": GREY})
    return fig


def drawdown_figure(
    times: Times,
    profits: Profits,
    *,
    initial_equity: float,
    currency: str = "USD",
) -> go.Figure:
    """Underwater curve in % of peak equity, with the max-drawdown episode shaded and marked."""
    fig = go.Figure()
    if len(profits) == 0:
        return layout(fig, "Drawdown", "trade close time (UTC)", "drawdown (% of peak equity)")
    equity = equity_curve(profits, initial_equity=initial_equity)
    peaks = np.maximum.accumulate(equity)
    safe = np.where(peaks > 0, peaks, np.nan)
    under = drawdown_series(equity) / safe * 100.0
    x = _with_start(times)
    keep = thin(len(under), under)
    fig.add_trace(
        go.Scatter(
            x=x[keep],
            y=under[keep],
            mode="lines",
            fill="tozeroy",
            name="drawdown",
            line={"color": RED, "width": 1.5},
        )
    )
    worst = max_drawdown(profits, initial_equity=initial_equity)
    if worst.amount > 0:
        end = worst.recovery_index if worst.recovery_index is not None else len(x) - 1
        fig.add_vrect(
            x0=pd.Timestamp(x[worst.peak_index]),
            x1=pd.Timestamp(x[end]),
            fillcolor=GOLD,
            opacity=0.15,
            line_width=0,
        )
        fig.add_trace(
            go.Scatter(
                x=x[worst.valley_index : worst.valley_index + 1],
                y=[under[worst.valley_index]],
                mode="markers",
                marker={"color": GOLD, "size": 11, "symbol": "x"},
                name=f"max drawdown {money(worst.amount, currency)} "
                f"({worst.percent:.1f} % of peak)",
            )
        )
    layout(fig, "Drawdown (underwater)", "trade close time (UTC)", "% of peak equity")
    fig.update_yaxes(ticksuffix=" %", hoverformat=".1f")
    return time_axis(fig, x, "trade close time (UTC)")


def in_sample_band(
    fig: go.Figure, training: tuple[datetime, datetime], shown: tuple[datetime, datetime]
) -> go.Figure:
    """Shade, on a chart over the `shown` period, the part inside the version's `training`
    window: results there are in-sample (the model has seen those bars)."""
    start, end = max(training[0], shown[0]), min(training[1], shown[1])
    if start < end:
        fig.add_vrect(
            x0=start,
            x1=end,
            fillcolor=RED,
            opacity=0.12,
            line_width=0,
            annotation_text="in-sample: the training window",
            annotation_position="top left",
        )
    return fig


def rolling_figure(
    times: Times, profits: Profits, *, window: int = 20, points: int = 300
) -> go.Figure:
    """Rolling win rate (%) and profit factor over the last `window` trades.

    Evaluated at up to `points` evenly spaced trades so long ledgers stay fast; an infinite
    profit factor (no losing trade in the window) is left as a gap.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    p = np.asarray(profits, dtype=float)
    x: Any = []
    if p.size >= window:
        ends = np.unique(np.linspace(window, p.size, min(points, p.size - window + 1)).astype(int))
        rates, factors = rolling_win_rate_and_profit_factor(p, window=window, ends=ends)
        x = utc(times)[ends - 1]
        fig.add_trace(
            go.Scatter(x=x, y=rates * 100.0, name=f"win rate, last {window} trades (%)"),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[float(f) if math.isfinite(f) else None for f in factors],
                name=f"profit factor, last {window} trades",
                line={"dash": "dot", "color": GOLD},
            ),
            row=2,
            col=1,
        )
    layout(fig, f"Rolling {window}-trade win rate and profit factor", "", "")
    fig.update_layout(height=520)
    percent_axis(fig, "win rate", full=True, row=1, col=1)
    reference_line(fig, 50.0, "win rate 50 %", row=1, col=1)
    fig.update_yaxes(
        title_text="profit factor", rangemode="tozero", hoverformat=".2f", row=2, col=1
    )
    reference_line(fig, 1.0, "profit factor 1: break-even", row=2, col=1)
    return time_axis(fig, x, "trade close time (UTC)", row=2, col=1)
