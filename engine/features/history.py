"""How many bars a version's signal needs and reads, from its stored feature settings: plain
arithmetic on `FeatureSpec`, light enough for listings (`aurum models`, `aurum show`) that
import neither numpy, pandas nor TA-Lib."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.data.timeframes import timeframe_seconds
from engine.features.spec import (
    REGIME_FEATURE_SETTINGS,
    FeatureSpec,
    higher_timeframe_for,
    history_bars,
    stored_spec,
)
from engine.regimes.settings import regime_warmup

MIN_WINDOW = 600  # round one computed a signal's features on max(2 x need, 600) bars


def legacy_history(spec: FeatureSpec, timeframe: str) -> tuple[int, int]:
    """Round one's fewest bars a signal needs, and the bars it computed the features on."""
    atr = spec.atr_period
    lookback = {
        "returns": max(spec.return_lags),
        "trend": max(max(spec.ema_periods) - 1, 2 * spec.adx_period - 1),
        "momentum": max(
            spec.rsi_period,
            spec.macd_slow + spec.macd_signal - 2,
            spec.stoch_k + 2 * spec.stoch_d - 3,
        ),
        "volatility": max(atr, max(spec.vol_windows)),
        "bands": spec.bb_period - 1,
        "range": spec.range_window - 1,
        "spread": atr,
        "regime": regime_warmup(REGIME_FEATURE_SETTINGS),
    }
    need = max((lookback.get(g, 0) for g in spec.groups), default=0)
    higher = higher_timeframe_for(spec, timeframe)
    if higher is not None:
        per = timeframe_seconds(higher) // timeframe_seconds(timeframe)
        first = max(1, spec.rsi_period, spec.htf_ema_period - 1)
        need = max(need, per * (first + 1) - 1)
    return need + 1, max(2 * (need + 1), MIN_WINDOW)


def signal_window(spec: FeatureSpec, timeframe: str) -> tuple[int, int]:
    """Fewest bars a signal needs, and the last bars its features are computed on: the same
    fixed window (so more history never changes a signal), or round one's pair for a version
    trained before fixed windows."""
    if not spec.fixed_window:
        return legacy_history(spec, timeframe)
    need = history_bars(spec, timeframe)
    return need, need


@dataclass(frozen=True)
class SignalHistory:
    """How many bars a version's signal needs (``min_history_bars``) and reads (``bars_used``);
    ``fixed_window`` False for a version trained before fixed windows, whose signal still
    moves with the history sent (retrain to end that)."""

    min_history_bars: int
    bars_used: int
    fixed_window: bool


def signal_history(details: Mapping[str, Any], timeframe: str) -> SignalHistory | None:
    """The history a stored version's signals need; None if it records no feature settings."""
    if not details.get("feature_spec"):
        return None
    spec = stored_spec(details)
    need, used = signal_window(spec, str(details.get("timeframe") or timeframe))
    return SignalHistory(need, used, spec.fixed_window)
