"""Alert rules: pure functions from a snapshot of the desk to alert candidates.

Each rule names its subject in the candidate's key (`drawdown:XAUUSD-M5-scalper:v3`), so the
store can de-duplicate: a condition that lasts raises one alert per `alerts.dedup_minutes`, an
event (a promotion, a failed session) raises one alert, ever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.config.alerts import AlertsConfig
from engine.learner.records import SessionInfo
from engine.metrics.catalog import money
from engine.registry import ActivationRecord
from engine.scheduler.lease import LeaseState

SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class AlertCandidate:
    """What a rule found; the store turns it into an alert unless its key was raised lately."""

    rule: str
    key: str
    severity: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    event: bool = False  # a one-off event: never raised twice while it is within the lookback


@dataclass(frozen=True)
class ActiveModelState:
    """An active version's live record: headline metrics and where its equity stands now."""

    ref: str
    market: str
    trades: int
    win_rate: float | None
    profit_factor: float | None
    sharpe: float | None
    drawdown: float  # money below the equity peak now
    drawdown_pct: float  # the same, percent of that peak
    peak_equity: float
    equity: float
    currency: str = "USD"  # account.currency: how the money above is labelled


@dataclass(frozen=True)
class DriftCheck:
    """The newest evaluation of one market whose drift check fired."""

    market: str
    reason: str
    checked_at: datetime


@dataclass(frozen=True)
class DeskState:
    """Everything the rules look at, read in one pass (engine.alerts.state)."""

    now: datetime
    active: list[ActiveModelState] = field(default_factory=list)
    activations: list[ActivationRecord] = field(default_factory=list)
    failed_sessions: list[SessionInfo] = field(default_factory=list)
    drift: list[DriftCheck] = field(default_factory=list)
    lease: LeaseState | None = None
    lease_seconds: int = 60


