"""The pause switch on the desk and the command line: durable, with who/when/why history,
audited, alerted, idempotent, operators only; the signal controls it drives (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine.auth import add_user
from engine.cli.main import main
from engine.config.schema import Phase3Config
from engine.controls.pause import PauseEvent, PauseState
from engine.controls.serving import ControlSettings, controlled_signal
from engine.errors import AurumError, PermissionDeniedError
from engine.learner.predict import Signal
from engine.services import Desk
from tests.alerts.receiver import Receiver

BAR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def buy(stop_distance: float | None = 3.2) -> Signal:
    return Signal(
        side="BUY", confidence=0.61, p_long=0.61, p_short=0.2, bar_time=BAR,
        entry_price=2000.0, stop_loss=1997.0, take_profit=2005.0, version_id=3,
        version_ref="XAUUSD-M5-scalper:v3", min_confidence=0.45, stop_distance=stop_distance,
    )  # fmt: skip


def settings(**risk: object) -> ControlSettings:
    cfg = Phase3Config.model_validate({"risk": risk})
    return ControlSettings(cfg.risk, cfg.costs, cfg.account.initial_balance)


def test_a_paused_switch_holds_every_signal_with_its_reason():
    event = PauseEvent(7, True, "olga", "NFP at 13:30", BAR)
    held = controlled_signal(buy(), state=PauseState(True, event), settings=settings())
    assert (held.side, held.paused, held.pause_reason, held.lots, held.risk_money) == (
        "HOLD", True, "NFP at 13:30", 0.0, 0.0,
    )  # fmt: skip
    assert (held.stop_loss, held.take_profit, held.stop_distance) == (None, None, None)
    assert (held.p_long, held.version_id) == (0.61, 3)  # what the model said is kept
    served = controlled_signal(buy(), state=PauseState(False), settings=settings())
    # fixed 0.1 lots at (3.20 + 0.04) x 100 + 7 = 331 per lot
    assert (served.side, served.lots, served.risk_money, served.paused) == ("BUY", 0.1, 33.1, False)


def test_a_model_hold_stays_hold_with_nothing_at_risk():
    hold = Signal(**{**buy().__dict__, "side": "HOLD", "stop_loss": None, "take_profit": None})
    got = controlled_signal(hold, state=PauseState(False), settings=settings())
    assert (got.side, got.lots, got.risk_money, got.sizing) == ("HOLD", 0.0, 0.0, "")


def test_pause_and_resume_are_durable_audited_alerted_and_idempotent(desk: Desk, home):
    assert desk.pause_state() == PauseState(False)
    state = desk.pause("NFP at 13:30 UTC", actor="olga")
    assert (state.paused, state.changed, state.reason) == (True, True, "NFP at 13:30 UTC")
    with Desk.open(str(home)) as other:  # another process sees it
        seen = other.pause_state()
        assert (seen.paused, seen.event.actor, seen.event.reason) == (True, "olga", state.reason)
    again = desk.pause("something else", actor="vic")
    assert (again.changed, again.event.id, again.reason) == (False, state.event.id, state.reason)
    resumed = desk.resume("numbers are out", actor="olga")
    assert (resumed.paused, resumed.changed, resumed.reason) == (False, True, None)
    assert desk.resume(actor="olga").changed is False
    history = desk.pause_history()
    assert [(e.paused, e.actor, e.reason) for e in history] == [
        (False, "olga", "numbers are out"),
        (True, "olga", "NFP at 13:30 UTC"),
    ]
    audit = [
        (a.action, a.actor, a.detail["reason"]) for a in desk.audit_log() if a.target == "signals"
    ]
    assert audit == [
        ("trading.resume", "olga", "numbers are out"),
        ("trading.pause", "olga", "NFP at 13:30 UTC"),
    ]
    alerts = [(a.rule, a.severity, a.status) for a in desk.alerts()]
    assert alerts == [("pause", "info", "recorded"), ("pause", "critical", "recorded")]
    assert "trading PAUSED by olga: NFP at 13:30 UTC" in desk.alerts()[1].message


def test_a_pause_needs_a_reason_and_an_operator(desk: Desk):
    with pytest.raises(AurumError, match="needs a reason"):
        desk.pause("  ", actor="olga")
    add_user(desk, "vic", "viewer", "viewer-pass", actor="admin")
    with pytest.raises(PermissionDeniedError, match="vic is a viewer"):
        desk.acting_as("vic", "viewer").pause("mine", actor="vic")
    desk.pause("ok", actor="olga")
    with pytest.raises(PermissionDeniedError):
        desk.acting_as("vic", "viewer").resume("mine", actor="vic")
    assert desk.pause_state().paused and len(desk.pause_history()) == 1


def test_with_alerts_off_a_pause_raises_none(desk: Desk):
    desk.set_config("alerts.enabled", "false", actor="t")
    desk.pause("quiet", actor="olga")
    assert desk.alerts() == [] and desk.pause_state().paused


def test_a_pause_alert_is_sent_to_the_webhook_at_once(desk: Desk):
    receiver = Receiver().start()
    try:
        desk.set_config("alerts.webhook_url", receiver.url, actor="t")
        desk.pause("spread spike", actor="olga")
        (alert,) = desk.alerts()
        assert (alert.status, alert.severity, alert.attempts) == ("delivered", "critical", 1)
        (body,) = receiver.bodies
        assert (body["rule"], body["severity"]) == ("pause", "critical")
        assert body["message"] == (
            "trading PAUSED by olga: spread spike; every signal is HOLD until `aurum resume`"
        )
        assert body["detail"]["reason"] == "spread spike" and body["detail"]["paused"] is True
    finally:
        receiver.stop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_pauses_shows_and_resumes(home, capsys: pytest.CaptureFixture[str]):
    h = str(home)
    code, _, err = run(capsys, "pause", "--home", h)
    assert code == 1 and "aurum pause --reason TEXT" in err
    code, out, _ = run(capsys, "pause", "--reason", "FOMC", "--home", h, "--actor", "olga")
    assert code == 0 and out.startswith("PAUSED since ") and "by olga: FOMC" in out
    code, out, _ = run(capsys, "pause", "--reason", "again", "--home", h, "--json")
    body = json.loads(out)
    assert (body["paused"], body["changed"], body["event"]["reason"]) == (True, False, "FOMC")
    code, out, _ = run(capsys, "pause", "--show", "--home", h)
    assert "PAUSED since" in out and "FOMC" in out and "pause" in out
    code, out, _ = run(capsys, "resume", "--home", h, "--actor", "olga", "--reason", "done")
    assert code == 0 and out.startswith("trading is on (resumed ") and "by olga: done" in out
    code, out, _ = run(capsys, "pause", "--show", "--home", h, "--json")
    shown = json.loads(out)
    assert shown["state"]["paused"] is False
    assert [e["paused"] for e in shown["history"]] == [False, True]
    code, out, _ = run(capsys, "resume", "--home", h)
    assert out.startswith("already on: trading is on")
