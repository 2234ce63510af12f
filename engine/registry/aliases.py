"""Named aliases besides `active` (`staging`, `candidate`, ...): pointers per lineage, moved in
one transaction with an event in the same history table as `active` (who, when, from, to, why).

`active` keeps its own rules (engine.registry.activation): only activate and rollback move it.
A named alias points at a version with a model file; cleanup keeps the files of aliased versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.orm import Session, aliased

from engine.db.schema import ActivationEvent, Alias, Lineage, ModelVersion, utcnow
from engine.errors import NotFoundError, RegistryError
from engine.registry.refs import lineage_row, version_row
from engine.registry.types import AliasInfo, AliasMove
from engine.registry.versions import ACTIVE

ALIAS_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
RESERVED = {
    ACTIVE: "`active` moves only with `aurum activate` and `aurum rollback`",
    "latest": "`latest` would read as the newest version, which it would not follow",
}
_ALIASES: Table = Alias.__table__  # type: ignore[assignment]
_EVENTS: Table = ActivationEvent.__table__  # type: ignore[assignment]
_LINEAGES: Table = Lineage.__table__  # type: ignore[assignment]
_VERSIONS: Table = ModelVersion.__table__  # type: ignore[assignment]


def check_alias_name(name: str) -> str:
    """The name if it may be an alias: 1-32 characters, lower-case letters, digits, `_` and
    `-`, starting with a letter; not `active` or `latest`, not a version number like `v3`."""
    if name in RESERVED:
        raise RegistryError(f"alias name {name!r} is reserved: {RESERVED[name]}")
    if not ALIAS_NAME.match(name) or re.fullmatch(r"v\d+", name):
        raise RegistryError(
            f"alias name {name!r} is not allowed: use 1-32 lower-case letters, digits, '_' or "
            "'-', starting with a letter and not of the form vN (e.g. staging, candidate)"
        )
    return name


def set_alias(
    connection: Connection, ref: str | int, name: str, *, actor: str, reason: str
) -> AliasMove:
    """Point `name` of the version's lineage at the version (creating or moving it)."""
    check_alias_name(name)
    target = version_row(connection, ref, lock_lineage=True)
    to_ref = f"{target.lineage}:v{target.version}"
    if target.status == "cleaned" or not target.artifact_path:
        raise RegistryError(f"{to_ref} has no model file any more (cleaned up): alias not set")
    current = connection.execute(
        select(_ALIASES.c.version_id).where(
            _ALIASES.c.lineage_id == target.lineage_id, _ALIASES.c.alias == name
        )
    ).scalar()
    if current == target.id:
        raise RegistryError(f"{target.lineage}@{name} already points at {to_ref}")
    now = utcnow()
    if current is None:
        connection.execute(
            insert(_ALIASES),
            {"lineage_id": target.lineage_id, "alias": name, "version_id": target.id,
             "updated_at": now},
        )  # fmt: skip
    else:
        connection.execute(
            update(_ALIASES)
            .where(_ALIASES.c.lineage_id == target.lineage_id, _ALIASES.c.alias == name)
            .values(version_id=target.id, updated_at=now)
        )
    kind = "set" if current is None else "move"
    return _record(connection, target.lineage_id, target.lineage, name, kind, current,
                   target.id, actor=actor, reason=reason)  # fmt: skip


def remove_alias(
    connection: Connection, lineage: str | None, name: str, *, actor: str, reason: str
) -> AliasMove:
    """Take `name` off its lineage (`lineage@name` names the lineage too)."""
    if "@" in name:
        lineage, _, name = name.partition("@")
    if name == ACTIVE:
        raise RegistryError(f"alias name {name!r} is reserved: {RESERVED[ACTIVE]}")
    found = lineage_row(connection, lineage or None)
    connection.execute(  # serialise with other moves of this lineage's pointers
        select(_LINEAGES.c.id).where(_LINEAGES.c.id == found.id).with_for_update()
    )
    current = connection.execute(
        select(_ALIASES.c.version_id).where(
            _ALIASES.c.lineage_id == found.id, _ALIASES.c.alias == name
        )
    ).scalar()
    if current is None:
        raise NotFoundError(f"{found.name} has no alias {name!r}: nothing to remove")
    connection.execute(
        delete(_ALIASES).where(_ALIASES.c.lineage_id == found.id, _ALIASES.c.alias == name)
    )
    return _record(connection, found.id, found.name, name, "remove", current, None,
                   actor=actor, reason=reason)  # fmt: skip


