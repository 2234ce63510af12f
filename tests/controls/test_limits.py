"""Automatic pauses with known figures: the daily loss limit (per UTC day, live trades only)
and the maximum drawdown from the peak; each pause names its rule, figure and limit, raises an
alert, and the rules count afresh after a manual resume. The clock is pinned to a Monday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.controls import pause
from engine.controls.limits import day_loss, drawdown_from_peak
from engine.services import Desk

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
NOW = MONDAY + timedelta(hours=15)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pause, "now", lambda: NOW)


def log(desk: Desk, ticket: str, hours: float, net: float, **extra: Any) -> None:
    """A live trade closed `hours` after Monday 00:00 UTC with net result `net` (commission
    -0.70 included)."""
    close = MONDAY + timedelta(hours=hours)
    desk.log_trade(
        {
            "ticket": ticket,
            "side": "buy",
            "open_time": close - timedelta(minutes=5),
            "close_time": close,
            "volume": 0.1,
            "profit": round(net + 0.7, 2),
            "commission": -0.7,
            **extra,
        }
    )


def test_the_figures_by_hand():
    assert day_loss(np.array([-200.0, 50.0, -300.0])) == 450.0
    assert day_loss(np.array([120.0, -20.0])) == 0.0
    pct, peak, now = drawdown_from_peak(10_000.0, np.array([1000.0, -500.0, -100.0]))
    assert (round(pct, 4), peak, now) == (5.4545, 11_000.0, 10_400.0)
    assert drawdown_from_peak(10_000.0, np.array([])) == (0.0, 10_000.0, 10_000.0)
    assert drawdown_from_peak(10_000.0, np.array([-300.0]))[0] == pytest.approx(3.0)


def test_the_daily_loss_limit_pauses_naming_the_figure(desk: Desk):
    desk.set_config("risk.daily_loss_limit", "500", actor="t")
    log(desk, "fri", -72, -1000.0)  # Friday: another UTC day
    log(desk, "a", 9, -200.0)
    log(desk, "b", 10, 50.0)
    log(desk, "imp", 10.5, -900.0, source="import")  # not a live trade
    log(desk, "c", 11, -300.0)
    assert not desk.pause_state().paused  # 450 lost today, limit 500
    log(desk, "d", 12, -60.0)  # 510
    state = desk.pause_state()
    event = state.event
    assert (state.paused, event.actor, event.rule, event.figure, event.threshold) == (
        True,
        "risk-limits",
        "daily_loss_limit",
        510.0,
        500.0,
    )
    assert event.reason == (
        "daily loss limit: live trades closed on 2026-03-02 (UTC) lost $510.00, "
        "limit $500.00 (risk.daily_loss_limit)"
    )
    (alert,) = desk.alerts()
    assert (alert.rule, alert.severity, alert.detail["figure"]) == ("pause", "critical", 510.0)
    assert event.reason in alert.message
    audit = next(a for a in desk.audit_log() if a.action == "trading.pause")
    assert (audit.actor, audit.detail["rule"], audit.detail["limit"]) == (
        "risk-limits",
        "daily_loss_limit",
        500.0,
    )

    desk.resume("reviewed the day", actor="olga")  # at 15:00: the day counts from here
    log(desk, "e", 15.5, -100.0)
    assert not desk.pause_state().paused
    log(desk, "f", 15.75, -400.0)  # 500 since the resume
    again = desk.pause_state().event
    assert (again.rule, again.figure) == ("daily_loss_limit", 500.0)


def test_the_drawdown_limit_pauses_from_the_peak(desk: Desk):
    desk.set_config("risk.max_drawdown_pct", "5", actor="t")  # of 10,000 + live trades
    log(desk, "a", 9, 1000.0)
    log(desk, "b", 10, -500.0)  # 10,500: 4.55 % below 11,000
    assert not desk.pause_state().paused
    log(desk, "c", 11, -100.0)  # 10,400: 5.45 %
    event = desk.pause_state().event
    assert (event.rule, event.figure, event.threshold) == ("max_drawdown_pct", 5.4545, 5.0)
    assert event.reason == (
        "maximum drawdown: live equity $10,400.00 is 5.45% below its peak $11,000.00, "
        "limit 5% (risk.max_drawdown_pct)"
    )
    desk.resume("accepted", actor="olga")  # 10,400 is the new peak
    log(desk, "d", 16, -300.0)  # 10,100: 2.88 %
    assert not desk.pause_state().paused
    log(desk, "e", 16.5, -300.0)  # 9,800: 5.77 %
    again = desk.pause_state().event
    assert (again.rule, again.figure) == ("max_drawdown_pct", 5.7692)


def test_the_rules_are_off_by_default_and_never_replace_a_manual_pause(desk: Desk):
    log(desk, "a", 9, -5000.0)
    assert not desk.pause_state().paused  # both rules off by default
    desk.set_config("risk.daily_loss_limit", "100", actor="t")
    desk.pause("news", actor="olga")
    log(desk, "b", 10, -200.0)
    state = desk.pause_state()
    assert (state.event.actor, state.event.rule, len(desk.pause_history())) == ("olga", None, 1)


def test_the_services_periodic_check_pauses_on_a_limit(home: Path, desk: Desk):
    """Trades logged while the rule was off; the leader's alerts job judges it next."""
    from engine.scheduler.service import AurumServices

    log(desk, "a", 9, -700.0)
    desk.set_config("risk.daily_loss_limit", "600", actor="t")
    assert not desk.pause_state().paused
    services = AurumServices(str(home))
    try:
        services.alerts()  # standing by: only the leader judges the rules
        assert not desk.pause_state().paused
        services.is_leader = True
        services.alerts()
    finally:
        services.desk.close()
    event = desk.pause_state().event
    assert (event.rule, event.figure, event.actor) == ("daily_loss_limit", 700.0, "risk-limits")
