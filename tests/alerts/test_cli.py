"""`aurum alerts`: the list, a test alert to a real local webhook, and a check run by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.services import Desk
from tests.alerts.conftest import use_webhook
from tests.alerts.receiver import Receiver


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_empty_list_says_where_alerts_go(home: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "alerts", "--home", str(home))
    assert code == 0
    assert out.strip() == "no alerts yet; no webhook (alerts.webhook_url empty)"
    code, _, err = run(capsys, "alerts", "test", "--home", str(home))
    assert code == 1 and "error: no webhook to test: set alerts.webhook_url" in err


def test_a_test_alert_reaches_the_webhook(
    home: Path, desk: Desk, receiver: Receiver, capsys: pytest.CaptureFixture[str]
):
    use_webhook(desk, receiver.url, format="discord")
    code, out, _ = run(capsys, "alerts", "test", "--home", str(home), "--actor", "alice")
    assert code == 0 and out.strip() == "test alert #1 delivered to http://127.0.0.1/…"
    assert receiver.bodies == [
        {
            "content": "ℹ️ **Aurum INFO · test**\nTest alert from Aurum, sent by alice: alerts "
            "reach this webhook.",
            "username": "Aurum",
            "allowed_mentions": {"parse": []},
        }
    ]
    (audit,) = [r for r in desk.audit_log() if r.action == "alert.raised"]
    assert audit.actor == "alice"
    code, out, _ = run(capsys, "alerts", "--home", str(home), "--json")
    (listed,) = json.loads(out)
    assert (listed["id"], listed["rule"], listed["status"], listed["attempts"]) == (
        1,
        "test",
        "delivered",
        1,
    )
    assert set(listed) == {
        "id",
        "rule",
        "key",
        "severity",
        "message",
        "detail",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "delivered_at",
    }


def test_a_refused_test_alert_exits_non_zero_and_stays_pending(
    home: Path, desk: Desk, receiver: Receiver, capsys: pytest.CaptureFixture[str]
):
    receiver.fail_first = 1
    use_webhook(desk, receiver.url)
    code, _, err = run(capsys, "alerts", "test", "--home", str(home))
    assert code == 1
    assert "test alert #1 did not reach http://127.0.0.1/…: HTTP 500 Internal Server Error" in err
    code, out, _ = run(capsys, "alerts", "--home", str(home))
    assert "pending (1 attempt): HTTP 500 Internal Server Error" in out
    assert "webhook http://127.0.0.1/…" in out and "secret-token" not in out


def test_check_runs_the_rules_now(
    home: Path, desk: Desk, active: Any, capsys: pytest.CaptureFixture[str]
):
    code, out, _ = run(capsys, "alerts", "check", "--home", str(home))
    assert code == 0
    assert out.splitlines() == [
        "#1 [info] promotion: XAUUSD-M5-scalper:v1 is now the active model (was none), "
        "activated by alice: first",
        "1 new alert(s); delivered 0, retrying 0, failed 0",
    ]
    code, out, _ = run(capsys, "alerts", "check", "--home", str(home), "--json")
    assert json.loads(out)["raised"] == []  # raised once
    code, out, _ = run(capsys, "alerts", "--home", str(home))
    assert "recorded" in out and "no webhook (alerts.webhook_url empty)" in out