def _judged(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def live_metrics_alerts(active: list[ActiveModelState], cfg: AlertsConfig) -> list[AlertCandidate]:
    """An active model whose live win rate, profit factor or Sharpe is below its threshold,
    over at least `alerts.min_live_trades` live trades."""
    out = []
    for model in active:
        if model.trades < cfg.min_live_trades:
            continue
        below = []
        if cfg.min_win_rate > 0 and _judged(model.win_rate):
            assert model.win_rate is not None
            if model.win_rate < cfg.min_win_rate:
                below.append(f"win rate {model.win_rate:.1%} < {cfg.min_win_rate:.0%}")
        if cfg.min_profit_factor > 0 and _judged(model.profit_factor):
            assert model.profit_factor is not None
            if model.profit_factor < cfg.min_profit_factor:
                below.append(f"profit factor {model.profit_factor:.2f} < {cfg.min_profit_factor:g}")
        if cfg.min_sharpe is not None and _judged(model.sharpe):
            assert model.sharpe is not None
            if model.sharpe < cfg.min_sharpe:
                below.append(f"Sharpe {model.sharpe:.2f} < {cfg.min_sharpe:g}")
        if below:
            out.append(
                AlertCandidate(
                    "live_metrics",
                    f"live_metrics:{model.ref}",
                    "warning",
                    f"{model.ref}: live {'; '.join(below)} over {model.trades} live trades",
                    {
                        "version": model.ref,
                        "market": model.market,
                        "trades": model.trades,
                        "win_rate": model.win_rate,
                        "profit_factor": model.profit_factor,
                        "sharpe": model.sharpe,
                    },
                )
            )
    return out


def drawdown_alerts(active: list[ActiveModelState], cfg: AlertsConfig) -> list[AlertCandidate]:
    """An active model whose live equity is more than `alerts.max_drawdown_pct` below its peak."""
    return [
        AlertCandidate(
            "drawdown",
            f"drawdown:{m.ref}",
            "critical",
            f"{m.ref}: live equity {m.drawdown_pct:.1f}% ({money(m.drawdown, m.currency)}) below "
            f"its peak {money(m.peak_equity, m.currency)} (limit {cfg.max_drawdown_pct:g}%)",
            {
                "version": m.ref,
                "market": m.market,
                "drawdown": m.drawdown,
                "drawdown_pct": m.drawdown_pct,
                "peak_equity": m.peak_equity,
                "equity": m.equity,
                "trades": m.trades,
            },
        )
        for m in active
        if m.drawdown_pct > cfg.max_drawdown_pct
    ]


def drift_alerts(drift: list[DriftCheck]) -> list[AlertCandidate]:
    """A market whose newest evaluation found its features drifted from the training window."""
    return [
        AlertCandidate(
            "drift",
            f"drift:{d.market}",
            "warning",
            f"feature drift on {d.market}: {d.reason}",
            {"market": d.market, "reason": d.reason, "checked_at": d.checked_at.isoformat()},
        )
        for d in drift
    ]


def session_alerts(failed: list[SessionInfo]) -> list[AlertCandidate]:
    """A learning session that failed (an error, or interrupted by a process that died)."""
    out = []
    for s in failed:
        error = (s.error or s.message or "no error recorded").strip().splitlines()[0][:300]
        out.append(
            AlertCandidate(
                "session_failed",
                f"session_failed:{s.id}",
                "warning",
                f"learning session #{s.id} ({s.trigger}, {s.symbol} {s.timeframe}) failed: {error}",
                {"session": s.id, "trigger": s.trigger, "requested_by": s.requested_by},
                event=True,
            )
        )
    return out


def activation_alerts(
    activations: list[ActivationRecord], *, promotions: bool, rollbacks: bool
) -> list[AlertCandidate]:
    """A version made active (by a person or the automatic switch), or a rollback."""
    out = []
    for a in activations:
        why = f": {a.reason}" if a.reason else ""
        detail = {
            "event": a.id,
            "lineage": a.lineage,
            "from": a.from_ref,
            "to": a.to_ref,
            "actor": a.actor,
            "reason": a.reason,
        }
        if a.kind == "rollback" and rollbacks:
            message = f"{a.lineage} rolled back to {a.to_ref} (from {a.from_ref}) by {a.actor}"
            out.append(
                AlertCandidate(
                    "rollback", f"rollback:{a.id}", "warning", message + why, detail, True
                )
            )
        elif a.kind != "rollback" and promotions:
            message = (
                f"{a.to_ref} is now the active model (was {a.from_ref or 'none'}), "
                f"activated by {a.actor}"
            )
            out.append(
                AlertCandidate(
                    "promotion", f"promotion:{a.id}", "info", message + why, detail, True
                )
            )
    return out


def duration_text(seconds: float) -> str:
    """45 s, 12 min, 3.5 h, 2.0 days."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


def released(lease: LeaseState, lease_seconds: int) -> bool:
    """Whether the holder gave the lease back on a clean stop: a heartbeat sets its expiry a
    full lease after the beat, a release sets it to the moment of stopping."""
    if lease.heartbeat_at is None or lease.expires_at is None:
        return False
    return lease.expires_at < lease.heartbeat_at + timedelta(seconds=lease_seconds - 1)


def heartbeat_alerts(
    lease: LeaseState | None, now: datetime, cfg: AlertsConfig, lease_seconds: int
) -> list[AlertCandidate]:
    """The background services have not beaten for `alerts.heartbeat_stale_seconds`."""
    if lease is None or lease.heartbeat_at is None:
        return []
    age = (now - lease.heartbeat_at).total_seconds()
    if age < cfg.heartbeat_stale_seconds:
        return []
    last = f"{lease.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
    clean = released(lease, lease_seconds)
    if clean:
        message = (
            f"background services stopped at {last} ({lease.holder}) and have not run for "
            f"{duration_text(age)}: nothing is evaluated, retrained or delivered"
        )
    else:
        message = (
            f"background services stopped heart-beating: last heartbeat {last} from "
            f"{lease.holder}, {duration_text(age)} ago (crashed, hung or the machine is down)"
        )
    return [
        AlertCandidate(
            "heartbeat",
            f"heartbeat:{lease.holder}:{lease.heartbeat_at.isoformat()}",
            "warning" if clean else "critical",
            message,
            {
                "holder": lease.holder,
                "last_heartbeat": lease.heartbeat_at.isoformat(),
                "silent_seconds": round(age),
                "stopped_cleanly": clean,
            },
        )
    ]


def resumed_alerts(
    before: LeaseState, holder: str, now: datetime, cfg: AlertsConfig, lease_seconds: int
) -> list[AlertCandidate]:
    """Services that take the lease after a silence longer than `alerts.heartbeat_stale_seconds`
    say so (a restart after a crash, a reboot or a long stop)."""
    if before.heartbeat_at is None:
        return []
    gap = (now - before.heartbeat_at).total_seconds()
    if gap < cfg.heartbeat_stale_seconds:
        return []
    clean = released(before, lease_seconds)
    how = "a clean stop" if clean else "without a clean stop"
    return [
        AlertCandidate(
            "heartbeat",
            f"heartbeat:resumed:{holder}:{before.heartbeat_at.isoformat()}",
            "info" if clean else "warning",
            f"background services resumed on {holder} after {duration_text(gap)} without a "
            f"heartbeat ({how}; last from {before.holder} at "
            f"{before.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)",
            {
                "holder": holder,
                "previous_holder": before.holder,
                "last_heartbeat": before.heartbeat_at.isoformat(),
                "silent_seconds": round(gap),
                "stopped_cleanly": clean,
            },
            event=True,
        )
    ]


def evaluate_rules(state: DeskState, cfg: AlertsConfig) -> list[AlertCandidate]:
    """Every enabled rule (`alerts.rules`) over the state, in a fixed order."""
    on = set(cfg.rules)
    out: list[AlertCandidate] = []
    if "live_metrics" in on:
        out += live_metrics_alerts(state.active, cfg)
    if "drawdown" in on:
        out += drawdown_alerts(state.active, cfg)
    if "drift" in on:
        out += drift_alerts(state.drift)
    if "session_failed" in on:
        out += session_alerts(state.failed_sessions)
    out += activation_alerts(
        state.activations, promotions="promotion" in on, rollbacks="rollback" in on
    )
    if "heartbeat" in on:
        out += heartbeat_alerts(state.lease, state.now, cfg, state.lease_seconds)
    return out
