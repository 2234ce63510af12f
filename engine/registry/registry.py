"""The model registry: versions, the active pointer with its history, files, cleanup, compare."""

from __future__ import annotations

import functools
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.audit import insert_audit
from engine.db.connection import Database
from engine.errors import ArtifactError, AurumError, NotFoundError
from engine.registry import activation, artifacts, cleanup, listing, versions
from engine.registry.aliases import aliases_by_version
from engine.registry.compare import DEFAULT_COMPARE, compare
from engine.registry.metadata import VersionMetadata
from engine.registry.refs import find_lineage, find_version, lineage_row, version_row
from engine.registry.tags import tags_by_version

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from engine.registry.types import (
    ActivationRecord,
    CleanupReport,
    Comparison,
    LineageInfo,
    VersionInfo,
)

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class NewVersion:
    """Everything needed to register a trained model besides the estimator itself."""

    lineage: str
    symbol: str
    timeframe: str
    algorithm: str
    purpose: str = "scalper"
    params: Mapping[str, Any] | None = None
    features: Sequence[str] = ()
    train_start: datetime | None = None
    train_end: datetime | None = None
    data_hash: str = ""
    notes: str = ""
    metrics: Mapping[str, float | None] | None = None
    metrics_trades: int = 0
    metrics_period: tuple[datetime | None, datetime | None] = (None, None)
    details: Mapping[str, Any] | None = None
    session_id: int | None = None
    # generated | imported | live | mixed; None: the origins of the stored bars over the
    # training window (engine.data.origin.data_origin)
    data_origin: str | None = None


def library_versions() -> dict[str, str]:
    """The versions of the libraries this process runs with."""
    return dict(_library_versions())


