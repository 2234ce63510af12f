"""Regimes at every bar, from that bar and the bars before it only.

Rule-based by default (below); with ``detector: gmm`` the volatility state comes from a Gaussian
mixture fitted on earlier days' bars instead (`engine.regimes.mixture`).

* volatility: the bar's ATR (simple mean of the true range over ``atr_period`` bars) ranked
  among the last ``vol_lookback`` ATR values (its own included, ties at mid-rank): below
  ``low_percentile`` is low, above ``high_percentile`` high, else normal;
* trend: the least-squares slope of the last ``trend_window`` closes times ``trend_window - 1``
  (the fitted move), in units of ATR x sqrt(trend_window): beyond +-``trend_threshold`` the
  market trends up or down, else it ranges.

Every window is finite and computed on exactly its own bars (no running sums), so the regime at
bar t is the same from the whole series or from any tail that holds ``regime_warmup`` + 1 bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from engine.features._bars import BarArrays
from engine.regimes.settings import RegimeSettings

VOLATILITY = {-1: "low", 0: "normal", 1: "high"}
TREND = {-1: "down", 0: "range", 1: "up"}
_CHUNK = 8192  # rows ranked at once: bounds the (rows x vol_lookback) comparison block


@dataclass(frozen=True)
class Regimes:
    """Per bar: ATR percentile, trend score and the states they give (codes -1/0/1, NaN in the
    warm-up)."""

    atr_percentile: np.ndarray
    trend_score: np.ndarray
    volatility: np.ndarray
    trend: np.ndarray


def true_range(bars: BarArrays) -> np.ndarray:
    """High-low widened to the previous close; NaN on the first bar (no previous close)."""
    out = np.full_like(bars.close, np.nan)
    prev = bars.close[:-1]
    out[1:] = np.maximum(bars.high[1:], prev) - np.minimum(bars.low[1:], prev)
    return out


def trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of ``x[t-window+1 .. t]`` (NaN before a full window)."""
    out = np.full_like(x, np.nan)
    if len(x) >= window:
        out[window - 1 :] = sliding_window_view(x, window).mean(axis=1)
    return out


def trailing_percentile(x: np.ndarray, window: int) -> np.ndarray:
    """Mid-rank of ``x[t]`` among ``x[t-window+1 .. t]`` in (0, 1]; NaN if any is NaN."""
    out = np.full_like(x, np.nan)
    if len(x) < window:
        return out
    windows = sliding_window_view(x, window)
    for lo in range(0, len(windows), _CHUNK):
        block = windows[lo : lo + _CHUNK]
        current = block[:, -1:]
        below = (block < current).sum(axis=1)
        equal = (block == current).sum(axis=1)
        out[window - 1 + lo : window - 1 + lo + len(block)] = (below + (equal + 1) / 2) / window
    out[~np.isfinite(out)] = np.nan
    defined = trailing_mean(np.isfinite(x).astype(float), window) == 1.0
    out[~defined] = np.nan
    return out


def trailing_slope(x: np.ndarray, window: int) -> np.ndarray:
    """Least-squares slope per bar of ``x[t-window+1 .. t]`` (NaN before a full window)."""
    out = np.full_like(x, np.nan)
    if len(x) >= window:
        k = np.arange(window) - (window - 1) / 2
        weights = k / (k @ k)
        out[window - 1 :] = (sliding_window_view(x, window) * weights).sum(axis=1)
    return out


def _states(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """-1 below ``low``, 1 above ``high``, 0 between, NaN where the value is NaN."""
    out = np.where(values < low, -1.0, np.where(values > high, 1.0, 0.0))
    out[np.isnan(values)] = np.nan
    return out


def detect_regimes(bars: BarArrays, settings: RegimeSettings | None = None) -> Regimes:
    """Volatility and trend states of every bar, from past bars only."""
    s = settings or RegimeSettings()
    atr = trailing_mean(true_range(bars), s.atr_period)
    percentile = trailing_percentile(atr, s.vol_lookback)
    if s.detector == "gmm":
        from engine.regimes.mixture import mixture_volatility

        volatility = mixture_volatility(atr, bars.close, bars.secs, s)
    else:
        volatility = _states(percentile, s.low_percentile, s.high_percentile)
    move = trailing_slope(bars.close, s.trend_window) * (s.trend_window - 1)
    scale = atr * np.sqrt(s.trend_window)
    score = np.full_like(move, np.nan)
    np.divide(move, scale, out=score, where=scale > 0)
    score[(scale == 0) & np.isfinite(move)] = 0.0  # a flat market ranges
    return Regimes(
        atr_percentile=percentile,
        trend_score=score,
        volatility=volatility,
        trend=_states(score, -s.trend_threshold, s.trend_threshold),
    )


def regime_label(volatility: float, trend: float) -> str | None:
    """'high vol · up' and the like; None in the warm-up."""
    if np.isnan(volatility) or np.isnan(trend):
        return None
    return f"{VOLATILITY[int(volatility)]} vol · {TREND[int(trend)]}"


def state_labels(volatility: np.ndarray, trend: np.ndarray, by: str = "regime") -> np.ndarray:
    """Names of state codes as an object array: the combined ``regime_label`` ("high vol ·
    up"), or with ``by`` "volatility" / "trend" that state's name; None in the warm-up. One
    lookup per bar instead of one string built per bar (a Performance page labels 40,000)."""
    vol = np.asarray(volatility, dtype=float)
    tr = np.asarray(trend, dtype=float)
    known = (
        ~np.isnan(vol) & ~np.isnan(tr)
        if by == "regime"
        else ~np.isnan(vol if by == "volatility" else tr)
    )
    out = np.full(vol.shape, None, dtype=object)
    if by == "volatility":
        names = np.array([VOLATILITY[k] for k in (-1, 0, 1)], dtype=object)
        out[known] = names[vol[known].astype(int) + 1]
    elif by == "trend":
        names = np.array([TREND[k] for k in (-1, 0, 1)], dtype=object)
        out[known] = names[tr[known].astype(int) + 1]
    else:
        names = np.array(
            [f"{VOLATILITY[v]} vol · {TREND[t]}" for v in (-1, 0, 1) for t in (-1, 0, 1)],
            dtype=object,
        )
        out[known] = names[(vol[known].astype(int) + 1) * 3 + tr[known].astype(int) + 1]
    return out


def regime_frame(bars: pd.DataFrame, settings: RegimeSettings | None = None) -> pd.DataFrame:
    """Per bar (on ``bars.index``): time, atr_percentile, trend_score, volatility and trend
    names (None in the warm-up) and the combined ``regime`` label."""
    r = detect_regimes(BarArrays.from_frame(bars), settings)
    return pd.DataFrame(
        {
            "time": bars["time"].to_numpy(),
            "atr_percentile": r.atr_percentile,
            "trend_score": r.trend_score,
            "volatility": state_labels(r.volatility, r.trend, "volatility"),
            "trend": state_labels(r.volatility, r.trend, "trend"),
            "regime": state_labels(r.volatility, r.trend),
        },
        index=bars.index,
    )
