"""The active model's signal for the latest bar: the same features it was trained on, rebuilt."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import AurumError
from engine.features import FeatureSpec, build_features, warmup_bars
from engine.labels import barrier_distances, spread_prices
from engine.learner.signals import BUY, SELL, signals_from_proba

SIDES = {BUY: "BUY", SELL: "SELL", 0: "HOLD"}


@dataclass(frozen=True)
class Signal:
    """What the trading side acts on: side, confidence, stop and target, and who said so."""

    side: str
    confidence: float
    p_long: float
    p_short: float
    bar_time: datetime
    entry_price: float
    stop_loss: float | None
    take_profit: float | None
    version_id: int
    version_ref: str
    min_confidence: float


def signal_for_bars(model: Any, info: Any, bars: pd.DataFrame) -> Signal:
    """Signal for the last bar of `bars` (UTC frame with the importer's columns)."""
    details = info.details or {}
    if "feature_spec" not in details:
        raise AurumError(
            f"{info.ref} was not trained by a learning session; it cannot give signals"
        )
    spec = FeatureSpec.model_validate(details["feature_spec"])
    timeframe = details.get("timeframe", info.timeframe)
    need = warmup_bars(spec, timeframe) + 1
    if len(bars) < need:
        raise AurumError(
            f"{len(bars)} bars given; {info.ref} needs at least {need} {timeframe} bars "
            "to compute its features for the latest bar"
        )
    recent = bars.tail(max(need * 2, 600)).reset_index(drop=True)
    row = build_features(recent, spec, timeframe=timeframe).iloc[[-1]].to_numpy(dtype=float)
    if not np.isfinite(row).all():
        raise AurumError("the latest bar's features are undefined (gaps or bad bars); no signal")
    threshold = float(details.get("min_confidence", 0.5))
    sig = signals_from_proba(
        model.predict_proba(row), np.asarray(model.classes_), min_confidence=threshold
    )
    side = int(sig.signal[0])
    return Signal(
        side=SIDES[side],
        confidence=round(float(max(sig.p_long[0], sig.p_short[0])), 4),
        p_long=round(float(sig.p_long[0]), 4),
        p_short=round(float(sig.p_short[0]), 4),
        bar_time=recent["time"].iloc[-1].to_pydatetime(),
        entry_price=float(recent["close"].iloc[-1]),
        **_levels(recent, details, side),
        version_id=info.id,
        version_ref=info.ref,
        min_confidence=threshold,
    )


def _levels(bars: pd.DataFrame, details: dict[str, Any], side: int) -> dict[str, float | None]:
    """Stop and target prices from the trained barriers (ask-side entry for a BUY)."""
    labels = details.get("labels") or {}
    if side == 0 or not labels:
        return {"stop_loss": None, "take_profit": None}
    tp, sl = barrier_distances(
        bars, take_profit=labels["take_profit"], stop_loss=labels["stop_loss"], unit=labels["unit"]
    )
    default_spread = float((details.get("costs") or {}).get("default_spread_points", 20.0))
    spread = float(spread_prices(bars, default_spread)[-1])
    close = float(bars["close"].iloc[-1])
    tp_d, sl_d = float(tp[-1]), float(sl[-1])
    if math.isnan(tp_d) or math.isnan(sl_d):
        return {"stop_loss": None, "take_profit": None}
    if side == BUY:
        entry = close + spread
        return {"stop_loss": round(entry - sl_d, 2), "take_profit": round(entry + tp_d, 2)}
    return {"stop_loss": round(close + sl_d, 2), "take_profit": round(close - tp_d, 2)}
