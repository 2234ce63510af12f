"""Build the model features from a bars frame: causal, vectorised, float64, one row per bar.

The value at bar t uses only the fixed window of ``history_bars(spec, timeframe)`` bars ending
at t (bar t's own close included), so a model can act at the close of bar t and more history
never changes it. Rows before ``warmup_bars(spec, timeframe)`` may be NaN; later rows are
defined. A version trained before fixed windows is rebuilt with round one's definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.data.timeframes import timeframe_seconds
from engine.features import _calendar, _legacy, _price
from engine.features._bars import BarArrays
from engine.features._higher import higher_context
from engine.features.history import SignalHistory, signal_history, signal_window
from engine.features.names import feature_names, group_names
from engine.features.spec import (
    GROUPS,
    REGIME_FEATURE_SETTINGS,
    FeatureSpec,
    group_history,
    higher_timeframe_for,
)
from engine.regimes.detect import detect_regimes

__all__ = [
    "FeaturePlan",
    "SignalHistory",
    "build_features",
    "feature_names",
    "feature_plan",
    "latest_features",
    "signal_history",
    "signal_window",
]

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
    plan = feature_plan(spec, timeframe)
    arrays = BarArrays.from_frame(bars)
    names = feature_names(spec, timeframe)
    block = np.empty((len(names), len(bars)), dtype=np.float64)
    for row, column in enumerate(_columns(arrays, plan)):
        block[row] = column
    return pd.DataFrame(block.T, index=bars.index, columns=names, copy=False)


@dataclass(frozen=True)
class FeaturePlan:
    """What building one spec's features on one timeframe takes, worked out once: per chosen
    group (canonical order) its window of bars and its columns, and the definition in use."""

    spec: FeatureSpec
    timeframe: str
    groups: tuple[tuple[str, int, tuple[str, ...]], ...]
    fixed_window: bool


def feature_plan(spec: FeatureSpec, timeframe: str) -> FeaturePlan:
    """The plan of `spec` on `timeframe` (a signal model keeps one instead of redoing it)."""
    timeframe_seconds(timeframe)  # refuse unknown timeframes early
    groups = tuple(
        (g, group_history(spec, g, timeframe), tuple(group_names(spec, g, timeframe)))
        for g in GROUPS
        if g in spec.groups
    )
    return FeaturePlan(spec, timeframe, groups, spec.fixed_window)


def latest_features(
    arrays: BarArrays, spec: FeatureSpec, *, timeframe: str, plan: FeaturePlan | None = None
) -> np.ndarray:
    """The last bar's features as one (1, n) row: ``build_features(...).iloc[[-1]]`` of the same
    bars, value for value, without building the frame (the signal path's hot loop). Each group
    reads only its own fixed window of the last bars: the same numbers, less work."""
    plan = plan or feature_plan(spec, timeframe)
    return np.array([[column[-1] for column in _columns(arrays, plan, tail=True)]])


def regime_columns(bars: BarArrays) -> Columns:
    """Volatility and trend states (-1, 0, 1) and the ATR percentile, standard settings."""
    r = detect_regimes(bars, REGIME_FEATURE_SETTINGS)
    return {"regime_vol": r.volatility, "regime_trend": r.trend, "regime_atr_pct": r.atr_percentile}


def _columns(arrays: BarArrays, plan: FeaturePlan, *, tail: bool = False) -> Iterator[np.ndarray]:
    """Every feature column in ``feature_names`` order (with ``tail``: of each group's own
    window of the last bars only, enough for the last row)."""
    for group, window, names in plan.groups:
        bars = arrays.last(window) if tail and plan.fixed_window else arrays
        columns = _group_columns(
            bars, plan.spec, group, plan.timeframe, legacy=not plan.fixed_window
        )
        for name in names:
            yield columns[name]


def _group_columns(
    bars: BarArrays, spec: FeatureSpec, group: str, timeframe: str, *, legacy: bool
) -> Columns:
    """Compute one group's columns (empty for higher_tf when it does not apply)."""
    if group != "higher_tf":
        builders = _legacy.BUILDERS if legacy and group in _legacy.BUILDERS else _GROUP_BUILDERS
        return builders[group](bars, spec)
    higher = higher_timeframe_for(spec, timeframe)
    if higher is None:
        return {}
    values = _legacy.higher_values if legacy else None
    return higher_context(bars, spec, timeframe, higher, values=values)
