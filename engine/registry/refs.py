"""Turning what a user types (`12`, `XAUUSD-M5-scalper:v3`, `XAUUSD-M5-scalper@staging`) into a
version row."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, bindparam, select
from sqlalchemy.orm import Session

from engine.db.schema import Alias, Lineage, ModelVersion
from engine.errors import NotFoundError

_LINEAGE = r"(?P<lineage>[A-Za-z0-9][A-Za-z0-9._-]*)"
_REF = re.compile(rf"^{_LINEAGE}:v(?P<number>\d+)$")
_ALIAS_REF = re.compile(rf"^{_LINEAGE}@(?P<alias>[a-z][a-z0-9_-]{{0,31}})$")
LARGEST_ID = 2**31 - 1
"""Ids and version numbers are 32-bit integer columns: a larger number names no version (on
PostgreSQL it would not even fit the query's parameter)."""
_VERSIONS: Table = ModelVersion.__table__  # type: ignore[assignment]
_LINEAGES: Table = Lineage.__table__  # type: ignore[assignment]
_ALIASES: Table = Alias.__table__  # type: ignore[assignment]


def _parse(ref: str | int) -> tuple[str, str, re.Match[str] | None]:
    """The typed text, its kind (`id`, `number` for lineage:vN, `alias` for lineage@name) and
    its match; malformed refs are refused."""
    text = str(ref).strip()
    if text.isdigit():
        if int(text) > LARGEST_ID:
            raise _missing(text, "id")
        return text, "id", None
    if match := _REF.match(text):
        if int(match["number"]) > LARGEST_ID:
            raise _missing(text, "number")
        return text, "number", match
    if match := _ALIAS_REF.match(text):
        return text, "alias", match
    raise NotFoundError(
        f"{text!r} is not a version: use its id (e.g. 12), lineage:vN "
        "(e.g. XAUUSD-M5-scalper:v3) or lineage@alias (e.g. XAUUSD-M5-scalper@staging); "
        "`aurum models` lists them"
    )


def _missing(text: str, kind: str) -> NotFoundError:
    if kind == "alias":
        lineage, _, alias = text.partition("@")
        return NotFoundError(
            f"{text}: lineage {lineage} has no alias {alias!r} (or no such lineage); "
            "`aurum show VERSION` lists a version's aliases, `aurum alias VERSION NAME` sets one"
        )
    return NotFoundError(f"model version {text} does not exist; `aurum models` lists them")


def find_version(session: Session, ref: str | int) -> tuple[ModelVersion, Lineage]:
    """Look a version up by id, `lineage:vN` or `lineage@alias`; unknown refs raise
    NotFoundError."""
    text, kind, match = _parse(ref)
    query = select(ModelVersion, Lineage).join(Lineage, Lineage.id == ModelVersion.lineage_id)
    if match is None:
        query = query.where(ModelVersion.id == int(text))
    elif kind == "number":
        query = query.where(
            Lineage.name == match["lineage"], ModelVersion.version == int(match["number"])
        )
    else:
        query = query.join(Alias, Alias.version_id == ModelVersion.id).where(
            Lineage.name == match["lineage"],
            Alias.lineage_id == Lineage.id,
            Alias.alias == match["alias"],
        )
    row = session.execute(query).first()
    if row is None:
        raise _missing(text, kind)
    return row[0], row[1]


@functools.cache
def _version_query(kind: str, lock: bool) -> Select[Any]:
    """Built once: statements reused as they are skip SQLAlchemy's construction work."""
    query = select(
        _VERSIONS.c.id,
        _VERSIONS.c.version,
        _VERSIONS.c.status,
        _VERSIONS.c.artifact_path,
        _VERSIONS.c.artifact_sha256,
        _VERSIONS.c.lineage_id,
        _LINEAGES.c.name.label("lineage"),
    ).join(_LINEAGES, _LINEAGES.c.id == _VERSIONS.c.lineage_id)
    if kind == "number":
        query = query.where(
            _LINEAGES.c.name == bindparam("name"), _VERSIONS.c.version == bindparam("number")
        )
    elif kind == "alias":
        query = query.join(_ALIASES, _ALIASES.c.version_id == _VERSIONS.c.id).where(
            _LINEAGES.c.name == bindparam("name"),
            _ALIASES.c.lineage_id == _LINEAGES.c.id,
            _ALIASES.c.alias == bindparam("alias"),
        )
    else:
        query = query.where(_VERSIONS.c.id == bindparam("id"))
    return query.with_for_update(of=_LINEAGES) if lock else query


def version_row(connection: Connection, ref: str | int, *, lock_lineage: bool = False) -> Row[Any]:
    """(id, version, status, artifact_path, artifact_sha256, lineage_id, lineage) of a version,
    in one Core query.

    With `lock_lineage` the lineage row is locked for the rest of the transaction (PostgreSQL;
    SQLite write transactions are exclusive already), so moves of its pointer are serialised.
    """
    text, kind, match = _parse(ref)
    if match is None:
        params: dict[str, Any] = {"id": int(text)}
    elif kind == "number":
        params = {"name": match["lineage"], "number": int(match["number"])}
    else:
        params = {"name": match["lineage"], "alias": match["alias"]}
    row = connection.execute(_version_query(kind, lock_lineage), params).first()
    if row is None:
        raise _missing(text, kind)
    return row


def find_lineage(session: Session, name: str | None) -> Lineage:
    """The named lineage, or the only one when no name is given."""
    query = select(Lineage).order_by(Lineage.id)
    if name:
        query = query.where(Lineage.name == name)
    return _only_lineage(session.scalars(query).all(), name)


def lineage_row(connection: Connection, name: str | None) -> Row[Any]:
    """`find_lineage` in one Core query: a row of (id, name)."""
    query = select(_LINEAGES.c.id, _LINEAGES.c.name).order_by(_LINEAGES.c.id)
    if name:
        query = query.where(_LINEAGES.c.name == name)
    return _only_lineage(connection.execute(query).all(), name)


def _only_lineage(found: Sequence[Any], name: str | None) -> Any:
    if name and not found:
        raise NotFoundError(f"model lineage {name!r} does not exist")
    if not found:
        raise NotFoundError("no models are registered yet: run `aurum demo` or `aurum train`")
    if len(found) > 1:
        names = ", ".join(lin.name for lin in found)
        raise NotFoundError(f"several model lineages exist ({names}); name one with --lineage")
    return found[0]
