"""Price-based feature groups: returns, trend, momentum, volatility, bands, range and spread.

Every series is causal: TA-Lib indicators are recursive or trailing windows that start at the
first bar, and ratios never look at later bars. Ratios whose denominator is zero (a flat market)
take a neutral value instead of inf: 0.5 for positions inside a range, 1.0 for the volatility
ratio, 0.0 for the spread in ATR units.
"""

from __future__ import annotations

import numpy as np
import talib

from engine.features._bars import BarArrays, lagged_diff
from engine.features.spec import FeatureSpec

Columns = dict[str, np.ndarray]
POINT = 0.01  # dollars per spread point for XAUUSD


def ratio(num: np.ndarray, den: np.ndarray, fallback: float) -> np.ndarray:
    """``num / den`` with ``fallback`` where ``den == 0`` (NaN stays NaN)."""
    out = np.full_like(num, fallback)
    np.divide(num, den, out=out, where=den != 0)
    return out


def returns(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Log returns of the close over each lag."""
    return {f"ret_{lag}": lagged_diff(bars.log_close, lag) for lag in spec.return_lags}


def trend(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Close relative to each EMA, the fastest EMA relative to the slowest, and ADX."""
    emas = {p: talib.EMA(bars.close, timeperiod=p) for p in spec.ema_periods}
    out = {f"close_ema_{p}": bars.close / ema - 1.0 for p, ema in emas.items()}
    if len(emas) > 1:
        fast, slow = min(emas), max(emas)
        out[f"ema_{fast}_{slow}"] = emas[fast] / emas[slow] - 1.0
    adx = talib.ADX(bars.high, bars.low, bars.close, timeperiod=spec.adx_period)
    out[f"adx_{spec.adx_period}"] = adx
    return out


def momentum(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """RSI, MACD line/signal/histogram divided by the close, stochastic %K and %D."""
    c = bars.close
    macd, signal, hist = talib.MACD(c, spec.macd_fast, spec.macd_slow, spec.macd_signal)
    k, d = talib.STOCH(
        bars.high,
        bars.low,
        c,
        fastk_period=spec.stoch_k,
        slowk_period=spec.stoch_d,
        slowk_matype=talib.MA_Type.SMA,
        slowd_period=spec.stoch_d,
        slowd_matype=talib.MA_Type.SMA,
    )
    return {
        f"rsi_{spec.rsi_period}": talib.RSI(c, timeperiod=spec.rsi_period),
        "macd": macd / c,
        "macd_signal": signal / c,
        "macd_hist": hist / c,
        "stoch_k": k,
        "stoch_d": d,
    }


def volatility(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """ATR (dollars), NATR (% of close), rolling std of log returns and short/long ratio."""
    p = spec.atr_period
    out = {
        f"atr_{p}": bars.atr(p),
        f"natr_{p}": talib.NATR(bars.high, bars.low, bars.close, timeperiod=p),
    }
    vols = {w: talib.STDDEV(bars.log_return, timeperiod=w, nbdev=1.0) for w in spec.vol_windows}
    out.update({f"vol_{w}": v for w, v in vols.items()})
    if len(vols) > 1:
        out["vol_ratio"] = ratio(vols[min(vols)], vols[max(vols)], 1.0)
    return out


def bands(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Bollinger %B (0 at the lower band, 1 at the upper) and band width relative to the middle."""
    upper, middle, lower = talib.BBANDS(
        bars.close, spec.bb_period, spec.bb_std, spec.bb_std, matype=talib.MA_Type.SMA
    )
    width = upper - lower
    return {"bb_pos": ratio(bars.close - lower, width, 0.5), "bb_width": width / middle}


def price_range(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Close's place in the last ``range_window`` bars' high-low range (0 low, 1 high); width."""
    high = talib.MAX(bars.high, timeperiod=spec.range_window)
    low = talib.MIN(bars.low, timeperiod=spec.range_window)
    span = high - low
    return {"range_pos": ratio(bars.close - low, span, 0.5), "range_width": span / bars.close}


def filled_spread(points: np.ndarray) -> np.ndarray:
    """Spread in points with gaps filled causally: last known value, 0 before the first one."""
    missing = np.isnan(points)
    if not missing.any():
        return points
    last = np.where(missing, 0, np.arange(len(points)))
    np.maximum.accumulate(last, out=last)
    filled = points[last]
    filled[np.isnan(filled)] = 0.0
    return filled


def spread(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Spread (points x $0.01) in units of the ATR."""
    dollars = filled_spread(bars.spread_points) * POINT
    return {"spread_atr": ratio(dollars, bars.atr(spec.atr_period), 0.0)}
