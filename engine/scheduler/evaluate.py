"""One evaluation cycle: live metrics snapshots, triggers, and a queued session when one fires."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from engine.db.schema import (
    Bar,
    CurrentMetrics,
    LearningSession,
    PromotionDecision,
    Trade,
    TriggerCheck,
    utcnow,
)
from engine.triggers import (
    TriggerResult,
    change_trigger,
    data_trigger,
    drift_trigger,
    live_performance,
    time_trigger,
)

log = logging.getLogger("aurum.evaluate")


@dataclass(frozen=True)
class EvaluationResult:
    triggers: list[TriggerResult]
    queued_session: int | None
    note: str


def evaluate_cycle(desk: Any) -> EvaluationResult:
    """Snapshot live metrics of the active version, check triggers, queue a session if due."""
    cfg = desk.config()
    active = desk.registry.active_version()
    live: dict[str, float] = {}
    results = None
    if active is not None:
        results = desk.live_results(active.id)
        live = desk.refresh_live_metrics(active.id, results)
    last_start, new_trades, busy = _session_state(desk)
    now = utcnow()
    checks = [
        time_trigger(last_start, now, cfg.retraining_frequency_hours),
        data_trigger(
            new_trades,
            cfg.min_trades_for_update,
            new_bars=_new_bars(desk, cfg) if cfg.scheduler.new_bars_for_update else 0,
            bars_needed=cfg.scheduler.new_bars_for_update,
        ),
    ]
    if active is not None:
        checks += _model_triggers(desk, cfg, active, live, results)
    fired = [r for r in checks if r.fired]
    queued, note = None, "no trigger fired"
    if fired:
        queued, note = _maybe_queue(desk, cfg, fired, last_start, busy)
    refreshed = _refresh_other_live_metrics(desk, exclude=active.id if active else None)
    switched = _switch_to_flagged_challenger(desk, cfg)
    if refreshed:
        note += f"; live metrics refreshed for {len(refreshed)} other version(s)"
    if switched:
        note += f"; {switched}"
    with desk.db.session(write=True) as s:
        s.add(
            TriggerCheck(
                fired=",".join(r.name for r in fired)[:128],
                session_id=queued,
                results_json=json.dumps(
                    [r.as_dict() for r in checks]
                    + [{"name": "decision", "fired": queued is not None, "reason": note}]
                ),
            )
        )
    log.info("evaluation: %s", note)
    return EvaluationResult(checks, queued, note)


def _new_bars(desk: Any, cfg: Any) -> int:
    """Bars of the learning series newer than the last session's data window."""
    with desk.db.session() as s:
        seen = s.scalar(select(func.max(LearningSession.window_end)))
        query = (
            select(func.count())
            .select_from(Bar)
            .where(Bar.symbol == cfg.learning.symbol, Bar.timeframe == cfg.learning.timeframe)
        )
        if seen is not None:
            query = query.where(Bar.ts > seen)
        return int(s.scalar(query) or 0)


def _session_state(desk: Any) -> tuple[Any, int, bool]:
    with desk.db.session() as s:
        last = s.scalar(select(func.max(LearningSession.created_at)))
        busy = bool(
            s.scalar(
                select(func.count(LearningSession.id)).where(
                    LearningSession.status.in_(("queued", "running"))
                )
            )
        )
        trades = select(func.count(Trade.id)).where(Trade.source.in_(("live", "import")))
        if last is not None:
            trades = trades.where(Trade.logged_at > last)
        return last, int(s.scalar(trades) or 0), busy


def _model_triggers(
    desk: Any, cfg: Any, active: Any, live: dict[str, float], results: Any
) -> list[TriggerResult]:
    out = []
    if cfg.postmortem_integration:
        out.append(live_performance(cfg, live))
        wins = (results.net_profit > 0).astype(float).tolist()
        out.append(
            change_trigger(
                wins, delta=cfg.scheduler.change_delta, threshold=cfg.scheduler.change_threshold
            )
        )
    drift = _drift(desk, cfg, active)
    if drift is not None:
        out.append(drift)
    return out


