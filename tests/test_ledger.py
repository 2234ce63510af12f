"""The trade ledger: validation, idempotent tickets, versions must exist, live metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import TradeError
from engine.services import Desk
from tests.conftest import spec

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def trade(
    ticket: str, profit: float, day: int = 0, version_id: int | None = None, **extra: Any
) -> dict[str, Any]:
    opened = T0 + timedelta(days=day)
    return {
        "ticket": ticket,
        "symbol": "XAUUSD",
        "side": "buy",
        "open_time": opened,
        "close_time": opened + timedelta(minutes=30),
        "open_price": 2900.0,
        "close_price": 2901.0,
        "volume": 0.1,
        "profit": profit,
        "commission": -0.7,
        "version_id": version_id,
        **extra,
    }


def test_relogging_a_ticket_is_idempotent(desk: Desk):
    first = desk.log_trade(trade("T1", 10.0))
    again = desk.log_trade(trade("T1", 10.0))
    assert (first.outcome, again.outcome, again.id) == ("new", "unchanged", first.id)
    assert desk.counts()["trades"] == 1
    with pytest.raises(TradeError, match="already logged with different profit"):
        desk.log_trade(trade("T1", 11.0))


def test_unknown_version_is_refused(desk: Desk):
    with pytest.raises(TradeError, match="model version 42, which does not exist"):
        desk.log_trade(trade("T1", 1.0, version_id=42))
    assert desk.counts()["trades"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"side": "long"}, "side"),
        ({"open_price": -1}, "open_price"),
        ({"volume": 0}, "volume"),
        ({"profit": float("nan")}, "profit"),
        ({"confidence": 1.5}, "confidence"),
        ({"close_time": T0 - timedelta(hours=1)}, "close_time"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_bad_field_is_named(desk: Desk, change: dict[str, Any], field: str):
    with pytest.raises(TradeError, match="trade refused") as err:
        desk.log_trade({**trade("T1", 1.0), **change})
    assert field in str(err.value)
    assert desk.counts()["trades"] == 0


def test_naive_times_are_taken_as_utc(desk: Desk):
    naive = trade("T1", 1.0)
    naive["open_time"] = datetime(2025, 3, 3, 8, 0)
    naive["close_time"] = datetime(2025, 3, 3, 9, 0)
    desk.log_trade(naive)
    assert desk.trades()[0].close_time == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_live_metrics_come_from_the_versions_trades(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    for k, p in enumerate([100.7, -50.0, 200.7, -100.0]):
        desk.log_trade(trade(f"T{k}", p, day=k, version_id=v.id))
    desk.log_trade(trade("other", 999.0))  # no version: not counted
    m = desk.live_metrics(v.id)
    assert m["trades"] == 4
    assert m["net_profit"] == pytest.approx(100.0 - 50.7 + 200.0 - 100.7)
    assert m["win_rate"] == pytest.approx(0.5)
    assert m["profit_factor"] == pytest.approx(300.0 / 151.4)
    stored = desk.refresh_live_metrics(v.id)
    assert desk.registry.get(v.id, source="live").metrics["trades"] == stored["trades"] == 4


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.dictionaries(
        st.sampled_from(["ticket", "side", "profit", "volume", "open_time", "x"]),
        st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=8)),
    )
)
def test_random_dicts_give_a_trade_error_and_write_nothing(desk: Desk, data: dict[str, Any]):
    before = desk.counts()["trades"]
    with pytest.raises(TradeError):
        desk.log_trade(data)
    assert desk.counts()["trades"] == before


def test_a_batch_is_all_or_nothing_and_idempotent(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    rows = [trade(f"B{k}", 1.0 + k, day=k, version_id=v.id) for k in range(3)]
    assert [t.outcome for t in desk.log_trades(rows)] == ["new"] * 3
    assert [t.outcome for t in desk.log_trades(rows)] == ["unchanged"] * 3
    with pytest.raises(TradeError, match="row 2"):
        desk.log_trades([trade("C1", 1.0), {**trade("C2", 1.0), "side": "x"}])
    with pytest.raises(TradeError, match="do not exist"):
        desk.log_trades([trade("C3", 1.0), trade("C4", 1.0, version_id=999)])
    with pytest.raises(TradeError, match="repeats a ticket"):
        desk.log_trades([trade("C5", 1.0), trade("C5", 1.0)])
    assert desk.counts()["trades"] == 3


def test_has_versions_answers_the_empty_state_without_the_leaderboard(desk: Desk, small_model: Any):
    assert desk.has_versions() is False and desk.counts()["versions"] == 0
    desk.registry.register(small_model, spec())
    assert desk.has_versions() is True and desk.counts()["versions"] == 1


def test_a_page_of_trades_is_the_newest_of_the_period_in_close_time_order(
    desk: Desk, small_model: Any
):
    """`newest` reads only the last N trades closed in [since, until]; two trades closed at the
    same time keep their logging order, as in the whole list."""
    v = desk.registry.register(small_model, spec())
    rows = [trade(f"P{k}", float(k), day=k, version_id=v.id) for k in range(8)]
    rows.append({**trade("P8", 8.0, day=7, version_id=v.id)})  # closes with P7
    desk.log_trades(rows)
    every = desk.trades(v.ref)
    assert [t.ticket for t in every] == [f"P{k}" for k in range(9)]
    since, until = every[1].close_time, every[6].close_time
    page = desk.trades(v.ref, since=since, until=until, newest=3)
    assert [t.ticket for t in page] == ["P4", "P5", "P6"]
    assert [t.ticket for t in desk.trades(v.ref, newest=2)] == ["P7", "P8"]
    assert [t.ticket for t in desk.trades(v.ref, since=since, until=until)] == [
        f"P{k}" for k in range(1, 7)
    ]
