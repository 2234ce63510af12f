"""The status report: what is active, how it does, what the desk recommends (also in logs/)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.jsonable import to_jsonable


def build_report(desk: Any) -> dict[str, Any]:
    """A JSON-ready report with the seed's `phase3_status` section first."""
    cfg = desk.config()
    active = desk.registry.active_version()
    counts = desk.counts()
    live: dict[str, float] = desk.live_metrics(active.id) if active else {}
    history = desk.activation_history()
    recommendations = _recommendations(cfg, active, live, counts)
    return to_jsonable(
        {
            "generated_at": datetime.now(UTC),
            "phase3_status": {
                "adaptive_learning_enabled": cfg.adaptive_learning_enabled,
                "auto_model_switching": cfg.auto_model_switching,
                "active_model": None if active is None else active.ref,
                "active_model_id": None if active is None else active.id,
                "registered_versions": counts["versions"],
                "logged_trades": counts["trades"],
            },
            "active_model": None
            if active is None
            else {
                "ref": active.ref,
                "algorithm": active.algorithm,
                "status": active.status,
                "backtest": active.metrics,
                "live": live,
            },
            "last_activation": asdict(history[0]) if history else None,
            "recommendations": recommendations,
            "conventions": "Sharpe/Sortino on daily returns, annualised with sqrt(252)",
        }
    )


def _recommendations(
    cfg: Any, active: Any, live: dict[str, float], counts: dict[str, int]
) -> list[str]:
    out = []
    if counts["versions"] == 0:
        out.append("No models yet: run `aurum demo` for a demo desk, or import bars and train.")
    elif active is None:
        out.append("No active model: activate one with `aurum activate VERSION`.")
    trades = int(live.get("trades", 0) or 0)
    if active is not None and trades < cfg.selection.min_live_trades:
        out.append(
            f"The active model has {trades} live trades; its live numbers become meaningful "
            f"from {cfg.selection.min_live_trades}."
        )
    win = live.get("win_rate")
    if (
        trades >= cfg.selection.min_live_trades
        and win is not None
        and win < cfg.performance_threshold
    ):
        out.append(
            f"Live win rate {win:.1%} is below performance_threshold "
            f"{cfg.performance_threshold:.0%}: consider retraining or rolling back."
        )
    if counts["versions"] > cfg.max_models_to_keep and cfg.auto_cleanup_models:
        out.append("More versions than max_models_to_keep: cleanup will remove old model files.")
    return out


def write_report(report: dict[str, Any], logs_dir: Path) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = logs_dir / f"phase3_report_{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path
