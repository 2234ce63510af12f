"""`aurum demo --remove`: take the demo out again — its generated bars and the DEMO versions
(trained on generated bars) with their files, trades, shadow trades, learning sessions,
promotion decisions, metrics and activations — in one transaction, audited. Real data stays:
imported and live bars, versions trained on them, and trades the trading side logged (kept,
without a version, when they were logged against a DEMO version). Model files go after the
commit, so a failed removal leaves every file in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from engine.audit import add_audit
from engine.data.origin import REAL, all_series_origins
from engine.data.store import delete_bars
from engine.db.schema import (
    ActivationEvent,
    Alias,
    CurrentMetrics,
    LearningSession,
    Lineage,
    ModelVersion,
    PromotionDecision,
    ShadowTrade,
    Trade,
    VersionMetric,
)

DEMO_TICKETS = "demo-%"  # the demo's own live trades (engine.demo.log_live_trades)


@dataclass(frozen=True)
class DemoRemoval:
    """What `remove_demo` took out, and what it kept and why."""

    series: list[str]
    bars: int
    versions: list[str]
    trades: int
    shadow_trades: int
    sessions: int
    decisions: int
    metrics: int
    activations: int
    files: int = 0
    freed_bytes: int = 0
    kept: list[str] = field(default_factory=list)

    @property
    def removed_anything(self) -> bool:
        return bool(self.bars or self.versions or self.sessions)


def remove_demo(desk: Any, *, actor: str) -> DemoRemoval:
    """Remove the demo's rows in one transaction (audited), then its model files."""
    with desk.db.session(write=True) as s:
        removal, files = _remove_rows(s)
        if removal.removed_anything:
            add_audit(
                s, actor, "demo.remove", ", ".join(removal.series) or "demo", _detail(removal)
            )
    freed = sum(_delete_files(desk.paths.artifacts_dir, path, ids) for path, ids in files.items())
    return replace(removal, files=len(files), freed_bytes=freed)


def _detail(removal: DemoRemoval) -> dict[str, Any]:
    return {
        "series": removal.series,
        "bars": removal.bars,
        "versions": removal.versions,
        "trades": removal.trades,
        "shadow_trades": removal.shadow_trades,
        "sessions": removal.sessions,
        "decisions": removal.decisions,
        "metrics": removal.metrics,
        "activations": removal.activations,
        "kept": removal.kept,
    }


def _remove_rows(s: Session) -> tuple[DemoRemoval, dict[str, list[int]]]:
    """Delete children before parents; returns the removal and the demo's model files (path ->
    version ids) that no kept version shares."""
    demo = s.execute(
        select(ModelVersion.id, Lineage.name, ModelVersion.version, ModelVersion.artifact_path)
        .join(Lineage, Lineage.id == ModelVersion.lineage_id)
        .where(ModelVersion.data_origin == "generated")
        .order_by(ModelVersion.id)
    ).all()
    ids = [row[0] for row in demo]
    origins = all_series_origins(s)
    generated = sorted(market for market, held in origins.items() if "generated" in held)
    sessions = _demo_sessions(s, ids, generated)
    kept = _kept(s, origins, ids)
    trades, detached = _remove_trades(s, ids)
    if detached:
        kept.append(
            f"{detached} trade(s) the trading side logged against DEMO versions (kept, now "
            "without a version)"
        )
    counts = {
        "shadow_trades": _delete(s, ShadowTrade, ShadowTrade.version_id.in_(ids)),
        "decisions": _delete(
            s,
            PromotionDecision,
            or_(PromotionDecision.challenger_id.in_(ids), PromotionDecision.champion_id.in_(ids)),
        ),
        "metrics": _delete(s, VersionMetric, VersionMetric.version_id.in_(ids))
        + _delete(s, CurrentMetrics, CurrentMetrics.version_id.in_(ids)),
        "activations": _delete(
            s,
            ActivationEvent,
            or_(ActivationEvent.to_version_id.in_(ids), ActivationEvent.from_version_id.in_(ids)),
        ),
    }
    _delete(s, Alias, Alias.version_id.in_(ids))
    files = _files(s, demo)
    _delete(s, ModelVersion, ModelVersion.id.in_(ids))
    removed_sessions = _delete(s, LearningSession, LearningSession.id.in_(sessions))
    _delete(s, Lineage, ~Lineage.id.in_(select(ModelVersion.lineage_id).distinct()))
    bars = sum(delete_bars(s, symbol=a, timeframe=b, origin="generated") for a, b in generated)
    removal = DemoRemoval(
        series=[f"{a} {b}" for a, b in generated],
        bars=bars,
        versions=[f"{name}:v{number}" for _, name, number, _ in demo],
        trades=trades,
        sessions=removed_sessions,
        kept=kept,
        **counts,
    )
    return removal, files


