"""The data trigger counts trades the trading side logged, never a session's backtest trades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from engine.backtest import TRADE_COLUMNS
from engine.learner import records
from engine.ledger import log_backtest_trades
from engine.scheduler.evaluate import evaluate_cycle
from engine.services import Desk
from tests.conftest import spec

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def backtest_frame(n: int) -> pd.DataFrame:
    """`n` simulated trades in the backtest's columns (one every 30 minutes)."""
    rows = [
        {"entry_index": 10 * k + 1, "exit_index": 10 * k + 5,
         "entry_time": T0 + timedelta(minutes=30 * k),
         "exit_time": T0 + timedelta(minutes=30 * k + 20), "side": "buy" if k % 2 else "sell",
         "entry_price": 2900.0, "exit_price": 2901.0, "exit_reason": "take_profit",
         "gross_profit": 10.0, "costs": 2.7, "net_profit": 7.3, "confidence": 0.6}
        for k in range(n)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(TRADE_COLUMNS))


def test_backtest_trades_of_a_session_are_not_new_trades_for_the_data_trigger(
    desk: Desk, small_model: Any
):
    records.create(
        desk.db,
        trigger="manual",
        requested_by="t",
        symbol="XAUUSD",
        timeframe="M5",
        status="succeeded",
    )
    version = desk.registry.register(small_model, spec())
    needed = desk.config().min_trades_for_update
    with desk.db.session(write=True) as s:
        log_backtest_trades(s, version.id, backtest_frame(needed + 10), symbol="XAUUSD", volume=0.1)
    assert len(desk.trades(version.id, source="backtest")) == needed + 10
    data = next(t for t in evaluate_cycle(desk).triggers if t.name == "data")
    assert not data.fired
    assert data.reason.startswith("0 new trades since the last session")