@functools.cache
def _library_versions() -> dict[str, str]:
    # read once per process: importlib.metadata parses a metadata file per package (a few ms
    # per registration), and a running process keeps the libraries it imported anyway
    out = {"python": platform.python_version()}
    for dist in ("scikit-learn", "skops", "numpy", "pandas", "lightgbm", "xgboost"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def _trained_origin(session: Session, spec: NewVersion) -> str:
    """What the stored bars over the version's training window are (`imported` without any)."""
    from engine.data.origin import data_origin, window_origins

    if spec.train_start is None or spec.train_end is None:
        return data_origin(())
    found = window_origins(
        session,
        symbol=spec.symbol,
        timeframe=spec.timeframe,
        start=spec.train_start,
        end=spec.train_end,
    )
    return data_origin(found)


class ModelRegistry(VersionMetadata):
    """Each public method is one transaction; nothing half-done survives an error."""

    def __init__(self, db: Database, artifacts_dir: Path) -> None:
        self.db = db
        self.artifacts_dir = artifacts_dir
        self.listings = listing.Listing()  # remembers what never changes between listings

    # --- registering and reading -------------------------------------------------------------
    def register(
        self,
        estimator: Any,
        spec: NewVersion,
        *,
        also: Callable[[Session, int], None] | None = None,
    ) -> VersionInfo:
        """Save the model file, then record the version; a failed record leaves no new file.
        `also(session, version_id)` writes rows that belong with the version (its backtest
        trades) in the same transaction: all of it is recorded, or none."""
        stored = artifacts.save_artifact(self.artifacts_dir, spec.lineage, estimator)
        return self._record(stored, spec, also)

    def register_file(
        self,
        data: bytes,
        spec: NewVersion,
        *,
        also: Callable[[Session, int], None] | None = None,
    ) -> VersionInfo:
        """Register a model file as it is (byte for byte, e.g. an imported export): its types
        are checked against the allow-list first, then it is stored like any model file."""
        artifacts.check_model_bytes(data, origin=f"the model file for {spec.lineage}")
        stored = artifacts.write_artifact(self.artifacts_dir, spec.lineage, data)
        return self._record(stored, spec, also)

    def _record(
        self,
        stored: artifacts.StoredArtifact,
        spec: NewVersion,
        also: Callable[[Session, int], None] | None,
    ) -> VersionInfo:
        """Record the version of a stored file; a failed record leaves no new file."""
        try:
            with self.db.session(write=True) as s:
                lineage = versions.ensure_lineage(
                    s, spec.lineage, spec.symbol, spec.timeframe, spec.purpose
                )
                row = versions.add_version(
                    s,
                    lineage,
                    stored,
                    algorithm=spec.algorithm,
                    params=spec.params or {},
                    features=list(spec.features),
                    train_start=spec.train_start,
                    train_end=spec.train_end,
                    data_hash=spec.data_hash,
                    library_versions=library_versions(),
                    notes=spec.notes,
                    details=spec.details or {},
                    session_id=spec.session_id,
                    data_origin=spec.data_origin or _trained_origin(s, spec),
                )
                if spec.metrics:
                    versions.add_metrics(
                        s,
                        row.id,
                        spec.metrics,
                        source="backtest",
                        trades=spec.metrics_trades,
                        period_start=spec.metrics_period[0],
                        period_end=spec.metrics_period[1],
                    )
                if also is not None:
                    s.flush()
                    also(s, row.id)
                info = versions.to_info(
                    row,
                    lineage,
                    set(),
                    (dict(spec.metrics or {}), spec.metrics_trades) if spec.metrics else None,
                    "backtest",
                )
        except BaseException:
            self._drop_orphan(stored.relative_path)
            raise
        return info

    def _drop_orphan(self, relative_path: str) -> None:
        with self.db.session() as s:
            from sqlalchemy import select

            from engine.db.schema import ModelVersion

            used = s.scalar(
                select(ModelVersion.id).where(ModelVersion.artifact_path == relative_path)
            )
        if used is None:
            artifacts.delete_artifact(self.artifacts_dir, relative_path)

    def get(self, ref: str | int, *, source: str = "backtest") -> VersionInfo:
        with self.db.session() as s:
            row, lineage = find_version(s, ref)
            metrics = versions.latest_metrics(s, [row.id], source).get(row.id)
            active = set(versions.active_ids(s).values())
            return versions.to_info(
                row,
                lineage,
                active,
                metrics,
                source,
                tags=tags_by_version(s, [row.id]).get(row.id),
                aliases=aliases_by_version(s, [row.id]).get(row.id),
            )

    def list_versions(
        self, *, lineage: str | None = None, source: str = "backtest", live_from: int | None = None
    ) -> list[VersionInfo]:
        with self.db.transaction() as connection:
            return self.listings.versions(
                connection, lineage=lineage, source=source, live_from=live_from
            )

    def leaderboard(
        self, selection: Any, *, lineage: str | None = None, live_from: int | None = None
    ) -> list[VersionInfo]:
        """`list_versions` ranked by `selection` (engine.ranking), each version built once."""
        from engine.ranking import rank_fields

        with self.db.transaction() as connection:
            board = self.listings.fields(connection, lineage=lineage, live_from=live_from)
        return [VersionInfo.from_fields(f) for f in rank_fields(board, selection)]

    def current_figures(
        self, version_ids: Sequence[int], *, source: str = "backtest"
    ) -> dict[int, tuple[dict[str, float | None], int]]:
        """The current `source` metrics and trade count of just these versions (a page of the
        leaderboard), by id; versions without figures of that source are left out."""
        with self.db.session() as s:
            return versions.latest_metrics(s, list(version_ids), source) if version_ids else {}

    def lineages(self) -> list[LineageInfo]:
        from sqlalchemy import select

        from engine.db.schema import Lineage

        with self.db.session() as s:
            return [
                versions.lineage_info(x) for x in s.scalars(select(Lineage).order_by(Lineage.id))
            ]

    def active_version(self, lineage: str | None = None) -> VersionInfo | None:
        with self.db.session() as s:
            try:
                lin = find_lineage(s, lineage)
            except NotFoundError:
                if lineage:
                    raise
                return None
            version_id = versions.active_ids(s).get(lin.id)
        return None if version_id is None else self.get(version_id)

    def record_metrics(
        self,
        ref: str | int,
        metrics: Mapping[str, float | None],
        *,
        source: str,
        trades: int,
        period: tuple[datetime | None, datetime | None] = (None, None),
    ) -> None:
        with self.db.session(write=True) as s:
            row, _ = find_version(s, ref)
            versions.add_metrics(
                s,
                row.id,
                metrics,
                source=source,
                trades=trades,
                period_start=period[0],
                period_end=period[1],
            )

    def metrics_history(self, ref: str | int) -> list[dict[str, Any]]:
        """Every stored metric row of a version, oldest first (for "how it evolved" charts)."""
        from sqlalchemy import select

        from engine.db.schema import VersionMetric

        with self.db.session() as s:
            row, _ = find_version(s, ref)
            rows = s.scalars(
                select(VersionMetric)
                .where(VersionMetric.version_id == row.id)
                .order_by(VersionMetric.id)
            ).all()
            return [
                {
                    "source": m.source,
                    "name": m.name,
                    "value": m.value,
                    "trades": m.trades,
                    "period_start": m.period_start,
                    "period_end": m.period_end,
                    "recorded_at": m.recorded_at,
                }
                for m in rows
            ]

    # --- the active pointer --------------------------------------------------------------------
    def activate(
        self, ref: str | int, *, actor: str = SYSTEM_ACTOR, reason: str = ""
    ) -> ActivationRecord:
        """Move the pointer and record the event and its audit row in one transaction, once the
        target's model file was verified (every route to the pointer passes here)."""
        self._verify_target(ref, "{ref} cannot be activated")
        with self.db.transaction(write=True) as connection:
            record = activation.activate(connection, ref, actor=actor, reason=reason)
            detail = {"from": record.from_ref, "why": reason}
            insert_audit(connection, actor, "model.activate", record.to_ref, detail)
            return record

    def rollback(
        self, lineage: str | None = None, *, actor: str = SYSTEM_ACTOR, reason: str = ""
    ) -> ActivationRecord:
        """Re-activate the previous version, once its model file was verified."""
        with self.db.transaction() as connection:
            target = activation.rollback_target(connection, lineage_row(connection, lineage).id)
        if target is not None:
            self._verify_target(target, "cannot roll back to {ref}")
        with self.db.transaction(write=True) as connection:
            record = activation.rollback(
                connection, lineage, actor=actor, reason=reason, verified=target
            )
            detail = {"from": record.from_ref, "why": reason}
            insert_audit(connection, actor, "model.rollback", record.to_ref, detail)
            return record

    def _verify_target(self, ref: str | int, refusal: str) -> None:
        """Refuse, before any transaction, to point `active` at a version whose model file is
        missing, changed, truncated, swapped or holds types outside the allow-list (checked
        without running the file's code); the pointer stays where it is."""
        with self.db.transaction() as connection:
            row = version_row(connection, ref)
        if row.status == "cleaned" or not row.artifact_path:
            return  # the move refuses it with its own reason
        try:
            artifacts.verify_artifact(self.artifacts_dir, row.artifact_path, row.artifact_sha256)
        except ArtifactError as err:
            active = self.active_version(row.lineage)
            stays = f"{active.ref} stays active" if active else "no version is active"
            label = refusal.format(ref=f"{row.lineage}:v{row.version}")
            raise ArtifactError(f"{label}: {str(err).rstrip('.')}. {stays}.") from None

    def history(self, lineage: str | None = None, limit: int = 200) -> list[ActivationRecord]:
        with self.db.session() as s:
            return activation.history(s, lineage, limit)

    def rollback_target(self, lineage: str | None = None) -> VersionInfo | None:
        with self.db.session() as s:
            target = activation.rollback_target(s, find_lineage(s, lineage).id)
        return None if target is None else self.get(target)

    def set_pinned(self, ref: str | int, pinned: bool) -> VersionInfo:
        with self.db.session(write=True) as s:
            row, _ = find_version(s, ref)
            row.pinned = pinned
            version_id = row.id
        return self.get(version_id)

    # --- files -------------------------------------------------------------------------------
    def load_model(self, ref: str | int) -> tuple[Any, VersionInfo]:
        """The estimator, after its checksum and types were verified."""
        info = self.get(ref)
        if not info.artifact_path:
            raise AurumError(f"{info.ref} has no model file (status {info.status})")
        model = artifacts.load_artifact(
            self.artifacts_dir, info.artifact_path, info.artifact_sha256
        )
        return model, info

    def cleanup(self, keep: int) -> CleanupReport:
        if keep < 1:
            raise AurumError("cleanup must keep at least 1 version per lineage (--keep N, N >= 1)")
        with self.db.session(write=True) as s:
            removed, protected, files = cleanup.mark_cleaned(s, keep=keep)
        freed = cleanup.delete_files(self.artifacts_dir, files)
        return CleanupReport(removed, protected, freed)

    def compare(
        self,
        refs: Sequence[str | int],
        metrics: Sequence[str] = DEFAULT_COMPARE,
        *,
        source: str = "backtest",
    ) -> Comparison:
        return compare([self.get(r, source=source) for r in refs], metrics)

    # --- seed-compatible names ---------------------------------------------------------------
    def list_models(self) -> list[VersionInfo]:
        return self.list_versions()

    def compare_models(self, model_ids: Sequence[str | int]) -> Comparison:
        return self.compare(model_ids)

    def set_active_model(self, model_id: str | int, reason: str = "set_active_model") -> bool:
        self.activate(model_id, actor=SYSTEM_ACTOR, reason=reason)
        return True

    def get_active_model(self) -> VersionInfo | None:
        return self.active_version()

    def cleanup_old_models(self, keep_count: int = 10) -> CleanupReport:
        return self.cleanup(keep_count)
