"""Audit rows, written in the caller's transaction: an action and its record commit together."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.db.schema import AuditEvent


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
