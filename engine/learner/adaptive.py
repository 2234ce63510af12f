"""The seed-compatible learner object: `schedule_learning` and `evaluate_model_performance`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.errors import AurumError


class AdaptiveLearner:
    """What the original system called `phase3.adaptive_learning`."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk

    def schedule_learning(
        self, run_immediately: bool = False, trigger: str = "manual", actor: str = "seed-api"
    ) -> dict[str, Any]:
        """Run a session now (run_immediately=True) and return its results as a dict; otherwise
        record a queued request for the background worker."""
        if not run_immediately:
            from engine.learner import records

            cfg = self.desk.config()
            session_id = records.create(
                self.desk.db,
                trigger=trigger,
                requested_by=actor,
                symbol=cfg.learning.symbol,
                timeframe=cfg.learning.timeframe,
            )
            return {"session_id": session_id, "status": "queued", "success": True}
        try:
            outcome = self.desk.learn(trigger=trigger, actor=actor)
        except AurumError as err:
            return {"success": False, "status": "failed", "error": str(err)}
        result = asdict(outcome)
        result["success"] = outcome.status == "succeeded"
        result["new_version_id"] = outcome.version_id
        return result

    def evaluate_model_performance(self, model_id: int | None = None) -> dict[str, Any]:
        """Live metrics of a version (default: the active one) against the configured threshold."""
        cfg = self.desk.config()
        info = (
            self.desk.registry.active_version() if model_id is None else self.desk.version(model_id)
        )
        if info is None:
            return {"model_id": None, "status": "no active model"}
        live = self.desk.live_metrics(info.id)
        trades = int(live.get("trades", 0))
        enough = trades >= cfg.selection.min_live_trades
        below = enough and live.get("win_rate", 1.0) < cfg.performance_threshold
        return {
            "model_id": info.id,
            "version": info.ref,
            "live": live,
            "backtest": info.metrics,
            "live_trades": trades,
            "enough_trades": enough,
            "below_performance_threshold": bool(below),
            "performance_threshold": cfg.performance_threshold,
        }
