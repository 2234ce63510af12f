"""Cleanup: remove old versions' files, never the active, rollback target, pinned or aliased
ones."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.schema import Alias, ModelVersion
from engine.registry.activation import rollback_target
from engine.registry.artifacts import delete_artifact
from engine.registry.types import CleanupReport
from engine.registry.versions import active_ids


def protected_ids(session: Session) -> set[int]:
    """Versions cleanup must never touch: active, the rollback target of each lineage, pinned,
    and those a named alias (`staging`, ...) points at."""
    active = active_ids(session)
    protected = set(active.values())
    for lineage_id in active:
        target = rollback_target(session, lineage_id)
        if target is not None:
            protected.add(target)
    protected.update(session.scalars(select(ModelVersion.id).where(ModelVersion.pinned)).all())
    protected.update(session.scalars(select(Alias.version_id)).all())
    return protected


def mark_cleaned(session: Session, *, keep: int) -> tuple[list[str], list[str], list[str]]:
    """Per lineage keep the `keep` newest versions' files plus every protected one.

    Marks the others `cleaned` (rows and metrics stay: they count as trials) and returns
    (cleaned ids, protected ids past `keep`, files no live version uses any more). The caller
    deletes the files after the transaction commits, so a failed commit deletes nothing.
    """
    protected = protected_ids(session)
    rows = session.scalars(
        select(ModelVersion).order_by(ModelVersion.lineage_id, ModelVersion.version.desc())
    ).all()
    seen: dict[int, int] = {}
    to_clean: list[ModelVersion] = []
    protected_refs: list[str] = []
    for row in rows:
        seen[row.lineage_id] = seen.get(row.lineage_id, 0) + 1
        if row.status == "cleaned":
            continue
        if row.id in protected:
            if seen[row.lineage_id] > keep:
                protected_refs.append(str(row.id))
            continue
        if seen[row.lineage_id] > keep:
            to_clean.append(row)
    clean_ids = {r.id for r in to_clean}
    still_used = {r.artifact_path for r in rows if r.id not in clean_ids and r.status != "cleaned"}
    files = sorted(
        {r.artifact_path for r in to_clean if r.artifact_path and r.artifact_path not in still_used}
    )
    for row in to_clean:
        row.status = "cleaned"
        row.artifact_path = None
    session.flush()
    return [str(r.id) for r in to_clean], protected_refs, files


def delete_files(artifacts_dir: Path, files: list[str]) -> int:
    return sum(delete_artifact(artifacts_dir, f) for f in files)


__all__ = ["CleanupReport", "delete_files", "mark_cleaned", "protected_ids"]
