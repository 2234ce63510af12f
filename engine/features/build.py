"""Build the model features from a bars frame: causal, vectorised, float64, one row per bar.

The value at bar t uses only bars 0..t (bar t's own close included), so a model can act at the
close of bar t. Rows before ``warmup_bars(spec, timeframe)`` may be NaN; later rows are defined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from engine.data.timeframes import timeframe_seconds
from engine.features import _calendar, _price
from engine.features._bars import BarArrays
from engine.features._higher import higher_context
from engine.features.names import feature_names, group_names
from engine.features.spec import GROUPS, REGIME_FEATURE_SETTINGS, FeatureSpec, higher_timeframe_for
from engine.regimes.detect import detect_regimes

__all__ = ["build_features", "feature_names", "latest_features"]

Columns = dict[str, np.ndarray]
_GROUP_BUILDERS: dict[str, Callable[[BarArrays, FeatureSpec], Columns]] = {
    "returns": _price.returns,
    "trend": _price.trend,
    "momentum": _price.momentum,
    "volatility": _price.volatility,
    "bands": _price.bands,
    "range": _price.price_range,
    "spread": _price.spread,
    "time": _calendar.time_of_week,
    "session": _calendar.session,
    "regime": lambda bars, spec: regime_columns(bars),
}


def build_features(bars: pd.DataFrame, spec: FeatureSpec, *, timeframe: str) -> pd.DataFrame:
    """Feature frame on ``bars.index``, columns ``feature_names(spec, timeframe)``, float64."""
    timeframe_seconds(timeframe)  # refuse unknown timeframes early
    arrays = BarArrays.from_frame(bars)
    names = feature_names(spec, timeframe)
    block = np.empty((len(names), len(bars)), dtype=np.float64)
    for row, column in enumerate(_columns(arrays, spec, timeframe)):
        block[row] = column
    return pd.DataFrame(block.T, index=bars.index, columns=names, copy=False)


def latest_features(arrays: BarArrays, spec: FeatureSpec, *, timeframe: str) -> np.ndarray:
    """The last bar's features as one (1, n) row: ``build_features(...).iloc[[-1]]`` of the same
    bars, value for value, without building the frame (the signal path's hot loop)."""
    timeframe_seconds(timeframe)
    return np.array([[column[-1] for column in _columns(arrays, spec, timeframe)]])


def regime_columns(bars: BarArrays) -> Columns:
    """Volatility and trend states (-1, 0, 1) and the ATR percentile, standard settings."""
    r = detect_regimes(bars, REGIME_FEATURE_SETTINGS)
    return {"regime_vol": r.volatility, "regime_trend": r.trend, "regime_atr_pct": r.atr_percentile}


def _columns(arrays: BarArrays, spec: FeatureSpec, timeframe: str) -> Iterator[np.ndarray]:
    """Every feature column in ``feature_names`` order."""
    for group in GROUPS:
        if group not in spec.groups:
            continue
        columns = _group_columns(arrays, spec, group, timeframe)
        for name in group_names(spec, group, timeframe):
            yield columns[name]


def _group_columns(bars: BarArrays, spec: FeatureSpec, group: str, timeframe: str) -> Columns:
    """Compute one group's columns (empty for higher_tf when it does not apply)."""
    if group != "higher_tf":
        return _GROUP_BUILDERS[group](bars, spec)
    higher = higher_timeframe_for(spec, timeframe)
    return {} if higher is None else higher_context(bars, spec, timeframe, higher)
