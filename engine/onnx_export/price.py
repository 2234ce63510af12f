"""Price feature groups as graph nodes, line for line the desk's `engine.features._price`.

Each function gets the group's own window of bars (the desk computes a group on the last
``group_history`` bars: so does the graph) and returns its columns as [batch, 1] tensors.
"""

from __future__ import annotations

from engine.features._price import POINT, spread_fill_bars
from engine.features._window import decay_span, ema_alpha, wilder_alpha
from engine.features.spec import FeatureSpec
from engine.onnx_export.graph import DOUBLE, Graph
from engine.onnx_export.series import (
    Series,
    Window,
    atr,
    decayed,
    diff,
    last,
    log_of,
    moments,
    rsi,
    tail,
    trailing_extreme,
    trailing_mean,
)

Columns = dict[str, str]


def returns(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Log returns of the close over each lag."""
    logs = log_of(g, tail(g, w.close, max(spec.return_lags) + 1))
    newest = last(g, logs)
    return {
        f"ret_{lag}": g.sub(newest, g.col(logs.name, logs.length - 1 - lag))
        for lag in spec.return_lags
    }


def trend(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Close relative to each EMA, the fastest EMA relative to the slowest, and ADX."""
    close = last(g, w.close)
    one = g.num(1.0)
    emas = {p: decayed(g, w.close, ema_alpha(p)).name for p in spec.ema_periods}
    out = {f"close_ema_{p}": g.sub(g.div(close, ema), one) for p, ema in emas.items()}
    if len(emas) > 1:
        fast, slow = min(emas), max(emas)
        out[f"ema_{fast}_{slow}"] = g.sub(g.div(emas[fast], emas[slow]), one)
    out[f"adx_{spec.adx_period}"] = adx(g, w, spec.adx_period)
    return out


def adx(g: Graph, w: Window, period: int) -> str:
    """Wilder's ADX: directional moves over ``2 * decay_span - 1`` bars, their averages at the
    last ``decay_span`` bars, the DX there and its average."""
    alpha = wilder_alpha(period)
    span = decay_span(alpha)
    moves = 2 * span - 1
    up = diff(g, tail(g, w.high, moves + 1)).name
    down = g.op("Neg", diff(g, tail(g, w.low, moves + 1)).name)
    zero = g.num(0.0)

    def directional(a: str, b: str) -> Series:
        wins = g.op("And", g.op("Greater", a, b), g.op("Greater", a, zero))
        return Series(g.where(wins, a, zero), moves)

    plus = decayed(g, directional(up, down), alpha, span).name
    minus = decayed(g, directional(down, up), alpha, span).name
    spread = g.op("Abs", g.sub(plus, minus))
    dx = g.mul(g.num(100.0), g.ratio(spread, g.add(plus, minus), 0.0))
    return decayed(g, Series(dx, span), alpha).name


def momentum(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """RSI, MACD line/signal/histogram divided by the close, stochastic %K and %D."""
    close = last(g, w.close)
    signal_span = decay_span(ema_alpha(spec.macd_signal))
    fast = decayed(g, w.close, ema_alpha(spec.macd_fast), signal_span).name
    slow = decayed(g, w.close, ema_alpha(spec.macd_slow), signal_span).name
    macd_series = Series(g.sub(fast, slow), signal_span)
    macd = last(g, macd_series)
    signal = decayed(g, macd_series, ema_alpha(spec.macd_signal)).name
    k, d = stochastic(g, w, spec.stoch_k, spec.stoch_d)
    return {
        f"rsi_{spec.rsi_period}": rsi(g, w.close, spec.rsi_period),
        "macd": g.div(macd, close),
        "macd_signal": g.div(signal, close),
        "macd_hist": g.div(g.sub(macd, signal), close),
        "stoch_k": k,
        "stoch_d": d,
    }


def stochastic(g: Graph, w: Window, k_bars: int, d_bars: int) -> tuple[str, str]:
    """%K (fast %K averaged over ``d_bars``) and %D (%K averaged again), last bar."""
    points = 2 * d_bars - 1  # fast %K values the last %D needs
    highest = trailing_extreme(g, w.high, k_bars, "ReduceMax", points).name
    lowest = trailing_extreme(g, w.low, k_bars, "ReduceMin", points).name
    close = tail(g, w.close, points).name
    fast = g.ratio(g.sub(close, lowest), g.sub(highest, lowest), 0.0)
    fast_k = Series(g.mul(g.num(100.0), fast), points)
    k = trailing_mean(g, fast_k, d_bars, d_bars)
    return last(g, k), trailing_mean(g, k, d_bars).name


def volatility(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """ATR (dollars), NATR (% of close), deviation of log returns and short/long ratio."""
    p = spec.atr_period
    close = last(g, w.close)
    atr_p = atr(g, w, p)
    out = {f"atr_{p}": atr_p, f"natr_{p}": g.div(g.mul(g.num(100.0), atr_p), close)}
    log_returns = diff(g, log_of(g, tail(g, w.close, max(spec.vol_windows) + 1)))
    vols = {v: moments(g, log_returns, v)[1] for v in spec.vol_windows}
    out.update({f"vol_{v}": value for v, value in vols.items()})
    if len(vols) > 1:
        out["vol_ratio"] = g.ratio(vols[min(vols)], vols[max(vols)], 1.0)
    return out


def bands(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Bollinger %B and band width relative to the middle."""
    close = last(g, w.close)
    middle, std = moments(g, w.close, spec.bb_period)
    width = g.mul(g.num(2.0 * spec.bb_std), std)
    lower = g.sub(middle, g.div(width, g.num(2.0)))
    return {
        "bb_pos": g.ratio(g.sub(close, lower), width, 0.5),
        "bb_width": g.div(width, middle),
    }


def price_range(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Close's place in the last ``range_window`` bars' high-low range, and its width."""
    close = last(g, w.close)
    high = trailing_extreme(g, w.high, spec.range_window, "ReduceMax").name
    low = trailing_extreme(g, w.low, spec.range_window, "ReduceMin").name
    span = g.sub(high, low)
    return {"range_pos": g.ratio(g.sub(close, low), span, 0.5), "range_width": g.div(span, close)}


def spread(g: Graph, w: Window, spec: FeatureSpec) -> Columns:
    """Spread (points x $0.01) in units of the ATR; a missing spread is the last one known at
    most ``spread_fill_bars`` bars before (else 0), as the desk's `filled_spread`."""
    dollars = g.mul(filled_last_spread(g, w.spread, spread_fill_bars(spec)), g.num(POINT))
    return {"spread_atr": g.ratio(dollars, atr(g, w, spec.atr_period), 0.0)}


def filled_last_spread(g: Graph, points: Series, within: int) -> str:
    """The last bar's spread in points, or the newest known one at most ``within`` bars
    before, or 0."""
    part = tail(g, points, within + 1)
    known = g.op("Not", g.op("IsNaN", part.name))
    places = g.const([list(range(1, part.length + 1))])
    newest = g.max_cols(g.where(known, places, g.num(0.0)))
    pick = g.cast(g.op("And", known, g.op("Equal", places, newest)), DOUBLE)
    values = g.where(known, part.name, g.num(0.0))
    return g.sum_cols(g.mul(values, pick))
