"""Registering immutable versions, reading them back with their latest metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from engine.db.schema import Alias, CurrentMetrics, Lineage, ModelVersion, VersionMetric, utcnow
from engine.home import safe_name
from engine.registry.artifacts import StoredArtifact
from engine.registry.types import LineageInfo, VersionInfo

ACTIVE = "active"
_HISTORY: Table = VersionMetric.__table__  # type: ignore[assignment]


def ensure_lineage(
    session: Session, name: str, symbol: str, timeframe: str, purpose: str
) -> Lineage:
    """Get or create the lineage `name` (names reach the filesystem, so they are checked)."""
    safe_name(name, what="lineage name")
    lineage = session.scalars(select(Lineage).where(Lineage.name == name)).first()
    if lineage is None:
        lineage = Lineage(name=name, symbol=symbol, timeframe=timeframe, purpose=purpose)
        session.add(lineage)
        session.flush()
    return lineage


def add_version(
    session: Session,
    lineage: Lineage,
    artifact: StoredArtifact,
    *,
    algorithm: str,
    params: Mapping[str, Any],
    features: list[str],
    train_start: datetime | None,
    train_end: datetime | None,
    data_hash: str,
    library_versions: Mapping[str, str],
    notes: str,
    details: Mapping[str, Any] | None = None,
    session_id: int | None = None,
    data_origin: str = "imported",
) -> ModelVersion:
    """Insert the next numbered version of `lineage`; nothing existing is changed."""
    current = session.scalar(
        select(func.max(ModelVersion.version)).where(ModelVersion.lineage_id == lineage.id)
    )
    row = ModelVersion(
        lineage_id=lineage.id,
        version=(current or 0) + 1,
        algorithm=algorithm,
        params_json=json.dumps(dict(params), default=str, sort_keys=True),
        features_json=json.dumps(list(features)),
        train_start=train_start,
        train_end=train_end,
        data_hash=data_hash,
        library_versions_json=json.dumps(dict(library_versions)),
        artifact_path=artifact.relative_path,
        artifact_format=artifact.fmt,
        artifact_size=artifact.size,
        artifact_sha256=artifact.sha256,
        status="candidate",
        pinned=False,
        notes=notes,
        details_json=json.dumps(dict(details or {}), default=str),
        session_id=session_id,
        data_origin=data_origin,
    )
    session.add(row)
    session.flush()
    return row


def add_metrics(
    session: Session,
    version_id: int,
    metrics: Mapping[str, float | None],
    *,
    source: str,
    trades: int,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> None:
    """Append one snapshot of metrics (history is kept) and merge it into the current row."""
    current = session.get(CurrentMetrics, (version_id, source))
    if current is None:
        current = CurrentMetrics(version_id=version_id, source=source, metrics_json="{}")
        session.add(current)
    merged = json.loads(current.metrics_json or "{}")
    for name, value in metrics.items():
        merged[name] = None if value is None or _nan(value) else float(value)
    current.metrics_json = json.dumps(merged)
    current.trades = trades
    current.updated_at = utcnow()
    now = utcnow()
    history = [
        {
            "version_id": version_id,
            "source": source,
            "name": name,
            "value": None if value is None or _nan(value) else float(value),
            "trades": trades,
            "period_start": period_start,
            "period_end": period_end,
            "recorded_at": now,
        }
        for name, value in metrics.items()
    ]
    if history:  # one Core executemany: the unit of work per metric row cost more than the rest
        session.connection().execute(insert(_HISTORY), history)


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def latest_metrics(
    session: Session, version_ids: Iterable[int] | None, source: str
) -> dict[int, tuple[dict[str, float | None], int]]:
    """Newest value of every metric per version for one source, with trades analysed."""
    query = select(CurrentMetrics.version_id, CurrentMetrics.metrics_json, CurrentMetrics.trades)
    query = query.where(CurrentMetrics.source == source)
    if version_ids is not None:
        query = query.where(CurrentMetrics.version_id.in_(list(version_ids)))
    rows = session.connection().execute(query)
    return {vid: (json.loads(text), int(trades)) for vid, text, trades in rows}


def active_ids(session: Session) -> dict[int, int]:
    """lineage id -> active version id."""
    rows = session.execute(select(Alias.lineage_id, Alias.version_id).where(Alias.alias == ACTIVE))
    return {lineage_id: version_id for lineage_id, version_id in rows}


def effective_status(row: Any, active: set[int]) -> str:
    if row.id in active:
        return "active"
    if row.status == "cleaned":
        return "cleaned"
    return "pinned" if row.pinned else row.status


def to_info(
    row: Any,
    lineage: Lineage,
    active: set[int],
    metrics: tuple[dict[str, float | None], int] | None = None,
    source: str = "",
    *,
    tags: dict[str, str] | None = None,
    aliases: list[str] | None = None,
) -> VersionInfo:
    values, trades = metrics if metrics else ({}, 0)
    return VersionInfo(
        id=row.id,
        lineage=lineage.name,
        symbol=lineage.symbol,
        timeframe=lineage.timeframe,
        version=row.version,
        algorithm=row.algorithm,
        params=json.loads(row.params_json),
        features=json.loads(row.features_json),
        train_start=row.train_start,
        train_end=row.train_end,
        data_hash=row.data_hash,
        library_versions=json.loads(row.library_versions_json),
        artifact_path=row.artifact_path,
        artifact_format=row.artifact_format,
        artifact_size=row.artifact_size,
        artifact_sha256=row.artifact_sha256,
        status=effective_status(row, active),
        pinned=row.pinned,
        notes=row.notes,
        created_at=row.created_at,
        metrics=dict(values),
        metrics_source=source if metrics else "",
        metrics_trades=trades,
        details=json.loads(row.details_json or "{}"),
        session_id=row.session_id,
        description=row.description or "",
        tags=dict(tags or {}),
        aliases=list(aliases or []),
        data_origin=row.data_origin,
    )


def lineage_info(lineage: Lineage) -> LineageInfo:
    return LineageInfo(lineage.id, lineage.name, lineage.symbol, lineage.timeframe, lineage.purpose)
