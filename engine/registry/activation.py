"""Moving the `active` pointer: one transaction, one appended event, rollback walks history back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.db.schema import ActivationEvent, Alias, Lineage, ModelVersion, utcnow
from engine.errors import RegistryError
from engine.registry.refs import find_lineage, find_version
from engine.registry.types import ActivationRecord
from engine.registry.versions import ACTIVE


def _lock_lineage(session: Session, lineage_id: int) -> Lineage:
    """Serialise activations per lineage (row lock on PostgreSQL; SQLite writes are exclusive)."""
    lineage = session.scalars(
        select(Lineage).where(Lineage.id == lineage_id).with_for_update()
    ).one()
    return lineage


def activation_stack(session: Session, lineage_id: int) -> list[int]:
    """The versions a run of rollbacks would restore, oldest first; the last one is active.

    Activations push, rollbacks pop, so repeated rollbacks walk back through history.
    """
    stack: list[int] = []
    events = session.execute(
        select(ActivationEvent.kind, ActivationEvent.to_version_id)
        .where(ActivationEvent.lineage_id == lineage_id)
        .order_by(ActivationEvent.id)
    )
    for kind, to_version in events:
        if kind == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(to_version)
    return stack


def rollback_target(session: Session, lineage_id: int) -> int | None:
    """The version a rollback would re-activate (skipping ones whose files were cleaned)."""
    stack = activation_stack(session, lineage_id)
    return stack[-2] if len(stack) >= 2 else None


def _move(
    session: Session,
    lineage: Lineage,
    to_version: ModelVersion,
    *,
    kind: str,
    actor: str,
    reason: str,
) -> ActivationEvent:
    alias = session.get(Alias, (lineage.id, ACTIVE))
    from_id = alias.version_id if alias else None
    if alias is None:
        session.add(Alias(lineage_id=lineage.id, alias=ACTIVE, version_id=to_version.id))
    else:
        if from_id != to_version.id:
            previous = session.get(ModelVersion, from_id)
            if previous is not None and previous.status == "candidate":
                previous.status = "archived"
        alias.version_id = to_version.id
        alias.updated_at = utcnow()
    event = ActivationEvent(
        lineage_id=lineage.id,
        kind=kind,
        from_version_id=from_id,
        to_version_id=to_version.id,
        actor=actor,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event


def activate(session: Session, ref: str | int, *, actor: str, reason: str) -> ActivationEvent:
    """Make `ref` the active version of its lineage."""
    version, lineage = find_version(session, ref)
    _lock_lineage(session, lineage.id)
    if version.status == "cleaned" or not version.artifact_path:
        raise RegistryError(
            f"{lineage.name}:v{version.version} cannot be activated: its model file was cleaned up"
        )
    alias = session.get(Alias, (lineage.id, ACTIVE))
    if alias is not None and alias.version_id == version.id:
        raise RegistryError(f"{lineage.name}:v{version.version} is already the active version")
    return _move(session, lineage, version, kind="activate", actor=actor, reason=reason)


def rollback(
    session: Session, lineage_name: str | None, *, actor: str, reason: str
) -> ActivationEvent:
    """Re-activate the version that was active before the current one."""
    lineage = find_lineage(session, lineage_name)
    _lock_lineage(session, lineage.id)
    target_id = rollback_target(session, lineage.id)
    if target_id is None:
        raise RegistryError(
            f"nothing to roll back to in {lineage.name}: no earlier active version in its history"
        )
    target = session.get(ModelVersion, target_id)
    if target is None or target.status == "cleaned" or not target.artifact_path:
        raise RegistryError(f"the previous version of {lineage.name} has no model file any more")
    return _move(session, lineage, target, kind="rollback", actor=actor, reason=reason)


def history(
    session: Session, lineage_name: str | None = None, limit: int = 200, event_id: int | None = None
) -> list[ActivationRecord]:
    """Activation and rollback events, newest first."""
    to_v, from_v = aliased(ModelVersion), aliased(ModelVersion)
    query = (
        select(ActivationEvent, Lineage.name, to_v.version, from_v.version)
        .join(Lineage, Lineage.id == ActivationEvent.lineage_id)
        .join(to_v, to_v.id == ActivationEvent.to_version_id)
        .outerjoin(from_v, from_v.id == ActivationEvent.from_version_id)
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
            to_version_id=e.to_version_id,
            actor=e.actor,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e, name, to_n, from_n in rows
    ]


def to_record(session: Session, event: ActivationEvent) -> ActivationRecord:
    """The record of an event just written (rows are in the session already: no query)."""
    lineage = session.get(Lineage, event.lineage_id)
    to_v = session.get(ModelVersion, event.to_version_id)
    from_v = (
        None if event.from_version_id is None else session.get(ModelVersion, event.from_version_id)
    )
    assert lineage is not None and to_v is not None
    return ActivationRecord(
        id=event.id,
        lineage=lineage.name,
        kind=event.kind,
        from_ref=None if from_v is None else f"{lineage.name}:v{from_v.version}",
        to_ref=f"{lineage.name}:v{to_v.version}",
        from_version_id=event.from_version_id,
        to_version_id=event.to_version_id,
        actor=event.actor,
        reason=event.reason,
        created_at=event.created_at,
    )
