"""The alert rules as pure functions over a constructed desk state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.alerts.rules import (
    ActiveModelState,
    DeskState,
    DriftCheck,
    activation_alerts,
    drawdown_alerts,
    evaluate_rules,
    heartbeat_alerts,
    live_metrics_alerts,
    resumed_alerts,
    session_alerts,
)
from engine.config.alerts import AlertsConfig
from engine.learner.records import SessionInfo
from engine.registry import ActivationRecord
from engine.scheduler.lease import LeaseState

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def model(**values: float) -> ActiveModelState:
    base = {
        "trades": 40,
        "win_rate": 0.5,
        "profit_factor": 1.4,
        "sharpe": 1.2,
        "drawdown": 100.0,
        "drawdown_pct": 1.0,
        "peak_equity": 10_000.0,
        "equity": 9_900.0,
    }
    base.update(values)
    return ActiveModelState(ref="XAUUSD-M5-scalper:v3", market="XAUUSD M5", **base)  # type: ignore[arg-type]


def session(session_id: int, error: str) -> SessionInfo:
    return SessionInfo(
        id=session_id,
        trigger="time",
        requested_by="services",
        status="failed",
        stage="",
        percent=40.0,
        message="",
        symbol="XAUUSD",
        timeframe="M5",
        window_start=None,
        window_end=None,
        config_hash="",
        config_diff={},
        result={},
        error=error,
        seed=42,
        version_id=None,
        created_at=NOW - timedelta(hours=1),
        started_at=NOW - timedelta(hours=1),
        finished_at=NOW - timedelta(minutes=50),
    )


def event(event_id: int, kind: str, to: str, frm: str | None, reason: str = "") -> ActivationRecord:
    return ActivationRecord(
        id=event_id,
        lineage="XAUUSD-M5-scalper",
        kind=kind,
        from_ref=frm,
        to_ref=to,
        from_version_id=None,
        to_version_id=0,
        actor="services",
        reason=reason,
        created_at=NOW,
    )


def test_live_metrics_below_their_thresholds_make_one_alert_naming_each():
    cfg = AlertsConfig(min_win_rate=0.4, min_profit_factor=1.0, min_sharpe=0.0)
    (alert,) = live_metrics_alerts([model(win_rate=0.3, profit_factor=0.8, sharpe=-0.5)], cfg)
    assert (alert.rule, alert.key, alert.severity) == (
        "live_metrics",
        "live_metrics:XAUUSD-M5-scalper:v3",
        "warning",
    )
    assert alert.message == (
        "XAUUSD-M5-scalper:v3: live win rate 30.0% < 40%; profit factor 0.80 < 1; "
        "Sharpe -0.50 < 0 over 40 live trades"
    )
    assert alert.detail["trades"] == 40 and alert.detail["win_rate"] == 0.3
    assert not alert.event


def test_live_metrics_wait_for_enough_trades_and_skip_metrics_not_judged():
    cfg = AlertsConfig(min_live_trades=50, min_win_rate=0.4)
    assert live_metrics_alerts([model(trades=49, win_rate=0.1)], cfg) == []
    off = AlertsConfig(min_win_rate=0, min_profit_factor=0, min_sharpe=None)
    poor = model(win_rate=0.1, profit_factor=0.2, sharpe=-3.0)
    assert live_metrics_alerts([poor], off) == []
    only_pf = AlertsConfig(min_win_rate=0, min_profit_factor=1.0, min_sharpe=None)
    (alert,) = live_metrics_alerts([poor], only_pf)
    assert "profit factor 0.20 < 1" in alert.message and "win rate" not in alert.message
    nan = model(win_rate=float("nan"), profit_factor=float("inf"), sharpe=float("nan"))
    assert live_metrics_alerts([nan], AlertsConfig()) == []  # no loss: nothing to judge


def test_drawdown_beyond_the_limit_is_critical_with_money_and_percent():
    cfg = AlertsConfig(max_drawdown_pct=5.0)
    deep = model(drawdown=612.5, drawdown_pct=5.5, peak_equity=11_136.36, equity=10_523.86)
    (alert,) = drawdown_alerts([deep, model(drawdown_pct=4.99)], cfg)
    assert (alert.rule, alert.key, alert.severity) == (
        "drawdown",
        "drawdown:XAUUSD-M5-scalper:v3",
        "critical",
    )
    assert alert.message == (
        "XAUUSD-M5-scalper:v3: live equity 5.5% ($612.50) below its peak $11,136.36 (limit 5%)"
    )


def test_failed_sessions_and_activations_are_one_off_events():
    (failed,) = session_alerts([session(7, "no bars stored for XAUUSD M5\nTraceback …")])
    assert failed.key == "session_failed:7" and failed.event
    assert failed.message == (
        "learning session #7 (time, XAUUSD M5) failed: no bars stored for XAUUSD M5"
    )
    events = [
        event(11, "activate", "XAUUSD-M5-scalper:v4", "XAUUSD-M5-scalper:v3", "auto-switch"),
        event(12, "rollback", "XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v4"),
    ]
    promotion, rollback = activation_alerts(events, promotions=True, rollbacks=True)
    assert (promotion.key, promotion.severity, promotion.event) == ("promotion:11", "info", True)
    assert promotion.message == (
        "XAUUSD-M5-scalper:v4 is now the active model (was XAUUSD-M5-scalper:v3), "
        "activated by services: auto-switch"
    )
    assert (rollback.key, rollback.severity) == ("rollback:12", "warning")
    assert rollback.message == (
        "XAUUSD-M5-scalper rolled back to XAUUSD-M5-scalper:v3 (from XAUUSD-M5-scalper:v4) "
        "by services"
    )
    only = activation_alerts(events, promotions=False, rollbacks=True)
    assert [a.rule for a in only] == ["rollback"]


def lease_state(beat_ago: float, *, released: bool, ttl: int = 60) -> LeaseState:
    beat = NOW - timedelta(seconds=beat_ago)
    expires = beat + timedelta(seconds=2) if released else beat + timedelta(seconds=ttl)
    return LeaseState("vps:4242", beat, expires, {})


def test_a_silent_heartbeat_alerts_critical_unless_the_services_stopped_cleanly():
    cfg = AlertsConfig(heartbeat_stale_seconds=120)
    assert heartbeat_alerts(lease_state(119, released=False), NOW, cfg, 60) == []
    assert heartbeat_alerts(None, NOW, cfg, 60) == []
    (crashed,) = heartbeat_alerts(lease_state(600, released=False), NOW, cfg, 60)
    assert crashed.severity == "critical" and crashed.detail["silent_seconds"] == 600
    assert crashed.message == (
        "background services stopped heart-beating: last heartbeat 2025-06-02 11:50:00 UTC "
        "from vps:4242, 10 min ago (crashed, hung or the machine is down)"
    )
    assert crashed.key == "heartbeat:vps:4242:2025-06-02T11:50:00+00:00" and not crashed.event
    (stopped,) = heartbeat_alerts(lease_state(3 * 3600, released=True), NOW, cfg, 60)
    assert stopped.severity == "warning" and stopped.detail["stopped_cleanly"] is True
    assert "stopped at 2025-06-02 09:00:00 UTC (vps:4242) and have not run for 3.0 h" in (
        stopped.message
    )


def test_services_that_take_over_after_a_silence_say_so():
    cfg = AlertsConfig(heartbeat_stale_seconds=120)
    assert resumed_alerts(lease_state(90, released=False), "new:1", NOW, cfg, 60) == []
    (after_crash,) = resumed_alerts(lease_state(1800, released=False), "new:1", NOW, cfg, 60)
    assert (after_crash.severity, after_crash.event) == ("warning", True)
    assert after_crash.message == (
        "background services resumed on new:1 after 30 min without a heartbeat (without a "
        "clean stop; last from vps:4242 at 2025-06-02 11:30:00 UTC)"
    )
    (after_stop,) = resumed_alerts(lease_state(1800, released=True), "new:1", NOW, cfg, 60)
    assert after_stop.severity == "info" and "a clean stop;" in after_stop.message


def test_only_the_rules_switched_on_in_alerts_rules_run():
    state = DeskState(
        now=NOW,
        active=[model(win_rate=0.1, drawdown_pct=50.0)],
        activations=[event(3, "activate", "XAUUSD-M5-scalper:v2", None)],
        failed_sessions=[session(4, "boom")],
        drift=[DriftCheck("XAUUSD M5", "largest PSI 0.400 (rsi_14); threshold 0.25", NOW)],
        lease=lease_state(900, released=False),
    )
    every = evaluate_rules(state, AlertsConfig())
    assert [a.rule for a in every] == [
        "live_metrics",
        "drawdown",
        "drift",
        "session_failed",
        "promotion",
        "heartbeat",
    ]
    assert every[2].message == (
        "feature drift on XAUUSD M5: largest PSI 0.400 (rsi_14); threshold 0.25"
    )
    some = evaluate_rules(state, AlertsConfig(rules=["drawdown", "heartbeat"]))
    assert [a.rule for a in some] == ["drawdown", "heartbeat"]