def _delete(s: Session, table: Any, where: Any) -> int:
    result = s.execute(delete(table).where(where))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _demo_sessions(s: Session, ids: list[int], generated: list[tuple[str, str]]) -> list[int]:
    """Sessions that learnt on generated bars: the demo's own, those that registered a DEMO
    version, and those that ran on a generated series; never one a kept version came from."""
    on_generated = [
        (LearningSession.symbol == a) & (LearningSession.timeframe == b) for a, b in generated
    ]
    found = s.scalars(
        select(LearningSession.id).where(
            or_(
                LearningSession.trigger == "demo",
                LearningSession.version_id.in_(ids),
                LearningSession.id.in_(
                    select(ModelVersion.session_id).where(ModelVersion.id.in_(ids))
                ),
                or_(false(), *on_generated) & LearningSession.window_start.is_not(None),
            )
        )
    ).all()
    kept_from = set(
        s.scalars(
            select(ModelVersion.session_id).where(
                ModelVersion.session_id.is_not(None), ~ModelVersion.id.in_(ids)
            )
        )
    )
    return [i for i in found if i not in kept_from]


def _remove_trades(s: Session, ids: list[int]) -> tuple[int, int]:
    """Delete the DEMO versions' backtest trades and the demo's own live trades; detach the
    rest (the trading side's trades are real: kept without a version). Returns both counts."""
    on_demo = Trade.version_id.in_(ids)
    removed = _delete(
        s, Trade, on_demo & or_(Trade.source == "backtest", Trade.ticket.like(DEMO_TICKETS))
    )
    detached = s.execute(update(Trade).where(on_demo).values(version_id=None))
    return removed, int(detached.rowcount or 0)  # type: ignore[attr-defined]


def _kept(s: Session, origins: dict[tuple[str, str], set[str]], ids: list[int]) -> list[str]:
    """What stays because it is real: each real series and the versions trained on it."""
    kept = [
        f"{symbol} {timeframe}: {'+'.join(sorted(held & REAL))} bars (real)"
        for (symbol, timeframe), held in sorted(origins.items())
        if held & REAL
    ]
    real_versions = s.scalar(select(func.count(ModelVersion.id)).where(~ModelVersion.id.in_(ids)))
    if real_versions:
        kept.append(f"{real_versions} version(s) trained on real (imported or live) bars")
    return kept


def _files(s: Session, demo: Sequence[Any]) -> dict[str, list[int]]:
    """The DEMO versions' model files (path -> version ids) that no kept version uses."""
    ids = [row[0] for row in demo]
    shared = set(
        s.scalars(
            select(ModelVersion.artifact_path).where(
                ModelVersion.artifact_path.is_not(None), ~ModelVersion.id.in_(ids)
            )
        )
    )
    files: dict[str, list[int]] = {}
    for version_id, _, _, path in demo:
        if path and path not in shared:
            files.setdefault(path, []).append(version_id)
    return files


def _delete_files(artifacts_dir: Path, relative_path: str, version_ids: list[int]) -> int:
    """A model file and its versions' cached explanations; returns the bytes freed."""
    from engine.explain.cache import SUFFIX
    from engine.registry.artifacts import delete_artifact

    model_file = artifacts_dir / relative_path
    stem = model_file.name.split(".", 1)[0]
    freed = 0
    for version_id in version_ids:
        for cached in model_file.parent.glob(f"{stem}.v{version_id}.*{SUFFIX}"):
            freed += cached.stat().st_size
            cached.unlink(missing_ok=True)
    return freed + delete_artifact(artifacts_dir, relative_path)
