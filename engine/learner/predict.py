"""The active model's signal for the latest bar: the same features it was trained on, rebuilt.

The serving path works on numpy arrays of the last bars (no feature frame is built); a test
holds it equal, field for field, to the signal worked out from `build_features`. The features
are computed on exactly the version's fixed window of `history_bars` bars, as in training, so
a caller sending more history gets the same signal."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import AurumError
from engine.features import (
    BarArrays,
    FeatureSpec,
    feature_plan,
    latest_features,
    signal_window,
    stored_spec,
)
from engine.features._legacy import legacy_atr
from engine.labels import distances_from_atr, spread_from_points
from engine.labels.inputs import ATR_PERIOD
from engine.learner.row_proba import row_predictor
from engine.learner.signals import BUY, SELL, signals_from_proba
from engine.registry.types import TrainedOn, VersionInfo

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
    # trading controls (engine.controls): size, money at the stop, the pause switch
    stop_distance: float | None = None  # from the fill (ask for a BUY) to the stop, in price
    lots: float = 0.0
    risk_money: float | None = 0.0
    sizing: str = ""
    paused: bool = False
    pause_reason: str | None = None
    demo: bool = False  # the version was trained on generated bars (DEMO)
    data_origin: str = "imported"  # generated | imported | live | mixed
    trained_on: TrainedOn | None = None
    reason: str | None = None  # why the answer is HOLD whatever the model says, if it is


def demo_refusal(info: VersionInfo, *, allowed: bool) -> str | None:
    """Why `info` is not served to a feed (a DEMO version without serving.allow_demo_models),
    or None when it is served."""
    if not info.is_demo or allowed:
        return None
    return (
        f"the active model {info.ref} was trained on generated bars; set "
        "serving.allow_demo_models to serve it"
    )


def held_signal(info: VersionInfo, bars: pd.DataFrame | BarArrays, reason: str) -> Signal:
    """HOLD for the last of `bars` with `reason`, without asking the model."""
    if isinstance(bars, BarArrays):
        bar_time = datetime.fromtimestamp(int(bars.secs[-1]), UTC)
        close = float(bars.close[-1])
    else:
        bar_time = bars["time"].iloc[-1].to_pydatetime()
        close = float(bars["close"].iloc[-1])
    return Signal(
        side="HOLD",
        confidence=0.0,
        p_long=0.0,
        p_short=0.0,
        bar_time=bar_time,
        entry_price=close,
        stop_loss=None,
        take_profit=None,
        version_id=info.id,
        version_ref=info.ref,
        min_confidence=float((info.details or {}).get("min_confidence", 0.5)),
        **provenance(info),
        reason=reason,
    )


def provenance(info: VersionInfo) -> dict[str, Any]:
    """What a signal says about the bars its version learnt from."""
    return {"demo": info.is_demo, "data_origin": info.data_origin, "trained_on": info.trained_on}


def serving_window(spec: FeatureSpec, timeframe: str) -> tuple[int, int]:
    """Bars a signal needs at least, and the last bars its features are computed on: the same
    fixed window (`history_bars`), so a longer history never changes the signal (a version
    trained before fixed windows keeps round one's pair; see `signal_window`)."""
    return signal_window(spec, timeframe)


class SignalModel:
    """A version ready to serve: what `signal` needs is worked out once, not on every bar."""

    def __init__(self, model: Any, info: Any) -> None:
        details = info.details or {}
        if "feature_spec" not in details:
            raise AurumError(
                f"{info.ref} was not trained by a learning session; it cannot give signals"
            )
        self.model, self.info = model, info
        self.spec = stored_spec(details)
        self.timeframe = details.get("timeframe", info.timeframe)
        self.need, self.window = serving_window(self.spec, self.timeframe)
        self.plan = feature_plan(self.spec, self.timeframe)
        self.threshold = float(details.get("min_confidence", 0.5))
        self.classes = np.asarray(model.classes_)
        self.labels = details.get("labels") or {}
        self.default_spread = float((details.get("costs") or {}).get("default_spread_points", 20.0))
        self._predict_proba = row_predictor(model)  # bit for bit, without per-call checks
        self._provenance = provenance(info)

    def signal(self, bars: pd.DataFrame | BarArrays) -> Signal:
        """Signal for the last of `bars` (UTC frame with the importer's columns, or arrays
        checked like `BarArrays.from_frame` does), from the features of its last `window` bars."""
        count = len(bars.close) if isinstance(bars, BarArrays) else len(bars)
        if count < self.need:
            raise AurumError(
                f"{count} bars given; {self.info.ref} needs at least {self.need} "
                f"{self.timeframe} bars (its min_history_bars: the fixed window its features "
                "are computed on) to give a signal for the latest bar"
            )
        if isinstance(bars, BarArrays):
            arrays = bars.last(self.window)
            bar_time = datetime.fromtimestamp(int(arrays.secs[-1]), UTC)
        else:
            arrays = BarArrays.from_frame(bars, last=self.window)
            bar_time = bars["time"].iloc[-1].to_pydatetime()
        row = latest_features(arrays, self.spec, timeframe=self.timeframe, plan=self.plan)
        if not np.isfinite(row).all():
            raise AurumError(
                "the latest bar's features are undefined (gaps or bad bars); no signal"
            )
        proba = self._predict_proba(row)
        sig = signals_from_proba(proba, self.classes, min_confidence=self.threshold)
        side = int(sig.signal[0])
        levels = self._levels(arrays, side)
        return Signal(
            side=SIDES[side],
            confidence=round(float(max(sig.p_long[0], sig.p_short[0])), 4),
            p_long=round(float(sig.p_long[0]), 4),
            p_short=round(float(sig.p_short[0]), 4),
            bar_time=bar_time,
            entry_price=float(arrays.close[-1]),
            stop_loss=levels["stop_loss"],
            take_profit=levels["take_profit"],
            version_id=self.info.id,
            version_ref=self.info.ref,
            min_confidence=self.threshold,
            stop_distance=levels["stop_distance"],
            **self._provenance,
        )

    def _levels(self, bars: BarArrays, side: int) -> dict[str, float | None]:
        """Stop and target prices from the trained barriers (ask-side entry for a BUY)."""
        labels = self.labels
        if side == 0 or not labels:
            return {"stop_loss": None, "take_profit": None, "stop_distance": None}
        atr = bars.atr(ATR_PERIOD) if self.spec.fixed_window else legacy_atr(bars, ATR_PERIOD)
        tp, sl = distances_from_atr(
            atr[-1:], labels["take_profit"], labels["stop_loss"], labels["unit"]
        )
        spread = float(spread_from_points(bars.spread_points[-1:], self.default_spread)[0])
        close = float(bars.close[-1])
        tp_d, sl_d = float(tp[0]), float(sl[0])
        if math.isnan(tp_d) or math.isnan(sl_d):
            return {"stop_loss": None, "take_profit": None, "stop_distance": None}
        if side == BUY:
            entry = close + spread
            stop = round(entry - sl_d, 2)
            return {
                "stop_loss": stop,
                "take_profit": round(entry + tp_d, 2),
                "stop_distance": round(entry - stop, 5),
            }
        stop = round(close + sl_d, 2)
        return {
            "stop_loss": stop,
            "take_profit": round(close - tp_d, 2),
            "stop_distance": round(stop - close, 5),
        }


def signal_for_bars(model: Any, info: Any, bars: pd.DataFrame) -> Signal:
    """Signal for the last bar of `bars` (UTC frame with the importer's columns)."""
    return SignalModel(model, info).signal(bars)
