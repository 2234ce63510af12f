"""Price-based feature groups: returns, trend, momentum, volatility, bands, range and spread.

Every series is causal and computed on a fixed window of bars (`engine.features._window`):
exponential averages are cut to their window, simple windows use their own values only, so a
bar's features are the same whatever history precedes the window. Ratios whose denominator is
zero (a flat market) take a neutral value instead of inf: 0.5 for positions inside a range, 1.0
for the volatility ratio, 0.0 for the spread in ATR units (and, as TA-Lib, for RSI and %K).
"""

from __future__ import annotations

import numpy as np

from engine.features._bars import BarArrays, lagged_diff
from engine.features._window import (
    adx,
    decay_span,
    decayed_mean,
    ema_alpha,
    ratio,
    rsi,
    trailing_max,
    trailing_mean,
    trailing_min,
    trailing_moments,
    trailing_std,
    wilder_alpha,
)
from engine.features.spec import FeatureSpec

Columns = dict[str, np.ndarray]
POINT = 0.01  # dollars per spread point for XAUUSD


def returns(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Log returns of the close over each lag."""
    return {f"ret_{lag}": lagged_diff(bars.log_close, lag) for lag in spec.return_lags}


def trend(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Close relative to each EMA, the fastest EMA relative to the slowest, and ADX."""
    emas = {p: decayed_mean(bars.close, ema_alpha(p)) for p in spec.ema_periods}
    out = {f"close_ema_{p}": bars.close / ema - 1.0 for p, ema in emas.items()}
    if len(emas) > 1:
        fast, slow = min(emas), max(emas)
        out[f"ema_{fast}_{slow}"] = emas[fast] / emas[slow] - 1.0
    out[f"adx_{spec.adx_period}"] = adx(bars.high, bars.low, spec.adx_period)
    return out


def momentum(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """RSI, MACD line/signal/histogram divided by the close, stochastic %K and %D."""
    c = bars.close
    macd = decayed_mean(c, ema_alpha(spec.macd_fast)) - decayed_mean(c, ema_alpha(spec.macd_slow))
    signal = decayed_mean(macd, ema_alpha(spec.macd_signal))
    highest = trailing_max(bars.high, spec.stoch_k)
    lowest = trailing_min(bars.low, spec.stoch_k)
    fast_k = 100.0 * ratio(c - lowest, highest - lowest, 0.0)
    k = trailing_mean(fast_k, spec.stoch_d)
    return {
        f"rsi_{spec.rsi_period}": rsi(c, spec.rsi_period),
        "macd": macd / c,
        "macd_signal": signal / c,
        "macd_hist": (macd - signal) / c,
        "stoch_k": k,
        "stoch_d": trailing_mean(k, spec.stoch_d),
    }


def volatility(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """ATR (dollars), NATR (% of close), rolling std of log returns and short/long ratio."""
    p = spec.atr_period
    out = {f"atr_{p}": bars.atr(p), f"natr_{p}": 100.0 * bars.atr(p) / bars.close}
    vols = {w: trailing_std(bars.log_return, w) for w in spec.vol_windows}
    out.update({f"vol_{w}": v for w, v in vols.items()})
    if len(vols) > 1:
        out["vol_ratio"] = ratio(vols[min(vols)], vols[max(vols)], 1.0)
    return out


def bands(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Bollinger %B (0 at the lower band, 1 at the upper) and band width relative to the middle."""
    middle, std = trailing_moments(bars.close, spec.bb_period)
    width = 2.0 * spec.bb_std * std
    lower = middle - width / 2.0
    return {"bb_pos": ratio(bars.close - lower, width, 0.5), "bb_width": width / middle}


def price_range(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Close's place in the last ``range_window`` bars' high-low range (0 low, 1 high); width."""
    high = trailing_max(bars.high, spec.range_window)
    low = trailing_min(bars.low, spec.range_window)
    span = high - low
    return {"range_pos": ratio(bars.close - low, span, 0.5), "range_width": span / bars.close}


def filled_spread(points: np.ndarray, within: int) -> np.ndarray:
    """Spread in points with gaps filled causally: the last value known at most ``within`` bars
    before, else 0 (so a bar's value stays inside its window)."""
    missing = np.isnan(points)
    if not missing.any():
        return points
    here = np.arange(len(points))
    last = np.where(missing, -1, here)
    np.maximum.accumulate(last, out=last)
    known = (last >= 0) & (here - last <= within)
    return np.where(known, points[np.maximum(last, 0)], 0.0)


def spread_fill_bars(spec: FeatureSpec) -> int:
    """How far back a missing spread looks for a known one: the ATR's window."""
    return decay_span(wilder_alpha(spec.atr_period))


def spread(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Spread (points x $0.01) in units of the ATR."""
    dollars = filled_spread(bars.spread_points, spread_fill_bars(spec)) * POINT
    return {"spread_atr": ratio(dollars, bars.atr(spec.atr_period), 0.0)}
