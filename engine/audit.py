"""Audit rows, written in the caller's transaction: an action and its record commit together."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

from engine.db.schema import AuditEvent, utcnow

_AUDIT: Table = AuditEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_AUDIT)


def add_audit(
    session: Session, actor: str, action: str, target: str, detail: Mapping[str, Any]
) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target=target,
            detail_json=json.dumps(dict(detail), default=str),
        )
    )


def insert_audit(
    connection: Connection, actor: str, action: str, target: str, detail: Mapping[str, Any]
) -> None:
    """The row `add_audit` adds, inserted at once with one Core statement (no unit of work)."""
    connection.execute(
        _INSERT,
        {
            "actor": actor,
            "action": action,
            "target": target,
            "detail_json": json.dumps(dict(detail), default=str),
            "created_at": utcnow(),
        },
    )
