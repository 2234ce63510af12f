"""Rows that belong with a version (its backtest trades) are written in the registration's own
transaction: if writing them fails, there is no version, no trade and no model file."""

from __future__ import annotations

from typing import Any

import pytest

from engine.db.schema import Trade
from engine.services import Desk
from tests.conftest import spec


def _trade(s: Any, version_id: int, ticket: str) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    s.add(
        Trade(ticket=ticket, symbol="XAUUSD", side="buy", open_time=now, close_time=now,
              volume=0.1, profit=1.0, version_id=version_id, source="backtest")
    )  # fmt: skip


def test_rows_written_with_the_version_share_its_transaction(desk: Desk, small_model: Any):
    info = desk.registry.register(small_model, spec(), also=lambda s, v: _trade(s, v, "BT-1"))
    assert [t.ticket for t in desk.trades(info.id, source="backtest")] == ["BT-1"]


def test_a_failure_while_writing_them_leaves_no_version_no_trade_no_file(
    desk: Desk, small_model: Any
):
    def half_then_fail(s: Any, version_id: int) -> None:
        _trade(s, version_id, "BT-2")
        s.flush()
        raise RuntimeError("the ledger refused the trades")

    with pytest.raises(RuntimeError, match="ledger refused"):
        desk.registry.register(small_model, spec(), also=half_then_fail)
    assert desk.registry.list_versions() == []
    assert desk.trades(source=None) == []
    assert not any(p.is_file() for p in desk.paths.artifacts_dir.rglob("*"))
