"""Alerts in the running background services: a promotion reaches the webhook from a real
scheduler; a standing-by process reports a leader that stopped beating; a takeover after a
silence is reported; a dead webhook never breaks the service loop."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.db.schema import ServiceLease, utcnow
from engine.scheduler import lease
from engine.scheduler.service import AurumServices
from engine.services import Desk
from tests.alerts.conftest import use_webhook
from tests.alerts.receiver import Receiver
from tests.conftest import spec


def wait_for(check: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def test_a_promotion_reaches_the_webhook_from_the_running_services(
    home: Path, desk: Desk, active: Any, forest: Any, receiver: Receiver
):
    use_webhook(desk, receiver.url, check_seconds="5")
    challenger = desk.registry.register(forest, spec("random_forest"))
    desk.activate(challenger.id, actor="services", reason="auto-switch: passed the gates")
    services = AurumServices(str(home))
    services.start()
    try:
        assert "alerts" in {job.id for job in services._scheduler.get_jobs()}
        wait_for(lambda: len(receiver.requests) >= 2, timeout=30)
    finally:
        services.stop()
        services.desk.close()
    messages = sorted((b["rule"], b["message"]) for b in receiver.bodies)
    assert messages == [
        (
            "promotion",
            "XAUUSD-M5-scalper:v1 is now the active model (was none), activated by alice: first",
        ),
        (
            "promotion",
            "XAUUSD-M5-scalper:v2 is now the active model (was XAUUSD-M5-scalper:v1), "
            "activated by services: auto-switch: passed the gates",
        ),
    ]
    assert {a.status for a in desk.alerts()} == {"delivered"}
    assert services.failures == {}


def stale_leader(desk: Desk, *, silent: float, expired: bool) -> None:
    """Lease held by `vps:1`, whose last heartbeat was `silent` seconds ago."""
    assert lease.acquire(desk.db, "vps:1", 3600)
    with desk.db.session(write=True) as s:
        row = s.get(ServiceLease, lease.LEASE)
        assert row is not None
        row.heartbeat_at = utcnow() - timedelta(seconds=silent)
        row.expires_at = utcnow() + timedelta(seconds=-1 if expired else 3000)


def test_a_standing_by_process_reports_a_leader_that_stopped_beating(
    home: Path, desk: Desk, active: Any, receiver: Receiver
):
    use_webhook(desk, receiver.url, heartbeat_stale_seconds="120")
    stale_leader(desk, silent=600, expired=False)
    services = AurumServices(str(home))
    try:
        services.heartbeat()
        assert not services.is_leader
        services.alerts()
        services.alerts()  # the same silence is not reported twice
    finally:
        services.desk.close()
    (body,) = receiver.bodies  # only the heartbeat rule runs when standing by: no promotion
    assert (body["rule"], body["severity"]) == ("heartbeat", "critical")
    assert body["message"].startswith("background services stopped heart-beating: last heartbeat")
    assert "from vps:1, 10 min ago" in body["message"]


def test_taking_over_after_a_silence_raises_an_alert(home: Path, desk: Desk, receiver: Receiver):
    use_webhook(desk, receiver.url, heartbeat_stale_seconds="120")
    stale_leader(desk, silent=1800, expired=True)
    services = AurumServices(str(home))
    try:
        services.heartbeat()
        assert services.is_leader
        (alert,) = desk.alerts()
        assert (alert.rule, alert.severity, alert.status) == ("heartbeat", "warning", "pending")
        assert alert.message.startswith(
            f"background services resumed on {services.holder} after 30 min without a "
            "heartbeat (without a clean stop; last from vps:1 at"
        )
        services.alerts()
    finally:
        services.stop()
        services.desk.close()
    assert [b["rule"] for b in receiver.bodies] == ["heartbeat"]


def test_a_dead_webhook_never_breaks_the_service_loop(
    home: Path, desk: Desk, active: Any, receiver: Receiver
):
    url = receiver.url
    receiver.stop()
    use_webhook(desk, url, retry_seconds="0")
    services = AurumServices(str(home))
    try:
        services.heartbeat()
        services.guarded("alerts", services.alerts)()
        services.guarded("alerts", services.alerts)()
    finally:
        services.stop()
        services.desk.close()
    assert services.failures == {}
    (alert,) = desk.alerts()
    assert (alert.rule, alert.status, alert.attempts) == ("promotion", "pending", 2)
    assert alert.last_error is not None and "could not reach the webhook" in alert.last_error
