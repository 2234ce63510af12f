"""A version's paper trades on bars: its own features, threshold and exits, the backtest's costs.

Pure (no database): the model and its version in, a trade frame (`engine.backtest` columns) out.
Signals are worked out as serving does (`engine.learner.predict.SignalModel`): the version's
feature spec rebuilt on the bars, its class probabilities, its `min_confidence`; trades are then
resolved exactly as a backtest resolves them (`engine.backtest.simulate`): entry at the next
bar's open, the version's triple-barrier exits, spread, slippage and commission, one position
at a time. Trades whose exit the bars do not reach yet are left for a later run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.backtest import CostModel, prepare_market, simulate_on
from engine.data.timeframes import timeframe_seconds
from engine.errors import AurumError
from engine.features import build_features, stored_spec, warmup_bars
from engine.learner.batch import ChunkDone, predict_proba_batch
from engine.learner.signals import signals_from_proba

# Bars before the first signal bar whose features are computed anyway: enough for recursive
# indicators (EMA, RSI, ATR) to agree with a computation on the whole series (as the drift check
# does), and never fewer than serving's own window. A version on fixed windows needs its window
# only: its features are then those of the whole series.
LEAD_FACTOR = 10
MIN_LEAD = 600


def lead_bars(info: Any) -> int:
    """Bars the version needs before its first signal bar."""
    spec = stored_spec(_details(info))
    warm = max(1, warmup_bars(spec, _timeframe(info)))
    return warm + 1 if spec.fixed_window else max(LEAD_FACTOR * warm, MIN_LEAD)


def paper_signals(
    model: Any, info: Any, bars: pd.DataFrame, first: int, *, done: ChunkDone | None = None
) -> tuple[Any, Any]:
    """Per-bar signals (1, -1, 0) and confidences of the version on `bars`, from bar `first`
    on (earlier bars: hold); bars whose features are undefined hold. `done` hears the rows
    predicted so far (long replays report progress with it)."""
    details = _details(info)
    spec = stored_spec(details)
    feats = build_features(bars, spec, timeframe=_timeframe(info)).to_numpy(dtype=float)
    start = max(0, first)
    body = feats[start:]  # a view: a million rows of features are not copied again
    finite = np.isfinite(body).all(axis=1)
    rows = np.flatnonzero(finite) + start
    signals, confidence = np.zeros(len(bars), dtype=np.int8), np.zeros(len(bars))
    if len(rows):
        sig = signals_from_proba(
            predict_proba_batch(model, body if finite.all() else body[finite], done=done),
            np.asarray(model.classes_),
            min_confidence=float(details.get("min_confidence", 0.5)),
        )
        signals[rows], confidence[rows] = sig.signal, sig.confidence
    return signals, confidence


def paper_trades(
    model: Any, info: Any, bars: pd.DataFrame, *, first: int, costs: CostModel
) -> pd.DataFrame:
    """The version's trades on `bars` (UTC frame with the importer's columns) for signals at
    bars `first` and later. `exit_time` is the exit bar's close (its open plus one bar of the
    version's timeframe)."""
    exits(info)  # refused before any prediction
    signals, confidence = paper_signals(model, info, bars, first)
    return signal_trades(info, bars, signals, confidence, costs=costs)


def exits(info: Any) -> dict[str, Any]:
    """The version's triple-barrier exits (take profit, stop loss, unit, horizon)."""
    labels = _details(info).get("labels") or {}
    if not labels:
        raise AurumError(f"{info.ref} has no recorded exits (labels); it cannot paper-trade")
    return dict(labels)


def signal_trades(
    info: Any,
    bars: pd.DataFrame,
    signals: Any,
    confidence: Any,
    *,
    costs: CostModel,
    spread_points: float | None = None,
) -> pd.DataFrame:
    """Trades of per-bar signals with the version's exits and `costs`, one at a time; with
    `spread_points`, every trade pays that spread instead of its entry bar's recorded one."""
    labels = exits(info)
    if spread_points is not None:
        bars = bars.assign(spread_points=np.full(len(bars), float(spread_points)))
    market = prepare_market(
        bars,
        take_profit=float(labels["take_profit"]),
        stop_loss=float(labels["stop_loss"]),
        horizon=int(labels["horizon"]),
        costs=costs,
        unit=labels["unit"],
    )
    trades = simulate_on(market, signals, costs, confidence)
    bar = pd.Timedelta(seconds=timeframe_seconds(_timeframe(info)))
    trades["exit_time"] = market.times[trades["exit_index"].to_numpy(dtype=np.int64)] + bar
    return trades


def _details(info: Any) -> dict[str, Any]:
    details = info.details or {}
    if "feature_spec" not in details:
        raise AurumError(f"{info.ref} was not trained by a learning session; it cannot paper-trade")
    return details


def _timeframe(info: Any) -> str:
    return str((info.details or {}).get("timeframe", info.timeframe))
