"""A leader lease in the database: exactly one process runs the services; a dead holder's lease
expires and another process takes over."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.db.connection import Database
from engine.db.schema import ServiceLease, utcnow

LEASE = "services"


@dataclass(frozen=True)
class LeaseState:
    holder: str | None
    heartbeat_at: datetime | None
    expires_at: datetime | None
    next_runs: dict[str, str]

    @property
    def leader(self) -> str | None:
        return self.holder if self.alive else None

    @property
    def alive(self) -> bool:
        return self.expires_at is not None and self.expires_at > utcnow()

    @property
    def heartbeat_age_seconds(self) -> float | None:
        if self.heartbeat_at is None:
            return None
        return (utcnow() - self.heartbeat_at).total_seconds()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire(db: Database, holder: str, ttl_seconds: int) -> bool:
    """Take the lease if it is free, expired or already ours; True when we hold it now."""
    now = utcnow()
    with db.session(write=True) as s:
        row = s.scalars(
            select(ServiceLease).where(ServiceLease.name == LEASE).with_for_update()
        ).first()
        if row is None:
            s.add(
                ServiceLease(
                    name=LEASE,
                    holder=holder,
                    acquired_at=now,
                    heartbeat_at=now,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )
            return True
        if row.holder != holder and row.expires_at > now:
            return False
        if row.holder != holder:
            row.holder, row.acquired_at = holder, now
        row.heartbeat_at = now
        row.expires_at = now + timedelta(seconds=ttl_seconds)
        return True


def renew(db: Database, holder: str, ttl_seconds: int, next_runs: dict[str, str]) -> bool:
    """Heartbeat: extend our lease; False when someone else took it (we must stop acting)."""
    now = utcnow()
    with db.session(write=True) as s:
        row = s.get(ServiceLease, LEASE)
        if row is None or row.holder != holder:
            return False
        row.heartbeat_at = now
        row.expires_at = now + timedelta(seconds=ttl_seconds)
        row.next_runs_json = json.dumps(next_runs)
        return True


def release(db: Database, holder: str) -> None:
    with db.session(write=True) as s:
        row = s.get(ServiceLease, LEASE)
        if row is not None and row.holder == holder:
            row.expires_at = utcnow()


def state(db: Database) -> LeaseState:
    with db.session() as s:
        row = s.get(ServiceLease, LEASE)
        if row is None:
            return LeaseState(None, None, None, {})
        return LeaseState(
            row.holder, row.heartbeat_at, row.expires_at, json.loads(row.next_runs_json or "{}")
        )