def _record(
    connection: Connection,
    lineage_id: int,
    lineage: str,
    name: str,
    kind: str,
    from_id: int | None,
    to_id: int | None,
    *,
    actor: str,
    reason: str,
) -> AliasMove:
    now = utcnow()
    key = connection.execute(
        insert(_EVENTS),
        {"lineage_id": lineage_id, "alias": name, "kind": kind, "from_version_id": from_id,
         "to_version_id": to_id, "actor": actor, "reason": reason, "created_at": now},
    ).inserted_primary_key  # fmt: skip
    assert key is not None
    numbers = _numbers(connection, [i for i in (from_id, to_id) if i is not None])
    return AliasMove(
        id=key[0],
        lineage=lineage,
        alias=name,
        kind=kind,
        from_ref=None if from_id is None else f"{lineage}:v{numbers[from_id]}",
        to_ref=None if to_id is None else f"{lineage}:v{numbers[to_id]}",
        from_version_id=from_id,
        to_version_id=to_id,
        actor=actor,
        reason=reason,
        created_at=now,
    )


def _numbers(connection: Connection, ids: list[int]) -> dict[int, int]:
    rows = connection.execute(
        select(_VERSIONS.c.id, _VERSIONS.c.version).where(_VERSIONS.c.id.in_(ids))
    )
    return {vid: number for vid, number in rows}


def alias_history(
    session: Session, lineage: str | None = None, name: str | None = None, limit: int = 200
) -> list[AliasMove]:
    """Moves of named aliases (of one lineage, of one name), newest first."""
    to_v, from_v = aliased(ModelVersion), aliased(ModelVersion)
    query = (
        select(ActivationEvent, Lineage.name, to_v.version, from_v.version)
        .join(Lineage, Lineage.id == ActivationEvent.lineage_id)
        .outerjoin(to_v, to_v.id == ActivationEvent.to_version_id)
        .outerjoin(from_v, from_v.id == ActivationEvent.from_version_id)
        .where(ActivationEvent.alias != ACTIVE)
    )
    if lineage:
        query = query.where(Lineage.name == lineage)
    if name:
        query = query.where(ActivationEvent.alias == name)
    rows = session.execute(query.order_by(ActivationEvent.id.desc()).limit(limit)).all()
    return [
        AliasMove(
            id=e.id,
            lineage=lin,
            alias=e.alias,
            kind=e.kind,
            from_ref=None if from_n is None else f"{lin}:v{from_n}",
            to_ref=None if to_n is None else f"{lin}:v{to_n}",
            from_version_id=e.from_version_id,
            to_version_id=e.to_version_id,
            actor=e.actor,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e, lin, to_n, from_n in rows
    ]


def current_aliases(session: Session, lineage: str | None = None) -> list[AliasInfo]:
    """Every pointer (`active` included) with the version it points at, by lineage and name."""
    query = (
        select(Alias, Lineage.name, ModelVersion.version)
        .join(Lineage, Lineage.id == Alias.lineage_id)
        .join(ModelVersion, ModelVersion.id == Alias.version_id)
    )
    if lineage:
        query = query.where(Lineage.name == lineage)
    rows = session.execute(query.order_by(Lineage.name, Alias.alias != ACTIVE, Alias.alias))
    return [
        AliasInfo(lin, a.alias, a.version_id, f"{lin}:v{number}", a.updated_at)
        for a, lin, number in rows
    ]


def aliases_by_version(
    connection: Connection | Session, version_ids: Iterable[int] | None = None
) -> dict[int, list[str]]:
    """version id -> the names pointing at it (`active` first, then by name)."""
    query = select(_ALIASES.c.version_id, _ALIASES.c.alias)
    if version_ids is not None:
        query = query.where(_ALIASES.c.version_id.in_(list(version_ids)))
    out: dict[int, list[str]] = {}
    for vid, name in connection.execute(query.order_by(_ALIASES.c.alias)):
        out.setdefault(vid, []).append(name)
    for names in out.values():
        if ACTIVE in names:
            names.remove(ACTIVE)
            names.insert(0, ACTIVE)
    return out
