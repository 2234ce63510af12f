"""Indicators computed on exactly their own window of bars, so a bar's value never depends on
how much history came before that window.

A recursive indicator (EMA, Wilder's smoothing in RSI, ATR and ADX) normally weighs every bar
since the series began, so its value at a bar moves with the length of the history it is given.
Here each exponential average is cut to a finite window: the weights ``(1 - alpha)^k`` of the
last ``decay_span(alpha)`` values, scaled to sum to one, where the weights left out would sum to
less than ``TAIL`` (1 %) of the whole. The average is then a fixed convolution (the same numbers
in the same order for one bar, whatever came before), so training on a long series and serving
from the last N bars give the same value, and an export can compute it as a 1-D convolution.
Simple windows (means, standard deviations) are computed on their own values, no running sums.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import talib

from engine.features._decay import TAIL as TAIL  # re-exported: the indicators' own names
from engine.features._decay import decay_span as decay_span
from engine.features._decay import ema_alpha as ema_alpha
from engine.features._decay import wilder_alpha as wilder_alpha

_CHUNK = 8192  # rows of a sliding window computed at once (bounds the temporary block)


def sliding_window_view(x: np.ndarray, window: int) -> np.ndarray:
    """Read-only (len - window + 1, window) view of the windows ending at each bar (numpy's own
    `sliding_window_view` without its argument checks: this runs on every signal)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    view = np.ndarray(
        (len(x) - window + 1, window), np.float64, buffer=x, strides=(8, 8)
    )  # x must stay alive: the view holds it as its base
    view.flags.writeable = False
    return view


@cache
def _weights(alpha: float) -> np.ndarray:
    """Convolution kernel: the newest value's weight first."""
    kernel = (1.0 - alpha) ** np.arange(decay_span(alpha), dtype=np.float64)
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def decayed_mean(x: np.ndarray, alpha: float) -> np.ndarray:
    """Exponentially weighted mean of the last ``decay_span(alpha)`` values at every bar; NaN
    before a full window and wherever the window holds a NaN."""
    kernel = _weights(alpha)
    out = np.full(len(x), np.nan)
    if len(x) >= len(kernel):
        out[len(kernel) - 1 :] = np.convolve(x, kernel, mode="valid")
    return out


@cache
def _ones(window: int) -> np.ndarray:
    ones = np.ones(window)
    ones.setflags(write=False)
    return ones


def trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of ``x[t-window+1 .. t]`` (NaN before a full window): the window's sum, divided."""
    out = np.full(len(x), np.nan)
    if len(x) >= window:
        out[window - 1 :] = np.convolve(x, _ones(window), mode="valid") / window
    return out


def trailing_moments(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population standard deviation of ``x[t-window+1 .. t]`` (NaN before a full
    window), from each window's own values measured from its last one: exact for a flat
    window (deviation 0, mean = that value) and free of the cancellation that sums of squares
    of raw prices suffer."""
    mean, std = np.full(len(x), np.nan), np.full(len(x), np.nan)
    if len(x) < window:
        return mean, std
    view = sliding_window_view(x, window)
    for lo in range(0, len(view), _CHUNK):
        block = view[lo : lo + _CHUNK]
        last = block[:, -1]
        offset = block - last[:, None]
        shift = offset.sum(axis=1) / window  # row by row: the same sum in a short window
        np.multiply(offset, offset, out=offset)
        spread = np.maximum(offset.sum(axis=1) / window - shift * shift, 0.0)
        rows = slice(window - 1 + lo, window - 1 + lo + len(block))
        mean[rows], std[rows] = last + shift, np.sqrt(spread)
    return mean, std


def trailing_std(x: np.ndarray, window: int) -> np.ndarray:
    """Population standard deviation of ``x[t-window+1 .. t]`` (see `trailing_moments`)."""
    return trailing_moments(x, window)[1]


def trailing_max(x: np.ndarray, window: int) -> np.ndarray:
    """Highest of ``x[t-window+1 .. t]`` (NaN before a full window); exact, as any maximum."""
    if window == 1:
        return np.array(x, dtype=np.float64)
    if len(x) < window:
        return np.full(len(x), np.nan)
    return np.asarray(talib.MAX(np.ascontiguousarray(x, dtype=np.float64), timeperiod=window))


def trailing_min(x: np.ndarray, window: int) -> np.ndarray:
    """Lowest of ``x[t-window+1 .. t]`` (NaN before a full window); exact, as any minimum."""
    if window == 1:
        return np.array(x, dtype=np.float64)
    if len(x) < window:
        return np.full(len(x), np.nan)
    return np.asarray(talib.MIN(np.ascontiguousarray(x, dtype=np.float64), timeperiod=window))


def ratio(num: np.ndarray, den: np.ndarray, fallback: float) -> np.ndarray:
    """``num / den`` with ``fallback`` where ``den == 0`` (NaN stays NaN)."""
    out = np.full_like(num, fallback)
    np.divide(num, den, out=out, where=den != 0)
    return out


def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """High-low widened to the previous close; NaN on the first bar (no previous close)."""
    out = np.full_like(close, np.nan)
    prev = close[:-1]
    out[1:] = np.maximum(high[1:], prev) - np.minimum(low[1:], prev)
    return out


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Wilder's average true range, cut to its window (``decay_span + 1`` bars)."""
    return decayed_mean(true_range(high, low, close), wilder_alpha(period))


def rsi(close: np.ndarray, period: int) -> np.ndarray:
    """Wilder's RSI (0-100) of the last ``decay_span + 1`` closes; 0 when nothing moved (as
    TA-Lib)."""
    move = np.full_like(close, np.nan)
    move[1:] = np.diff(close)
    alpha = wilder_alpha(period)
    gain = decayed_mean(np.maximum(move, 0.0), alpha)
    loss = decayed_mean(np.maximum(-move, 0.0), alpha)
    return 100.0 * ratio(gain, gain + loss, 0.0)


def adx(high: np.ndarray, low: np.ndarray, period: int) -> np.ndarray:
    """Wilder's ADX (0-100): the smoothed directional index, each average cut to its window
    (``2 * decay_span`` bars in all). The true range cancels out of the DX, so it is not used."""
    up = np.full_like(high, np.nan)
    down = np.full_like(high, np.nan)
    up[1:], down[1:] = np.diff(high), -np.diff(low)
    plus = np.where((up > down) & (up > 0), up, 0.0)
    minus = np.where((down > up) & (down > 0), down, 0.0)
    plus[:1] = minus[:1] = np.nan  # no previous bar
    alpha = wilder_alpha(period)
    plus_avg, minus_avg = decayed_mean(plus, alpha), decayed_mean(minus, alpha)
    dx = 100.0 * ratio(np.abs(plus_avg - minus_avg), plus_avg + minus_avg, 0.0)
    return decayed_mean(dx, alpha)
