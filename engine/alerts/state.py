"""Read what the alert rules look at from the desk, once per check (only what enabled rules need).

Events are read from the tables (activation events, learning sessions, the evaluation cycle's
trigger checks) rather than raised where they happen, so events of any process (the CLI, the
dashboard, another services host) are caught, and nothing is lost while alerts are switched off
for less than `alerts.lookback_hours`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.alerts.rules import ActiveModelState, DeskState, DriftCheck
from engine.config.schema import Phase3Config
from engine.db.schema import LearningSession, TriggerCheck
from engine.learner import records
from engine.learner.records import SessionInfo
from engine.metrics.trading import drawdown_series, equity_curve


def gather_state(
    desk: Any, cfg: Phase3Config, now: datetime, *, rules: set[str] | None = None
) -> DeskState:
    """The desk as the rules in `rules` (default `alerts.rules`) need it at `now`."""
    on = set(cfg.alerts.rules) if rules is None else rules
    since = now - timedelta(hours=cfg.alerts.lookback_hours)
    active = []
    if on & {"live_metrics", "drawdown"}:
        active = active_models(desk, cfg)
    activations = []
    if on & {"promotion", "rollback"}:
        activations = [a for a in desk.activation_history() if a.created_at >= since]
    failed = failed_sessions(desk, since) if "session_failed" in on else []
    return DeskState(
        now=now,
        active=active,
        activations=activations,
        failed_sessions=failed,
        drift=drifted_markets(desk, since) if "drift" in on else [],
        lease=desk.service_status() if "heartbeat" in on else None,
        lease_seconds=cfg.scheduler.lease_seconds,
    )


def active_models(desk: Any, cfg: Phase3Config) -> list[ActiveModelState]:
    """Every lineage's active version with its live metrics and current drawdown."""
    out = []
    for lineage in desk.registry.lineages():
        version = desk.registry.active_version(lineage.name)
        if version is None:
            continue
        results = desk.live_results(version.id)
        live = desk.live_metrics(version.id, results)
        equity = equity_curve(results.net_profit, initial_equity=cfg.account.initial_balance)
        below = float(-drawdown_series(equity)[-1])
        peak = float(equity[-1]) + below
        out.append(
            ActiveModelState(
                ref=version.ref,
                market=f"{version.symbol} {version.timeframe}",
                trades=len(results),
                win_rate=live.get("win_rate"),
                profit_factor=live.get("profit_factor"),
                sharpe=live.get("sharpe"),
                drawdown=below,
                drawdown_pct=below / peak * 100.0 if peak > 0 else 0.0,
                peak_equity=peak,
                equity=float(equity[-1]),
                currency=cfg.account.currency,
            )
        )
    return out


def failed_sessions(desk: Any, since: datetime, limit: int = 20) -> list[SessionInfo]:
    """Learning sessions that failed since `since`, newest first (by the status index)."""
    with desk.db.session() as s:
        ids = s.scalars(
            select(LearningSession.id)
            .where(
                LearningSession.status == "failed",
                func.coalesce(LearningSession.finished_at, LearningSession.created_at) >= since,
            )
            .order_by(LearningSession.id.desc())
            .limit(limit)
        ).all()
    return [records.get(desk.db, session_id) for session_id in ids]


def drifted_markets(desk: Any, since: datetime, limit: int = 200) -> list[DriftCheck]:
    """Per market, its newest trigger check since `since`, when that check's drift fired."""
    with desk.db.session() as s:
        rows = s.execute(
            select(TriggerCheck.checked_at, TriggerCheck.results_json)
            .where(TriggerCheck.checked_at >= since)
            .order_by(TriggerCheck.id.desc())
            .limit(limit)
        ).all()
    seen: set[str] = set()
    out = []
    for checked_at, results_json in rows:
        results: list[dict[str, Any]] = json.loads(results_json or "[]")
        decision: dict[str, Any] = next((r for r in results if r.get("name") == "decision"), {})
        market = str(decision.get("market") or "")
        if market in seen:
            continue
        seen.add(market)
        reasons = [str(r.get("reason")) for r in results if r.get("name") == "drift" and r["fired"]]
        if reasons:
            out.append(
                DriftCheck(market or "the configured market", "; ".join(reasons), checked_at)
            )
    return out
