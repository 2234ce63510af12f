"""The alerts table: raising (de-duplicated, audited), listing, and delivery bookkeeping.

Statuses: `pending` (to be sent; retried with backoff), `delivered`, `failed` (every attempt
used; the last error is kept), `recorded` (no webhook was configured when it was raised: shown
on the dashboard and in `aurum alerts` only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from engine.alerts.rules import AlertCandidate
from engine.audit import add_audit
from engine.config.alerts import AlertsConfig
from engine.db.schema import Alert
from engine.jsonable import to_jsonable

ACTOR = "alerts"
STATUSES = ("pending", "delivered", "failed", "recorded")


@dataclass(frozen=True)
class AlertRecord:
    """One raised alert and where its delivery stands."""

    id: int
    rule: str
    key: str
    severity: str
    message: str
    detail: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _record(row: Alert) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        rule=row.rule,
        key=row.dedup_key,
        severity=row.severity,
        message=row.message,
        detail=json.loads(row.detail_json or "{}"),
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


def dedup_window(candidate: AlertCandidate, cfg: AlertsConfig) -> timedelta:
    """How far back an alert with the same key silences this one: `alerts.dedup_minutes`, and
    for one-off events at least the lookback in which the rules still see the event."""
    window = timedelta(minutes=cfg.dedup_minutes)
    if candidate.event:
        window = max(window, timedelta(hours=cfg.lookback_hours, minutes=1))
    return window


def raise_alerts(
    db: Any,
    candidates: list[AlertCandidate],
    cfg: AlertsConfig,
    now: datetime,
    *,
    deliverable: bool,
    actor: str = ACTOR,
) -> list[AlertRecord]:
    """Insert each candidate whose key was not raised within its window, with its audit event,
    in one transaction; returns the alerts raised (pending when `deliverable`, else recorded)."""
    raised = []
    with db.session(write=True) as s:
        for c in candidates:
            key = c.key[:200]
            earlier = s.scalar(
                select(Alert.id)
                .where(Alert.dedup_key == key, Alert.created_at > now - dedup_window(c, cfg))
                .limit(1)
            )
            if earlier is not None:
                continue
            row = Alert(
                rule=c.rule[:64],
                dedup_key=key,
                severity=c.severity,
                message=c.message,
                detail_json=json.dumps(to_jsonable(c.detail), default=str),
                status="pending" if deliverable else "recorded",
                attempts=0,
                created_at=now,
            )
            s.add(row)
            s.flush()
            add_audit(
                s,
                actor,
                "alert.raised",
                f"#{row.id} {c.rule}",
                {"severity": c.severity, "message": c.message, "key": key, "status": row.status},
            )
            raised.append(_record(row))
    return raised


def recent(db: Any, limit: int = 50) -> list[AlertRecord]:
    """The newest alerts first; alerts raised at the same time (one check) in the order they
    were raised, as the rules found them."""
    with db.session() as s:
        query = select(Alert).order_by(Alert.created_at.desc(), Alert.id).limit(limit)
        rows = s.scalars(query).all()
        return [_record(r) for r in rows]


def get(db: Any, alert_id: int) -> AlertRecord | None:
    with db.session() as s:
        row = s.get(Alert, alert_id)
        return None if row is None else _record(row)


def pending(db: Any, limit: int, rules: set[str] | None = None) -> list[AlertRecord]:
    """Alerts still to be sent, oldest first (optionally only these rules')."""
    query = select(Alert).where(Alert.status == "pending")
    if rules is not None:
        query = query.where(Alert.rule.in_(sorted(rules)))
    with db.session() as s:
        rows = s.scalars(query.order_by(Alert.id).limit(limit)).all()
        return [_record(r) for r in rows]


def claim_attempt(db: Any, alert: AlertRecord) -> bool:
    """Count one more attempt, only if no other process did since `alert` was read: the
    process whose claim succeeds sends it, so an alert is never sent twice at once."""
    with db.session(write=True) as s:
        done = s.execute(
            update(Alert)
            .where(
                Alert.id == alert.id,
                Alert.status == "pending",
                Alert.attempts == alert.attempts,
            )
            .values(attempts=alert.attempts + 1)
        )
        return bool(getattr(done, "rowcount", 0) == 1)


def finish_attempt(
    db: Any, alert_id: int, *, error: str | None, now: datetime, max_attempts: int
) -> AlertRecord:
    """Record an attempt's outcome: delivered, still pending (retried later) or failed for good
    (with an audit event); the error is kept either way."""
    with db.session(write=True) as s:
        row = s.get(Alert, alert_id)
        assert row is not None
        if error is None:
            row.status, row.delivered_at, row.last_error = "delivered", now, None
        else:
            row.last_error = error[:2000]
            if row.attempts >= max_attempts:
                row.status = "failed"
                add_audit(
                    s,
                    ACTOR,
                    "alert.delivery_failed",
                    f"#{row.id} {row.rule}",
                    {"attempts": row.attempts, "error": row.last_error},
                )
        return _record(row)
