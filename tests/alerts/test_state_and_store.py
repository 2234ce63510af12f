"""What the rules read from a real desk, and how alerts are recorded: de-duplication within the
window, events once, an audit event per alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.alerts import store
from engine.alerts.rules import AlertCandidate
from engine.alerts.state import gather_state
from engine.db.schema import TriggerCheck, utcnow
from engine.scheduler.worker import run_next
from engine.services import Desk
from tests.alerts.conftest import live_trades
from tests.conftest import spec


def test_active_model_state_has_live_metrics_and_the_drawdown_from_the_peak(
    desk: Desk, active: Any
):
    # equity 10,000 → 10,300 (peak) → 9,750 → 9,850: 450 below the peak = 4.37 %
    desk.log_trades(live_trades(active.id, [100.0, 200.0, -400.0, -150.0, 100.0], "S"))
    cfg = desk.config()
    state = gather_state(desk, cfg, utcnow())
    (m,) = state.active
    assert (m.ref, m.market, m.trades) == ("XAUUSD-M5-scalper:v1", "XAUUSD M5", 5)
    assert m.win_rate == pytest.approx(0.6)
    assert m.profit_factor == pytest.approx(400 / 550)
    assert (m.peak_equity, m.equity, m.drawdown) == (10_300.0, 9_850.0, 450.0)
    assert m.drawdown_pct == pytest.approx(450 / 10_300 * 100)
    assert m.sharpe == pytest.approx(desk.live_metrics(active.id)["sharpe"])


def test_events_within_the_lookback_are_read_from_the_tables(desk: Desk, active: Any, forest: Any):
    second = desk.registry.register(forest, spec("random_forest"))
    desk.activate(second.id, actor="bob", reason="better")
    desk.rollback(actor="carol", reason="worse live")
    failed = desk.request_learning(actor="alice")
    assert run_next(desk) == failed  # no bars stored: the session fails
    with desk.db.session(write=True) as s:
        results = [
            {"name": "drift", "fired": True, "reason": "largest PSI 0.512 (atr_14)"},
            {"name": "decision", "fired": False, "reason": "cooldown", "market": "XAUUSD M5"},
        ]
        s.add(TriggerCheck(fired="drift", results_json=json.dumps(results)))
    state = gather_state(desk, desk.config(), utcnow() + timedelta(seconds=1))
    assert [(a.kind, a.to_ref, a.actor) for a in state.activations] == [
        ("rollback", "XAUUSD-M5-scalper:v1", "carol"),
        ("activate", "XAUUSD-M5-scalper:v2", "bob"),
        ("activate", "XAUUSD-M5-scalper:v1", "alice"),
    ]
    assert [s.id for s in state.failed_sessions] == [failed]
    assert [(d.market, d.reason) for d in state.drift] == [
        ("XAUUSD M5", "largest PSI 0.512 (atr_14)")
    ]
    later = gather_state(desk, desk.config(), utcnow() + timedelta(hours=25))
    assert (later.activations, later.failed_sessions, later.drift) == ([], [], [])


def candidate(key: str = "drawdown:v1", *, event: bool = False) -> AlertCandidate:
    return AlertCandidate("drawdown", key, "critical", "deep", {"pct": 12.5}, event)


def test_the_same_key_is_not_raised_again_within_the_dedup_window(desk: Desk):
    cfg = desk.config().alerts.model_copy(update={"dedup_minutes": 60})
    t0 = utcnow()
    (first,) = store.raise_alerts(desk.db, [candidate()], cfg, t0, deliverable=False)
    assert (first.status, first.attempts, first.detail) == ("recorded", 0, {"pct": 12.5})
    assert (
        store.raise_alerts(
            desk.db, [candidate()], cfg, t0 + timedelta(minutes=59), deliverable=True
        )
        == []
    )
    other = store.raise_alerts(desk.db, [candidate("drawdown:v2")], cfg, t0, deliverable=True)
    assert [a.status for a in other] == ["pending"]
    (again,) = store.raise_alerts(
        desk.db, [candidate()], cfg, t0 + timedelta(minutes=61), deliverable=True
    )
    assert again.id > first.id
    twice = store.raise_alerts(desk.db, [candidate("x"), candidate("x")], cfg, t0, deliverable=True)
    assert len(twice) == 1  # one batch is de-duplicated too


def test_an_event_is_raised_once_while_the_rules_can_still_see_it(desk: Desk):
    cfg = desk.config().alerts.model_copy(update={"dedup_minutes": 0, "lookback_hours": 24})
    t0 = utcnow()
    assert (
        len(
            store.raise_alerts(
                desk.db, [candidate("promotion:5", event=True)], cfg, t0, deliverable=True
            )
        )
        == 1
    )
    later = t0 + timedelta(hours=23)
    assert (
        store.raise_alerts(
            desk.db, [candidate("promotion:5", event=True)], cfg, later, deliverable=True
        )
        == []
    )
    # a condition (not an event) with dedup_minutes 0 is raised every check
    assert len(store.raise_alerts(desk.db, [candidate("c")], cfg, t0, deliverable=True)) == 1
    assert len(store.raise_alerts(desk.db, [candidate("c")], cfg, later, deliverable=True)) == 1


def test_every_alert_raised_is_an_audit_event(desk: Desk):
    cfg = desk.config().alerts
    (alert,) = store.raise_alerts(desk.db, [candidate()], cfg, utcnow(), deliverable=True)
    (audit,) = [r for r in desk.audit_log() if r.action == "alert.raised"]
    assert (audit.actor, audit.target) == ("alerts", f"#{alert.id} drawdown")
    assert audit.detail == {
        "severity": "critical",
        "message": "deep",
        "key": "drawdown:v1",
        "status": "pending",
    }
    assert [a.id for a in desk.alerts()] == [alert.id]


def test_non_finite_numbers_are_stored_as_json_can_carry_them(desk: Desk):
    odd = AlertCandidate(
        "live_metrics", "k", "warning", "m", {"pf": float("inf"), "wr": float("nan")}
    )
    (alert,) = store.raise_alerts(desk.db, [odd], desk.config().alerts, utcnow(), deliverable=True)
    assert alert.detail == {"pf": "inf", "wr": None}


def test_alerts_are_listed_newest_first_and_those_raised_together_in_their_order(desk: Desk):
    cfg = desk.config().alerts
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

    def check(at: datetime, *keys: str) -> None:
        store.raise_alerts(desk.db, [candidate(k) for k in keys], cfg, at, deliverable=False)

    check(t0, "a", "b", "c")
    check(t0 + timedelta(minutes=5), "d", "e")
    check(t0 - timedelta(minutes=5), "f")  # a check of an earlier moment, recorded last
    assert [a.key for a in desk.alerts()] == ["d", "e", "a", "b", "c", "f"]
    assert [a.key for a in desk.alerts(limit=3)] == ["d", "e", "a"]
