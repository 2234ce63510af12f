"""The status report: what is active, how it does, what the learner did, what to do next.
Returned as JSON-ready data and written to logs/phase3_report_<UTC time>.json."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.jsonable import to_jsonable
from engine.learner.records import ACTIVE
from engine.metrics.catalog import BASELINE_UNITS, CONVENTION, METRICS, unit_of
from engine.triggers import live_performance


def build_report(desk: Any) -> dict[str, Any]:
    """Every field comes from stored state; the seed's keys come first."""
    cfg = desk.config()
    active = desk.registry.active_version()
    counts = desk.counts()
    live: dict[str, float] = desk.live_metrics(active.id) if active else {}
    history = desk.activation_history()
    service = desk.service_status()
    sessions = desk.learning_sessions(limit=20)
    last_done = next((s for s in sessions if s.status not in ACTIVE), None)
    flagged = _flagged(desk)
    state = {
        "cfg": cfg,
        "active": active,
        "live": live,
        "counts": counts,
        "service": service,
        "last_session": last_done,
        "flagged": flagged,
        "drift": _last_drift(desk),
    }
    return to_jsonable(
        {
            "timestamp": datetime.now(UTC),
            "phase3_status": {
                "adaptive_learning_enabled": cfg.adaptive_learning_enabled,
                "auto_model_switching": cfg.auto_model_switching,
                "active_model": None if active is None else active.ref,
                "active_model_id": None if active is None else active.id,
                "registered_versions": counts["versions"],
                "logged_trades": counts["trades"],
                "services_running": service.alive,
            },
            "active_model": None
            if active is None
            else {
                "ref": active.ref,
                "algorithm": active.algorithm,
                "status": active.status,
                "trained_to": active.train_end,
                "backtest": published(active.metrics),
                "live": published(live),
                "live_by_session": [published(r) for r in _by_session(desk, active.id)],
            },
            "model_registry": {
                "versions": counts["versions"],
                "lineages": [lin.name for lin in desk.registry.lineages()],
                "last_activation": asdict(history[0]) if history else None,
            },
            "adaptive_learning": {
                "last_session": None
                if last_done is None
                else {
                    "id": last_done.id,
                    "trigger": last_done.trigger,
                    "status": last_done.status,
                    "message": last_done.message,
                    "story": session_story(desk, last_done),
                    "finished_at": last_done.finished_at,
                },
                "queued_or_running": sum(s.status in ACTIVE for s in sessions),
                "flagged_challengers": flagged,
            },
            "services": {
                "leader": service.leader,
                "heartbeat_age_seconds": service.heartbeat_age_seconds,
                "next_runs": service.next_runs,
            },
            "config": cfg.model_dump(mode="json"),
            "monitoring_available": cfg.monitoring_integration,
            "recommendations": recommendations(state),
            "conventions": f"{CONVENTION}; money in {cfg.account.currency}; times UTC",
        }
    )


MONEY_FIGURES = frozenset(n for n in (*METRICS, *BASELINE_UNITS) if unit_of(n) == "currency")
COUNT_FIGURES = frozenset(n for n in METRICS if unit_of(n) == "count")


def published(figures: Mapping[str, Any]) -> dict[str, Any]:
    """Figures as the report shows them: money rounded to cents, counts as whole numbers,
    the rest as computed (infinite and unknown values stay as they are)."""
    out = dict(figures)
    for name, value in figures.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        if name in MONEY_FIGURES:
            out[name] = round(float(value), 2) + 0.0  # never -0.0
        elif name in COUNT_FIGURES:
            out[name] = int(value)
    return out


def session_story(desk: Any, session: Any) -> str:
    """One paragraph: what the session did (registered what, decided what and why, on which
    trades) and why its lineage's active model is the one serving."""
    from engine.learner.records import session_lineage
    from engine.selection import decision_basis

    promotion = session.result.get("promotion") or {}
    decision = promotion.get("decision")
    ref = desk.version(session.version_id).ref if session.version_id else None
    parts = [f"Session #{session.id}"]
    if session.status == "failed":
        parts.append(f"failed: {session.error or session.message}")
    elif session.status != "succeeded" or ref is None:
        parts.append(f"{session.status.replace('_', ' ')}: {session.message or session.stage}")
    elif decision == "promoted":
        parts.append(f"registered {ref} and activated it ({_headline(promotion)})")
    else:
        parts.append(f"registered {ref}, {decision or 'not judged'}: {_headline(promotion)}")
    text = " ".join(parts)
    if promotion.get("evidence"):
        text += f". Compared: {decision_basis(promotion['evidence'])}"
    return f"{text}. {_serving(desk, session_lineage(session.symbol, session.timeframe), ref)}"


