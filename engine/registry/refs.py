"""Turning what a user types (`12`, `XAUUSD-M5-scalper:v3`) into a version row."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.schema import Lineage, ModelVersion
from engine.errors import NotFoundError

_REF = re.compile(r"^(?P<lineage>[A-Za-z0-9][A-Za-z0-9._-]*):v(?P<number>\d+)$")


def find_version(session: Session, ref: str | int) -> tuple[ModelVersion, Lineage]:
    """Look a version up by id or `lineage:vN`; unknown refs raise NotFoundError."""
    text = str(ref).strip()
    query = select(ModelVersion, Lineage).join(Lineage, Lineage.id == ModelVersion.lineage_id)
    if text.isdigit():
        row = session.execute(query.where(ModelVersion.id == int(text))).first()
    elif match := _REF.match(text):
        row = session.execute(
            query.where(
                Lineage.name == match["lineage"], ModelVersion.version == int(match["number"])
            )
        ).first()
    else:
        raise NotFoundError(
            f"{text!r} is not a version: use its id (e.g. 12) or lineage:vN "
            "(e.g. XAUUSD-M5-scalper:v3); `aurum models` lists them"
        )
    if row is None:
        raise NotFoundError(f"model version {text} does not exist; `aurum models` lists them")
    return row[0], row[1]


def find_lineage(session: Session, name: str | None) -> Lineage:
    """The named lineage, or the only one when no name is given."""
    if name:
        lineage = session.scalars(select(Lineage).where(Lineage.name == name)).first()
        if lineage is None:
            raise NotFoundError(f"model lineage {name!r} does not exist")
        return lineage
    lineages = session.scalars(select(Lineage).order_by(Lineage.id)).all()
    if not lineages:
        raise NotFoundError("no models are registered yet: run `aurum demo` or `aurum train`")
    if len(lineages) > 1:
        names = ", ".join(lin.name for lin in lineages)
        raise NotFoundError(f"several model lineages exist ({names}); name one with --lineage")
    return lineages[0]
