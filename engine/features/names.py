"""Feature column names, in the order ``build_features`` returns them (one place for both)."""

from __future__ import annotations

from collections.abc import Callable

from engine.features.spec import GROUPS, FeatureSpec, higher_timeframe_for

SESSIONS: tuple[str, ...] = ("asia", "london", "ny", "rollover")


def _returns(spec: FeatureSpec) -> list[str]:
    return [f"ret_{lag}" for lag in spec.return_lags]


def _trend(spec: FeatureSpec) -> list[str]:
    names = [f"close_ema_{p}" for p in spec.ema_periods]
    if len(spec.ema_periods) > 1:
        names.append(f"ema_{min(spec.ema_periods)}_{max(spec.ema_periods)}")
    return [*names, f"adx_{spec.adx_period}"]


def _momentum(spec: FeatureSpec) -> list[str]:
    return [f"rsi_{spec.rsi_period}", "macd", "macd_signal", "macd_hist", "stoch_k", "stoch_d"]


def _volatility(spec: FeatureSpec) -> list[str]:
    names = [f"atr_{spec.atr_period}", f"natr_{spec.atr_period}"]
    names += [f"vol_{w}" for w in spec.vol_windows]
    return names + (["vol_ratio"] if len(spec.vol_windows) > 1 else [])


def _fixed(*names: str) -> Callable[[FeatureSpec], list[str]]:
    return lambda spec: list(names)


_BY_GROUP: dict[str, Callable[[FeatureSpec], list[str]]] = {
    "returns": _returns,
    "trend": _trend,
    "momentum": _momentum,
    "volatility": _volatility,
    "bands": _fixed("bb_pos", "bb_width"),
    "range": _fixed("range_pos", "range_width"),
    "spread": _fixed("spread_atr"),
    "time": _fixed("tod_sin", "tod_cos", "dow_sin", "dow_cos"),
    "session": _fixed(*(f"session_{s}" for s in SESSIONS)),
    "regime": _fixed("regime_vol", "regime_trend", "regime_atr_pct"),
}


def higher_names(higher: str) -> list[str]:
    """Columns of the higher-timeframe group, prefixed by that timeframe (``h1_ret``...)."""
    prefix = higher.lower()
    return [f"{prefix}_ret", f"{prefix}_rsi", f"{prefix}_close_ema", f"{prefix}_gap"]


def group_names(spec: FeatureSpec, group: str, timeframe: str) -> list[str]:
    """Columns of one group for bars of ``timeframe`` (empty when the group does not apply)."""
    if group != "higher_tf":
        return _BY_GROUP[group](spec)
    higher = higher_timeframe_for(spec, timeframe)
    return [] if higher is None else higher_names(higher)


def feature_names(spec: FeatureSpec, timeframe: str) -> list[str]:
    """All feature columns, groups in canonical order (not the order listed in ``spec.groups``)."""
    chosen = set(spec.groups)
    return [n for g in GROUPS if g in chosen for n in group_names(spec, g, timeframe)]
