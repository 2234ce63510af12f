"""Moving the `active` pointer: one transaction, one appended event, rollback walks history back.

The moves are a handful of Core statements on the caller's connection (no ORM unit of work):
they run on every activation and rollback, and the pointer row's primary key (lineage, alias)
is what makes "one active version per lineage" a database guarantee.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, aliased

from engine.db.schema import ActivationEvent, Alias, Lineage, ModelVersion, utcnow
from engine.errors import RegistryError
from engine.registry.refs import lineage_row, version_row
from engine.registry.types import ActivationRecord
from engine.registry.versions import ACTIVE

_ALIASES: Table = Alias.__table__  # type: ignore[assignment]
_EVENTS: Table = ActivationEvent.__table__  # type: ignore[assignment]
_VERSIONS: Table = ModelVersion.__table__  # type: ignore[assignment]
_LINEAGES: Table = Lineage.__table__  # type: ignore[assignment]


def activation_stack(session: Session | Connection, lineage_id: int) -> list[int]:
    """The versions a run of rollbacks would restore, oldest first; the last one is active.

    Activations push, rollbacks pop, so repeated rollbacks walk back through history.
    """
    stack: list[int] = []
    events = session.execute(
        select(_EVENTS.c.kind, _EVENTS.c.to_version_id)
        .where(_EVENTS.c.lineage_id == lineage_id, _EVENTS.c.alias == ACTIVE)
        .order_by(_EVENTS.c.id)
    )
    for kind, to_version in events:
        if kind == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(to_version)
    return stack


def rollback_target(session: Session | Connection, lineage_id: int) -> int | None:
    """The version a rollback would re-activate: the one active before the current one (the
    rollback refuses it, with the reason, if its model file was cleaned up)."""
    stack = activation_stack(session, lineage_id)
    return stack[-2] if len(stack) >= 2 else None


# Built once and reused: constructing statements costs more than running them on SQLite.
_CURRENT = (
    select(_VERSIONS.c.id, _VERSIONS.c.version, _VERSIONS.c.status)
    .join(_ALIASES, _ALIASES.c.version_id == _VERSIONS.c.id)
    .where(_ALIASES.c.lineage_id == bindparam("lineage"), _ALIASES.c.alias == ACTIVE)
)
_ARCHIVE = (
    update(_VERSIONS)
    .where(_VERSIONS.c.id == bindparam("leaving"), _VERSIONS.c.status == "candidate")
    .values(status="archived")
)
_POINT = (
    update(_ALIASES)
    .where(_ALIASES.c.lineage_id == bindparam("lineage"), _ALIASES.c.alias == ACTIVE)
    .values(version_id=bindparam("to"), updated_at=bindparam("now"))
)
_NEW_POINTER, _NEW_EVENT = insert(_ALIASES), insert(_EVENTS)
_LOCK = select(_LINEAGES.c.id).where(_LINEAGES.c.id == bindparam("lineage")).with_for_update()


def _move(
    connection: Connection, target: Row[Any], *, kind: str, actor: str, reason: str
) -> ActivationRecord:
    """Point `active` at `target` (a `version_row`), archive the candidate it leaves, append
    the event. The caller holds the lineage lock."""
    lineage_id, name = target.lineage_id, target.lineage
    current = connection.execute(_CURRENT, {"lineage": lineage_id}).first()
    if kind == "activate" and current is not None and current.id == target.id:
        raise RegistryError(f"{name}:v{target.version} is already the active version")
    now = utcnow()
    if current is None:
        connection.execute(
            _NEW_POINTER,
            {"lineage_id": lineage_id, "alias": ACTIVE, "version_id": target.id, "updated_at": now},
        )
    else:
        if current.id != target.id and current.status == "candidate":
            connection.execute(_ARCHIVE, {"leaving": current.id})
        connection.execute(_POINT, {"lineage": lineage_id, "to": target.id, "now": now})
    from_id = None if current is None else current.id
    result = connection.execute(
        _NEW_EVENT,
        {
            "lineage_id": lineage_id,
            "kind": kind,
            "from_version_id": from_id,
            "to_version_id": target.id,
            "actor": actor,
            "reason": reason,
            "created_at": now,
        },
    )
    key = result.inserted_primary_key
    assert key is not None
    return ActivationRecord(
        id=key[0],
        lineage=name,
        kind=kind,
        from_ref=None if current is None else f"{name}:v{current.version}",
        to_ref=f"{name}:v{target.version}",
        from_version_id=from_id,
        to_version_id=target.id,
        actor=actor,
        reason=reason,
        created_at=now,
    )


def _refuse_cleaned(target: Row[Any], message: str) -> None:
    if target.status == "cleaned" or not target.artifact_path:
        raise RegistryError(message)


def activate(
    connection: Connection, ref: str | int, *, actor: str, reason: str
) -> ActivationRecord:
    """Make `ref` the active version of its lineage."""
    target = version_row(connection, ref, lock_lineage=True)
    _refuse_cleaned(
        target,
        f"{target.lineage}:v{target.version} cannot be activated: its model file was cleaned up",
    )
    return _move(connection, target, kind="activate", actor=actor, reason=reason)


def rollback(
    connection: Connection,
    lineage_name: str | None,
    *,
    actor: str,
    reason: str,
    verified: int | None = None,
) -> ActivationRecord:
    """Re-activate the version that was active before the current one. `verified` is the target
    whose model file the caller checked before this transaction: a history that moved since
    (another activation or rollback) is refused rather than restoring an unchecked version."""
    lineage = lineage_row(connection, lineage_name)
    connection.execute(_LOCK, {"lineage": lineage.id})  # before reading its history
    target_id = rollback_target(connection, lineage.id)
    if target_id is None:
        raise RegistryError(
            f"nothing to roll back to in {lineage.name}: no earlier active version in its history"
        )
    if target_id != verified:
        raise RegistryError(
            f"the activation history of {lineage.name} changed while the rollback target's "
            "model file was checked (another activation or rollback): nothing was changed; "
            "run the rollback again"
        )
    target = version_row(connection, target_id)
    _refuse_cleaned(target, f"the previous version of {lineage.name} has no model file any more")
    return _move(connection, target, kind="rollback", actor=actor, reason=reason)


def history(
    session: Session, lineage_name: str | None = None, limit: int = 200, event_id: int | None = None
) -> list[ActivationRecord]:
    """Activation and rollback events (moves of `active`; named aliases have their own
    history, engine.registry.aliases), newest first."""
    to_v, from_v = aliased(ModelVersion), aliased(ModelVersion)
    query = (
        select(ActivationEvent, Lineage.name, to_v.version, from_v.version)
        .join(Lineage, Lineage.id == ActivationEvent.lineage_id)
        .join(to_v, to_v.id == ActivationEvent.to_version_id)
        .outerjoin(from_v, from_v.id == ActivationEvent.from_version_id)
        .where(ActivationEvent.alias == ACTIVE)
    )
    if lineage_name:
        query = query.where(Lineage.name == lineage_name)
    if event_id is not None:
        query = query.where(ActivationEvent.id == event_id)
    rows = session.execute(query.order_by(ActivationEvent.id.desc()).limit(limit)).all()
    return [
        ActivationRecord(
            id=e.id,
            lineage=name,
            kind=e.kind,
            from_ref=None if from_n is None else f"{name}:v{from_n}",
            to_ref=f"{name}:v{to_n}",
            from_version_id=e.from_version_id,
            to_version_id=e.to_version_id,  # type: ignore[arg-type]  # set for `active`
            actor=e.actor,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e, name, to_n, from_n in rows
    ]
