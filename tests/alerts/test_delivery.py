"""Webhook delivery against a real HTTP receiver on 127.0.0.1: payload shapes, retries with
backoff, permanent failure, timeouts, and a webhook that is down not holding up the service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.alerts import store
from engine.alerts.delivery import deliver_due, masked_url, next_attempt_at, webhook_url
from engine.alerts.rules import AlertCandidate
from engine.db.schema import utcnow
from engine.services import Desk
from tests.alerts.conftest import use_webhook
from tests.alerts.receiver import Receiver


def raise_one(
    desk: Desk, key: str = "drawdown:XAUUSD-M5-scalper:v3", when=None
) -> store.AlertRecord:
    candidate = AlertCandidate(
        "drawdown",
        key,
        "critical",
        "XAUUSD-M5-scalper:v3: live equity 12.0% below its peak <$11,000> & falling",
        {"drawdown_pct": 12.0},
    )
    cfg = desk.config().alerts
    (alert,) = store.raise_alerts(desk.db, [candidate], cfg, when or utcnow(), deliverable=True)
    return alert


def test_generic_payload_reaches_the_webhook_as_json(desk: Desk, receiver: Receiver):
    use_webhook(desk, receiver.url)
    alert = raise_one(desk)
    report = deliver_due(desk.db, desk.config().alerts, utcnow())
    assert report.delivered == [alert.id] and report.retrying == report.failed == []
    (request,) = receiver.requests
    assert request.path == "/hooks/secret-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "source": "aurum",
        "id": alert.id,
        "rule": "drawdown",
        "severity": "critical",
        "message": alert.message,
        "text": f"🚨 Aurum CRITICAL · drawdown: {alert.message}",
        "detail": {"drawdown_pct": 12.0},
        "created_at": alert.created_at.isoformat(),
    }
    done = store.get(desk.db, alert.id)
    assert done is not None and (done.status, done.attempts, done.last_error) == (
        "delivered",
        1,
        None,
    )
    assert done.delivered_at is not None
    assert deliver_due(desk.db, desk.config().alerts, utcnow()).delivered == []  # sent once


@pytest.mark.parametrize(
    ("fmt", "extra", "expected"),
    [
        (
            "slack",
            {},
            {
                "text": ":rotating_light: *Aurum CRITICAL · drawdown*\nXAUUSD-M5-scalper:v3: "
                "live equity 12.0% below its peak &lt;$11,000&gt; &amp; falling"
            },
        ),
        (
            "discord",
            {},
            {
                "content": "🚨 **Aurum CRITICAL · drawdown**\nXAUUSD-M5-scalper:v3: live equity "
                "12.0% below its peak <$11,000> & falling",
                "username": "Aurum",
                "allowed_mentions": {"parse": []},
            },
        ),
        (
            "telegram",
            {"telegram_chat_id": "-100123456"},
            {
                "chat_id": "-100123456",
                "text": "🚨 Aurum CRITICAL · drawdown\nXAUUSD-M5-scalper:v3: live equity 12.0% "
                "below its peak <$11,000> & falling",
                "disable_web_page_preview": True,
            },
        ),
    ],
)
def test_chat_payload_shapes(desk: Desk, receiver: Receiver, fmt: str, extra: dict, expected: dict):
    use_webhook(desk, receiver.url, **extra, format=fmt)
    raise_one(desk)
    deliver_due(desk.db, desk.config().alerts, utcnow())
    assert receiver.bodies == [expected]


def test_telegram_needs_a_chat_id(desk: Desk):
    from engine.errors import ConfigError

    with pytest.raises(ConfigError, match=r"alerts\.telegram_chat_id is required"):
        desk.set_config("alerts.format", "telegram", actor="t")
    with pytest.raises(ConfigError, match=r"alerts\.webhook_url must be empty or an http"):
        desk.set_config("alerts.webhook_url", "file:///etc/passwd", actor="t")


def test_a_failing_webhook_is_retried_with_backoff_until_it_answers(desk: Desk, receiver: Receiver):
    receiver.fail_first = 2
    use_webhook(desk, receiver.url, retry_seconds="60", max_attempts="5")
    t0 = utcnow()
    alert = raise_one(desk, when=t0)
    cfg = desk.config().alerts
    assert deliver_due(desk.db, cfg, t0).retrying == [alert.id]
    first = store.get(desk.db, alert.id)
    assert first is not None and (first.status, first.attempts) == ("pending", 1)
    assert first.last_error == 'HTTP 500 Internal Server Error: {"ok": false, "error": "try later"}'
    assert next_attempt_at(first, 60) == t0 + timedelta(seconds=60)
    assert deliver_due(desk.db, cfg, t0 + timedelta(seconds=59)).retrying == []  # not due yet
    assert deliver_due(desk.db, cfg, t0 + timedelta(seconds=60)).retrying == [alert.id]
    second = store.get(desk.db, alert.id)
    assert second is not None and next_attempt_at(second, 60) == t0 + timedelta(seconds=180)
    assert deliver_due(desk.db, cfg, t0 + timedelta(seconds=179)).delivered == []
    assert deliver_due(desk.db, cfg, t0 + timedelta(seconds=180)).delivered == [alert.id]
    done = store.get(desk.db, alert.id)
    assert done is not None and (done.status, done.attempts, done.last_error) == (
        "delivered",
        3,
        None,
    )
    assert len(receiver.requests) == 3 and receiver.bodies[0] == receiver.bodies[2]


def test_a_webhook_that_keeps_failing_marks_the_alert_failed_with_its_error(
    desk: Desk, receiver: Receiver
):
    receiver.fail_first, receiver.fail_status = 100, 404
    use_webhook(desk, receiver.url, retry_seconds="0", max_attempts="3")
    alert = raise_one(desk)
    cfg = desk.config().alerts
    statuses = []
    for _ in range(5):
        deliver_due(desk.db, cfg, utcnow())
        now = store.get(desk.db, alert.id)
        assert now is not None
        statuses.append((now.status, now.attempts))
    assert statuses == [("pending", 1), ("pending", 2), ("failed", 3), ("failed", 3), ("failed", 3)]
    assert len(receiver.requests) == 3
    failed = store.get(desk.db, alert.id)
    assert failed is not None and failed.last_error is not None
    assert failed.last_error.startswith("HTTP 404 Not Found")
    (audit,) = [r for r in desk.audit_log() if r.action == "alert.delivery_failed"]
    assert audit.detail["attempts"] == 3 and audit.detail["error"] == failed.last_error
    assert [a.status for a in desk.alerts()] == ["failed"]  # kept, with its error


def test_no_answer_in_time_is_a_failed_attempt_and_ends_the_pass(desk: Desk, receiver: Receiver):
    receiver.delay = 1.5
    use_webhook(desk, receiver.url, timeout_seconds="0.3", retry_seconds="0")
    first = raise_one(desk, key="a")
    second = raise_one(desk, key="b")
    report = deliver_due(desk.db, desk.config().alerts, utcnow())
    assert report.retrying == [first.id]  # the second keeps its attempts for the next pass
    after = store.get(desk.db, first.id)
    assert after is not None and after.last_error == "no answer within 0.3 s"
    untouched = store.get(desk.db, second.id)
    assert untouched is not None and untouched.attempts == 0


def test_a_webhook_nobody_listens_on_is_recorded_not_raised(desk: Desk, receiver: Receiver):
    url = receiver.url
    receiver.stop()  # the port is closed now
    use_webhook(desk, url, retry_seconds="0")
    alert = raise_one(desk)
    report = deliver_due(desk.db, desk.config().alerts, utcnow())
    assert report.retrying == [alert.id]
    after = store.get(desk.db, alert.id)
    assert after is not None and after.last_error is not None
    assert after.last_error.startswith("could not reach the webhook")
    assert "secret-token" not in after.last_error


def test_the_environment_variable_overrides_the_config_and_urls_are_shown_masked(
    desk: Desk, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
):
    use_webhook(desk, "https://hooks.example.com/services/T000/B000/XXXX")
    monkeypatch.setenv("AURUM_ALERTS_WEBHOOK_URL", receiver.url)
    cfg = desk.config().alerts
    assert webhook_url(cfg) == receiver.url
    raise_one(desk)
    assert len(deliver_due(desk.db, cfg, utcnow()).delivered) == 1
    assert len(receiver.requests) == 1
    assert masked_url(cfg.webhook_url) == "https://hooks.example.com/…"
    assert masked_url("") == ""
