"""Live metrics are judged over the version's live window: every trading day from its
activation (or its first trade) to the last stored bar while it serves, idle days at 0."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from engine.data.store import upsert_bars
from engine.services import Desk
from tests.conftest import spec


def _bars(days: list[str]) -> pd.DataFrame:
    times = pd.to_datetime([f"{d} 12:00" for d in days], utc=True)
    n = len(times)
    return pd.DataFrame(
        {
            "time": times,
            "open": [2650.0] * n,
            "high": [2651.0] * n,
            "low": [2649.0] * n,
            "close": [2650.5] * n,
            "tick_volume": [100] * n,
            "spread_points": pd.array([20] * n, dtype="Int64"),
        }
    )


def _trade(version_id: int, ticket: str, day: int, profit: float) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "side": "buy",
        "open_time": datetime(2026, 3, day, 9, tzinfo=UTC),
        "close_time": datetime(2026, 3, day, 10, tzinfo=UTC),
        "volume": 0.1,
        "profit": profit,
        "version_id": version_id,
    }


def test_live_sharpe_counts_every_weekday_up_to_the_last_stored_bar(
    desk: Desk, small_model: Any
) -> None:
    version = desk.registry.register(small_model, spec())
    desk.activate(version.id, actor="t")
    desk.log_trades([_trade(version.id, "A", 2, 100.0), _trade(version.id, "B", 4, -50.0)])
    with desk.db.session(write=True) as s:  # the feed ran until Friday 13 March
        upsert_bars(s, _bars(["2026-03-02", "2026-03-13"]), symbol="XAUUSD", timeframe="M5")
    live = desk.live_metrics(version.id)
    balance = desk.config().account.initial_balance
    daily = [100 / balance, 0.0, -50 / (balance + 100)] + [0.0] * 7  # Mon 2 .. Fri 13
    assert (live["trades"], live["days"]) == (2, 10)
    mean, std = statistics.fmean(daily), statistics.stdev(daily)
    assert live["sharpe"] == pytest.approx(mean / std * math.sqrt(252), rel=1e-12)
    assert live["dsr_trials"] == desk.trial_count("XAUUSD-M5-scalper") == 1
    desk.refresh_live_metrics(version.id)
    stored = [h for h in desk.registry.metrics_history(version.id) if h["source"] == "live"]
    assert stored and stored[0]["period_start"].date().isoformat() == "2026-03-02"
    assert stored[0]["period_end"].date().isoformat() == "2026-03-13"


def test_without_bars_the_live_window_ends_with_the_last_trade(desk: Desk, small_model: Any):
    version = desk.registry.register(small_model, spec())
    desk.log_trades([_trade(version.id, "A", 2, 100.0), _trade(version.id, "B", 4, -50.0)])
    live = desk.live_metrics(version.id)
    assert live["days"] == 3  # Monday to Wednesday