def _headline(promotion: dict[str, Any]) -> str:
    reasons = promotion.get("reasons") or []
    failed = [r for r in reasons if r.endswith(": fail") or "only" in r or "needs" in r]
    return (failed or reasons or ["no reason recorded"])[0]


def _serving(desk: Any, lineage: str, registered: str | None) -> str:
    """Which version of `lineage` serves and since when (or that none does)."""
    names = {lin.name for lin in desk.registry.lineages()}
    active = desk.registry.active_version(lineage) if lineage in names else None
    if active is None:
        return f"Nothing is served for {lineage}: no version has passed the gates."
    since = next((r for r in desk.activation_history(lineage) if r.to_ref == active.ref), None)
    when = "" if since is None else f" since {since.created_at:%Y-%m-%d %H:%M} UTC"
    why = "" if since is None else f" ({since.kind} by {since.actor})"
    verb = "is active" if active.ref == registered else "stays active"
    return f"{active.ref} {verb}{when}{why}."


def _by_session(desk: Any, version_id: int) -> list[dict[str, Any]]:
    from engine.metrics.breakdown import results_by_session

    series = desk.live_results(version_id)
    return [asdict(r) for r in results_by_session(series.close_time, series.net_profit)]


def _flagged(desk: Any) -> list[dict[str, Any]]:
    from engine.db.schema import PromotionDecision

    with desk.db.session() as s:
        rows = s.scalars(
            select(PromotionDecision)
            .where(PromotionDecision.decision == "flagged")
            .order_by(PromotionDecision.id.desc())
            .limit(5)
        ).all()
        return [
            {
                "challenger_id": r.challenger_id,
                "champion_id": r.champion_id,
                "reasons": json.loads(r.reasons_json),
            }
            for r in rows
        ]


def _last_drift(desk: Any) -> str | None:
    from engine.db.schema import TriggerCheck

    with desk.db.session() as s:
        row = s.scalars(select(TriggerCheck).order_by(TriggerCheck.id.desc()).limit(1)).first()
        if row is None:
            return None
        for item in json.loads(row.results_json):
            if item.get("name") == "drift" and item.get("fired"):
                return str(item.get("reason"))
    return None


def recommendations(state: dict[str, Any]) -> list[str]:
    """Rules over the state; each names what to do."""
    cfg, active, live, counts = state["cfg"], state["active"], state["live"], state["counts"]
    out = []
    if counts["versions"] == 0:
        out.append(
            "No models yet: import bars (`aurum import-bars`) and train, or run `aurum demo`."
        )
    elif active is None:
        out.append("No active model: activate one with `aurum activate VERSION`.")
    if not state["service"].alive:
        out.append(
            "The background services are not running: start `aurum services` (or `make run`)."
        )
    trades = int(live.get("trades", 0) or 0)
    if active is not None and trades < cfg.selection.min_live_trades:
        out.append(
            f"The active model has {trades} live trades; its live numbers count from "
            f"{cfg.selection.min_live_trades}."
        )
    performance = live_performance(cfg, live)
    if active is not None and performance.fired:
        out.append(f"Live results are poor ({performance.reason}): retrain or roll back.")
    if active is not None and active.train_end is not None:
        age_days = (datetime.now(UTC) - active.train_end).days
        if age_days > 30:
            out.append(
                f"The active model was trained on data that ends {age_days} days ago: retrain."
            )
    if state["drift"]:
        out.append(f"Feature drift detected ({state['drift']}): a retrain is due.")
    if state["flagged"]:
        out.append(
            "A challenger passed the promotion gates but auto_model_switching is off: "
            "review it and activate it by hand."
        )
    return out


def write_report(report: dict[str, Any], logs_dir: Path) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = logs_dir / f"phase3_report_{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path
