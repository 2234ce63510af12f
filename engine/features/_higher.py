"""Higher-timeframe context joined to each bar only once the higher bar has CLOSED.

Higher bars are built from the input bars: bins ``[T, T + H)`` aligned to the Unix epoch in UTC
(H1 at every hour, H4 at 00, 04, ... 20 UTC), close = the last input bar's close in the bin.

The join rule: a bar opening at ``s`` (timeframe ``L``) closes at ``s + L``; it may use the
higher bar ``[T, T + H)`` only if ``T + H <= s + L`` (the higher bar closed no later than this
bar). For M5 and H1: the M5 bar opening 10:50 (closing 10:55) sees the 09:00 H1 bar; the M5 bar
opening 10:55 (closing 11:00) is the first to see the 10:00 H1 bar. When input bars are missing at
the end of an hour, that hour is seen from the first bar opening at or after the hour's end. The
rule depends only on the clock, so no later bar can change what an earlier bar sees.

Columns (prefix = higher timeframe, e.g. ``h1_``): ``ret`` log return of the last closed higher
bar, ``rsi`` its RSI over higher bars, ``close_ema`` its close relative to an EMA of higher closes,
``gap`` this bar's close relative to the last closed higher close. The RSI and EMA are cut to
their windows of higher bars (`engine.features._window`), so they need ``higher_closes(spec)``
closed higher bars and no more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.data.timeframes import timeframe_seconds
from engine.features._bars import BarArrays, lagged_diff
from engine.features._window import decayed_mean, ema_alpha, rsi
from engine.features.names import higher_names
from engine.features.spec import FeatureSpec

Columns = dict[str, np.ndarray]


def higher_bars(secs: np.ndarray, close: np.ndarray, higher: int) -> tuple[np.ndarray, np.ndarray]:
    """Open times (epoch s) and closes of the higher bars that contain at least one input bar."""
    bins = secs - secs % higher
    last = np.flatnonzero(np.diff(bins) != 0)
    last = np.append(last, len(bins) - 1) if len(bins) else last
    return bins[last], close[last]


def visible_index(secs: np.ndarray, step: int, opens: np.ndarray, higher: int) -> np.ndarray:
    """For each bar, the index of the last higher bar closed by the bar's close (-1 if none)."""
    return np.searchsorted(opens, secs + step - higher, side="right") - 1


def _take(values: np.ndarray, index: np.ndarray, before: int) -> np.ndarray:
    """``values[index]``; NaN for the first ``before`` rows (those that see no higher bar yet)."""
    out = values[np.maximum(index, 0)] if len(values) else np.full(len(index), np.nan)
    out[:before] = np.nan
    return out


HigherValues = Callable[[np.ndarray, FeatureSpec], tuple[np.ndarray, np.ndarray]]


def windowed_values(closes: np.ndarray, spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray]:
    """RSI and close/EMA - 1 of the higher bars' closes, each cut to its window."""
    ema = decayed_mean(closes, ema_alpha(spec.htf_ema_period))
    return rsi(closes, spec.rsi_period), closes / ema - 1.0


def higher_context(
    bars: BarArrays,
    spec: FeatureSpec,
    timeframe: str,
    higher: str,
    *,
    values: HigherValues | None = None,
) -> Columns:
    """The higher-timeframe columns for every bar (NaN until enough higher bars have closed)."""
    h_secs = timeframe_seconds(higher)
    opens, closes = higher_bars(bars.secs, bars.close, h_secs)
    index = visible_index(bars.secs, timeframe_seconds(timeframe), opens, h_secs)
    rsi_values, close_ema_values = (values or windowed_values)(closes, spec)
    values_ = (lagged_diff(np.log(closes), 1), rsi_values, close_ema_values)
    before = int(np.searchsorted(index, 0))  # index is non-decreasing: -1 rows come first
    ret, rsi_name, close_ema, gap = higher_names(higher)
    return {
        ret: _take(values_[0], index, before),
        rsi_name: _take(values_[1], index, before),
        close_ema: _take(values_[2], index, before),
        gap: bars.close / _take(closes, index, before) - 1.0,
    }
