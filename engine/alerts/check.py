"""One alerts check: read the desk, run the rules, record new alerts, deliver the due ones.

The background services run it every `alerts.check_seconds` in every process: the lease holder
runs every rule; a standing-by process runs only `heartbeat` (it is the one that can see the
leader stop) and delivers only those alerts. `aurum alerts check` runs it from outside (e.g.
from cron, to hear about services that are not running at all).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.alerts import store
from engine.alerts.delivery import DeliveryReport, attempt, deliver_due, webhook_url
from engine.alerts.rules import AlertCandidate, evaluate_rules, resumed_alerts
from engine.alerts.state import gather_state
from engine.alerts.store import AlertRecord
from engine.config.alerts import AlertsConfig
from engine.db.schema import utcnow
from engine.errors import ConfigError

log = logging.getLogger("aurum.alerts")


@dataclass(frozen=True)
class AlertCycle:
    """What one check raised and what its delivery pass did."""

    raised: list[AlertRecord] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def check_alerts(desk: Any, *, leader: bool = True, now: datetime | None = None) -> AlertCycle:
    """Run the enabled rules (only `heartbeat` when not `leader`), record what they found,
    deliver what is due. A webhook failure is recorded on the alert, never raised."""
    cfg = desk.config()
    if not cfg.alerts.enabled:
        return AlertCycle()
    at = now or utcnow()
    rules = set(cfg.alerts.rules) if leader else set(cfg.alerts.rules) & {"heartbeat"}
    state = gather_state(desk, cfg, at, rules=rules)
    alerts_cfg = cfg.alerts.model_copy(update={"rules": sorted(rules)})
    raised = record(desk, evaluate_rules(state, alerts_cfg), cfg.alerts, at)
    delivery = deliver_due(desk.db, cfg.alerts, at, rules=None if leader else {"heartbeat"})
    for alert in raised:
        log.warning("alert #%s [%s] %s", alert.id, alert.severity, alert.message)
    return AlertCycle(raised, delivery)


def record(
    desk: Any, candidates: list[AlertCandidate], cfg: AlertsConfig, now: datetime
) -> list[AlertRecord]:
    """Raise the candidates not raised lately; pending when a webhook is configured."""
    if not candidates:
        return []
    return store.raise_alerts(desk.db, candidates, cfg, now, deliverable=bool(webhook_url(cfg)))


def raise_resumed(
    desk: Any, before: Any, holder: str, *, now: datetime | None = None
) -> list[AlertRecord]:
    """Services that just took the lease (`before`: the lease as it was) report a silence
    longer than `alerts.heartbeat_stale_seconds` before them."""
    cfg = desk.config()
    if not cfg.alerts.enabled or "heartbeat" not in cfg.alerts.rules:
        return []
    at = now or utcnow()
    found = resumed_alerts(before, holder, at, cfg.alerts, cfg.scheduler.lease_seconds)
    return record(desk, found, cfg.alerts, at)


def send_test_alert(desk: Any, *, actor: str) -> AlertRecord:
    """Raise a test alert and make its first delivery attempt now. A failed attempt leaves it
    pending (the services retry it) and is reported on the returned record."""
    cfg = desk.config().alerts
    url = webhook_url(cfg)
    if not url:
        raise ConfigError(
            "no webhook to test: set alerts.webhook_url (`aurum config set alerts.webhook_url "
            "URL`) or the environment variable AURUM_ALERTS_WEBHOOK_URL"
        )
    at = utcnow()
    test = AlertCandidate(
        "test",
        f"test:{at.isoformat()}",
        "info",
        f"Test alert from Aurum, sent by {actor}: alerts reach this webhook.",
        {"actor": actor},
    )
    (alert,) = store.raise_alerts(desk.db, [test], cfg, at, deliverable=True, actor=actor)
    done = attempt(desk.db, alert, cfg, url, at)
    return alert if done is None else done.alert
