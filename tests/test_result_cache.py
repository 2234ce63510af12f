"""The desk keeps the last result series it read while the version's trades are unchanged, and
reads again as soon as a trade is logged or detached (values, not just counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.services import Desk
from tests.conftest import spec

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def trade(ticket: str, profit: float, day: int, version_id: int) -> dict[str, Any]:
    opened = T0 + timedelta(days=day)
    return {"ticket": ticket, "symbol": "XAUUSD", "side": "buy", "open_time": opened,
            "close_time": opened + timedelta(minutes=30), "open_price": 2900.0,
            "close_price": 2901.0, "volume": 0.1, "profit": profit, "commission": -0.5,
            "version_id": version_id}  # fmt: skip


def test_a_kept_series_is_served_until_the_trades_change(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    desk.log_trades([trade(f"T{k}", 10.0 * (k + 1), k, v.id) for k in range(3)])
    first = desk.live_results(v.ref)
    assert list(first.net_profit) == [9.5, 19.5, 29.5]
    again = desk.live_results(v.ref)
    assert again is first and desk.results.reads == 1  # a stamp query, no second read
    with pytest.raises(ValueError):
        first.net_profit[0] = 0.0  # shared: read-only
    assert desk.live_metrics(v.ref)["trades"] == 3 and desk.results.reads == 1

    desk.log_trade(trade("T3", -5.0, 3, v.id))
    after = desk.live_results(v.ref)
    assert list(after.net_profit) == [9.5, 19.5, 29.5, -5.5] and desk.results.reads == 2
    assert after.close_time[-1] == T0 + timedelta(days=3, minutes=30)
    assert list(desk.backtest_results(v.ref).net_profit) == []  # another source, its own entry
    viewer = desk.acting_as("ann", "viewer")
    assert viewer.live_results(v.ref) is after  # one cache per desk, shared with its users


def test_the_cache_keeps_only_the_newest_series(desk: Desk, small_model: Any):
    from engine.result_cache import ResultSeriesCache

    v = desk.registry.register(small_model, spec())
    desk.log_trade(trade("T0", 1.0, 0, v.id))
    small = ResultSeriesCache(size=1)
    with desk.db.session() as s:
        live = small.read(s, v.id)
        small.read(s, v.id, source="backtest")  # pushes the live series out
        assert small.read(s, v.id) is not live and small.reads == 3
        assert list(small.read(s, v.id).net_profit) == [0.5]