def _drift(desk: Any, cfg: Any, active: Any) -> TriggerResult | None:
    """PSI of each selected feature: the version's training window vs the newest bars."""
    from engine.features import FeatureSpec, build_features

    spec_data = (active.details or {}).get("feature_spec")
    if not spec_data or active.train_end is None:
        return None
    bars = desk.bars(active.symbol, active.timeframe)
    if bars.empty:
        return None
    feats = build_features(bars, FeatureSpec.model_validate(spec_data), timeframe=active.timeframe)
    names = list((active.details or {}).get("selected_features") or feats.columns)
    values = feats[names].to_numpy(dtype=float)
    times = bars["time"]
    in_train = ((times >= active.train_start) & (times <= active.train_end)).to_numpy()
    after = (times > active.train_end).to_numpy()
    recent = values[after][-cfg.scheduler.drift_recent_bars :]
    if len(recent) < 100:
        return TriggerResult("drift", False, f"{len(recent)} bars since training; judged from 100")
    return drift_trigger(
        values[in_train], np.asarray(recent), names, threshold=cfg.scheduler.drift_psi_threshold
    )


def _maybe_queue(
    desk: Any, cfg: Any, fired: list[TriggerResult], last_start: Any, busy: bool
) -> tuple[int | None, str]:
    names = ", ".join(r.name for r in fired)
    if not cfg.adaptive_learning_enabled:
        return None, f"fired ({names}) but adaptive_learning_enabled is off"
    if busy:
        return None, f"fired ({names}) but a session is already queued or running"
    cooldown = timedelta(minutes=cfg.scheduler.cooldown_minutes)
    if last_start is not None and utcnow() - last_start < cooldown:
        return None, f"fired ({names}) but within the {cfg.scheduler.cooldown_minutes} min cooldown"
    session_id = desk.request_learning(actor="services", trigger=fired[0].name)
    return session_id, f"fired ({names}): queued learning session #{session_id}"


def _refresh_other_live_metrics(desk: Any, *, exclude: int | None, limit: int = 50) -> list[int]:
    """Live snapshots for versions (other than the active one) that got live trades since their
    last snapshot — e.g. one rolled away from whose open trades are still closing."""
    with desk.db.session() as s:
        newest = (
            select(Trade.version_id, func.max(Trade.logged_at).label("newest"))
            .where(Trade.source == "live", Trade.version_id.is_not(None))
            .group_by(Trade.version_id)
            .subquery()
        )
        rows = s.execute(
            select(newest.c.version_id)
            .outerjoin(
                CurrentMetrics,
                (CurrentMetrics.version_id == newest.c.version_id)
                & (CurrentMetrics.source == "live"),
            )
            .where(
                (CurrentMetrics.updated_at.is_(None))
                | (newest.c.newest > CurrentMetrics.updated_at)
            )
            .limit(limit)
        ).all()
    versions = [int(v) for (v,) in rows if v != exclude]
    for version_id in versions:
        desk.refresh_live_metrics(version_id)
    return versions


def _switch_to_flagged_challenger(desk: Any, cfg: Any) -> str:
    """With `auto_model_switching` on, activate the newest challenger a session flagged while it
    was off — only if the champion it beat is still the active version and its file is there."""
    if not cfg.auto_model_switching:
        return ""
    with desk.db.session() as s:
        flagged = s.execute(
            select(
                PromotionDecision.id,
                PromotionDecision.challenger_id,
                PromotionDecision.champion_id,
                PromotionDecision.session_id,
            )
            .where(PromotionDecision.decision == "flagged")
            .order_by(PromotionDecision.id.desc())
            .limit(1)
        ).first()
        if flagged is None:
            return ""
        acted = s.scalar(
            select(func.count(PromotionDecision.id)).where(
                PromotionDecision.id > flagged.id,
                PromotionDecision.challenger_id == flagged.challenger_id,
            )
        )
    if acted:
        return ""
    challenger = desk.version(flagged.challenger_id)
    active = desk.registry.active_version(challenger.lineage)
    if active is None or active.id != flagged.champion_id or not challenger.artifact_path:
        return ""
    reason = (
        f"auto-switch: {challenger.ref} passed the promotion gates against {active.ref} in "
        f"learning session #{flagged.session_id} and was flagged while auto_model_switching "
        "was off; it is on now"
    )
    desk.registry.activate(challenger.id, actor="services", reason=reason)
    with desk.db.session(write=True) as s:
        s.add(
            PromotionDecision(
                session_id=flagged.session_id,
                challenger_id=challenger.id,
                champion_id=active.id,
                decision="promoted",
                reasons_json=json.dumps([reason]),
                evidence_json=json.dumps({"flagged_decision": flagged.id}),
            )
        )
    desk.audit("services", "model.auto_switch", challenger.ref, {"from": active.ref})
    log.info(reason)
    return f"activated flagged challenger {challenger.ref}"
