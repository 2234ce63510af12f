"""Shadow trading desks: a private copy of the seeded demo desk (three session-trained versions
on generated bars, v3 active) with shadow trading on, and the backtest that paper trades must
equal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.backtest import simulate_trades
from engine.features import FeatureSpec, build_features
from engine.learner.dataset import cost_model
from engine.learner.signals import signals_from_proba
from engine.services import Desk
from tests.dashboard.desks import seeded_copy

V1, V2, V3 = (f"XAUUSD-M5-scalper:v{n}" for n in (1, 2, 3))


def shadow_settings(desk: Desk, **values: str) -> None:
    """Shadow trading on (top 2 per market, every bar after training), then `values`."""
    settings = {"shadow.mode": "top_k", "shadow.live_bars_only": "false", **values}
    for key, value in settings.items():
        desk.set_config(key, value, actor="test")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A private copy of the demo desk (in the PostgreSQL run: in this test's database)."""
    return seeded_copy(tmp_path / "home")


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    with Desk.open(str(home)) as opened:
        shadow_settings(opened)
        yield opened


def backtest(desk: Desk, ref: str, *, after: datetime) -> pd.DataFrame:
    """The version's backtest over every stored bar, signals only at bars opened after `after`:
    features on the whole series, its threshold and exits, the configured costs."""
    model, info = desk.registry.load_model(ref)
    bars = desk.bars(info.symbol, info.timeframe)
    spec = FeatureSpec.model_validate(info.details["feature_spec"])
    feats = build_features(bars, spec, timeframe=info.timeframe).to_numpy(dtype=float)
    rows = np.flatnonzero((bars["time"] > after).to_numpy() & np.isfinite(feats).all(axis=1))
    sig = signals_from_proba(
        model.predict_proba(feats[rows]),
        np.asarray(model.classes_),
        min_confidence=info.details["min_confidence"],
    )
    signals, confidence = np.zeros(len(bars), dtype=np.int8), np.zeros(len(bars))
    signals[rows], confidence[rows] = sig.signal, sig.confidence
    labels = info.details["labels"]
    return simulate_trades(
        bars,
        signals,
        take_profit=labels["take_profit"],
        stop_loss=labels["stop_loss"],
        horizon=labels["horizon"],
        costs=cost_model(desk.config()),
        unit=labels["unit"],
        confidence=confidence,
    )


def as_rows(trades: Any) -> list[tuple[Any, ...]]:
    """Paper trades (records) or backtest trades (frame) as comparable tuples."""
    if isinstance(trades, pd.DataFrame):
        return [
            (
                t["entry_time"].to_pydatetime(),
                t["exit_time"].to_pydatetime(),
                t["side"],
                round(float(t["entry_price"]), 6),
                round(float(t["exit_price"]), 6),
                round(float(t["net_profit"]), 6),
                round(float(t["confidence"]), 4),
                t["exit_reason"],
            )
            for t in trades.to_dict("records")
        ]
    return [
        (
            t.open_time,
            t.close_time,
            t.side,
            round(t.open_price, 6),
            round(t.close_price, 6),
            round(t.net_profit, 6),
            t.confidence,
            t.exit_reason,
        )
        for t in trades
    ]
