"""Calendar, session, higher-timeframe and regime groups as graph nodes, as the desk computes
them (`engine.features._calendar`, `_higher`, `engine.regimes.detect`).

Times are the bars' open times in UTC epoch seconds (int64 inside the graph).
"""

from __future__ import annotations

import math

import numpy as np

from engine.data.timeframes import timeframe_seconds
from engine.features._calendar import DAY, _circle, _session_table
from engine.features._window import ema_alpha
from engine.features.names import SESSIONS, higher_names
from engine.features.spec import REGIME_FEATURE_SETTINGS, FeatureSpec, higher_closes
from engine.onnx_export.graph import DOUBLE, INT64, Graph
from engine.onnx_export.series import (
    Series,
    Window,
    decayed,
    diff,
    last,
    log_of,
    pairwise_sum,
    rsi,
    tail,
    true_range,
)

Columns = dict[str, str]


def time_of_week(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Second of the day and day of the week on circles (Monday = 0), gathered from the desk's
    own tables (bit for bit its values; and onnxruntime 1.14/1.15, MetaTrader 5's, has no
    float64 Cos kernel)."""
    secs = last(g, w.secs)
    day = g.op("Div", secs, g.const(DAY, np.int64))
    second = g.op("Mod", secs, g.const(DAY, np.int64))
    dow = g.op("Mod", g.add(day, g.const(3, np.int64)), g.const(7, np.int64))
    day_sin, day_cos = _circle(DAY)
    week_sin, week_cos = _circle(7)
    return {
        "tod_sin": g.op("Gather", g.const(day_sin), second, axis=0),
        "tod_cos": g.op("Gather", g.const(day_cos), second, axis=0),
        "dow_sin": g.op("Gather", g.const(week_sin), dow, axis=0),
        "dow_cos": g.op("Gather", g.const(week_cos), dow, axis=0),
    }


def session(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """One-hot trading session of the bar's open hour (UTC), from the desk's own table."""
    secs = last(g, w.secs)
    hour = g.op("Div", g.op("Mod", secs, g.const(DAY, np.int64)), g.const(3600, np.int64))
    flags = g.op("Gather", g.const(_session_table().T), hour, axis=0)  # [batch, 1, sessions]
    flat = g.op("Reshape", flags, g.ints(-1, len(SESSIONS)))
    return {f"session_{name}": g.col(flat, i) for i, name in enumerate(SESSIONS)}


def higher_context(
    g: Graph, w: Window, spec: FeatureSpec, timeframe: str, higher: str, bars: int
) -> tuple[Columns, str]:
    """The higher-timeframe columns from the group's window of ``bars`` bars, and a [batch, 1]
    flag: enough higher bars closed in that window for every column to be defined.

    Higher bars are the UTC bins of the window's bars; the visible ones closed no later than
    the last bar. Their last ``higher_closes`` closes are picked by rank from the newest (a
    one-hot MatMul: one close times one, the rest times zero, so each value is exact)."""
    step, span = timeframe_seconds(timeframe), timeframe_seconds(higher)
    secs, close = tail(g, w.secs, bars).name, tail(g, w.close, bars)
    bins = g.sub(secs, g.op("Mod", secs, g.const(span, np.int64)))
    later = g.cols(bins, 1, bars)
    final = g.col(bins, bars - 1)
    ends = g.concat(
        [g.op("Not", g.op("Equal", g.cols(bins, 0, bars - 1), later)), g.op("Equal", final, final)]
    )  # fmt: skip  (the last bar ends its bin)
    newest_open = g.sub(g.add(last(g, Series(secs, bars)), g.const(step, np.int64)),
                        g.const(span, np.int64))  # fmt: skip
    visible = g.op("And", ends, g.op("Not", g.op("Greater", bins, newest_open)))
    flags = g.cast(visible, INT64)
    rank = g.op("CumSum", flags, g.const(1, np.int64), reverse=1)
    need = higher_closes(spec)
    count = g.op("ReduceSum", flags, g.ints(1), keepdims=1)
    enough = g.op("Not", g.op("Less", count, g.const(need, np.int64)))
    order = g.const(np.arange(need, 0, -1), np.int64)  # oldest first, newest last
    pick = g.op("And", g.op("Unsqueeze", visible, g.ints(2)),
                g.op("Equal", g.op("Unsqueeze", rank, g.ints(2)), order))  # fmt: skip
    row = g.op("Unsqueeze", close.name, g.ints(1))
    picked = g.op("MatMul", row, g.cast(pick, DOUBLE))
    closes = Series(g.op("Squeeze", picked, g.ints(1)), need)
    ret, rsi_name, close_ema, gap = higher_names(higher)
    newest = last(g, closes)
    logs = log_of(g, tail(g, closes, 2))
    ema = decayed(g, closes, ema_alpha(spec.htf_ema_period)).name
    one = g.num(1.0)
    columns = {
        ret: diff(g, logs).name,
        rsi_name: rsi(g, closes, spec.rsi_period),
        close_ema: g.sub(g.div(newest, ema), one),
        gap: g.sub(g.div(last(g, close), newest), one),
    }
    return columns, enough


def regime(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Volatility and trend states and the ATR percentile with the standard settings
    (`REGIME_FEATURE_SETTINGS`, rule-based): sums in numpy's order, so tied ATRs rank as the
    desk ranks them."""
    s = REGIME_FEATURE_SETTINGS
    lookback, period = s.vol_lookback, s.atr_period
    ranges = true_range(g, w.high, w.low, w.close, lookback + period - 1)
    atr = _rolling_means(g, ranges, period, lookback)
    current = g.col(atr, lookback - 1)
    below = g.cast(g.sum_cols(g.cast(g.op("Less", atr, current), INT64)), DOUBLE)
    equal = g.cast(g.sum_cols(g.cast(g.op("Equal", atr, current), INT64)), DOUBLE)
    half = g.div(g.add(equal, g.num(1.0)), g.num(2.0))
    percentile = g.div(g.add(below, half), g.num(float(lookback)))
    move = g.mul(_slope(g, w.close, s.trend_window), g.num(float(s.trend_window - 1)))
    scale = g.mul(current, g.num(math.sqrt(s.trend_window)))
    positive = g.op("Greater", scale, g.num(0.0))
    safe = g.where(positive, scale, g.num(1.0))
    score = g.where(positive, g.div(move, safe), g.num(0.0))
    return {
        "regime_vol": _states(g, percentile, s.low_percentile, s.high_percentile),
        "regime_trend": _states(g, score, -s.trend_threshold, s.trend_threshold),
        "regime_atr_pct": percentile,
    }


def _rolling_means(g: Graph, x: Series, window: int, outputs: int) -> str:
    """[batch, outputs] means of the windows ending at the last ``outputs`` values, each sum in
    numpy's pairwise order (as ``sliding_window_view(x, window).mean(axis=1)``)."""
    columns = [g.cols(x.name, i, i + outputs) for i in range(window)]
    return g.div(pairwise_sum(g, columns), g.num(float(window)))


def _slope(g: Graph, close: Series, window: int) -> str:
    """Least-squares slope of the last ``window`` closes (weights times values, summed in
    numpy's order)."""
    k = np.arange(window) - (window - 1) / 2
    weights = k / (k @ k)
    part = tail(g, close, window).name
    products = g.mul(part, g.const([weights]))
    return pairwise_sum(g, [g.col(products, i) for i in range(window)])


def _states(g: Graph, values: str, low: float, high: float) -> str:
    """-1 below ``low``, 1 above ``high``, 0 between."""
    down = g.op("Less", values, g.num(low))
    up = g.op("Greater", values, g.num(high))
    return g.where(down, g.num(-1.0), g.where(up, g.num(1.0), g.num(0.0)))
