"""The seed-compatible learner object: `schedule_learning` and `evaluate_model_performance`."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from engine.errors import AurumError
from engine.triggers import live_performance

log = logging.getLogger("aurum.learner")


class AdaptiveLearner:
    """What the original system called `phase3.adaptive_learning`."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk

    def schedule_learning(
        self, run_immediately: bool = False, trigger: str = "manual", actor: str = "seed-api"
    ) -> dict[str, Any]:
        """Run a session now (run_immediately=True) and return its results as a dict; otherwise
        record a queued request for the background worker."""
        if not run_immediately:  # the same request the CLI and the dashboard make (audited)
            try:
                session_id = self.desk.request_learning(actor=actor, trigger=trigger)
            except AurumError as err:
                return _failed(None, err)
            return {"session_id": session_id, "status": "queued", "success": True}
        return self._run_now(trigger, actor)

    def _run_now(self, trigger: str, actor: str) -> dict[str, Any]:
        """Run a session on a record made first, so that a failed session still returns its id
        and outcome (the failure is recorded on it; the registry is left untouched)."""
        from engine.learner import records
        from engine.learner.session import run_session

        try:
            self.desk.require_operator("training")
            cfg = self.desk.config()
        except AurumError as err:  # refused before any session exists
            return _failed(None, err)
        session_id = records.create(
            self.desk.db,
            trigger=trigger,
            requested_by=actor,
            symbol=cfg.learning.symbol,
            timeframe=cfg.learning.timeframe,
            status="running",
        )
        try:
            outcome = run_session(self.desk, trigger=trigger, actor=actor, session_id=session_id)
        except Exception as err:  # run_session has recorded it on the session
            if not isinstance(err, AurumError):
                log.exception("learning session #%s crashed", session_id)
            self._audit(actor, session_id, "failed", None)
            return _failed(session_id, err)
        self._audit(actor, session_id, outcome.status, outcome.version_ref)
        result = asdict(outcome)
        result["success"] = outcome.status == "succeeded"
        result["new_version_id"] = outcome.version_id
        return result

    def _audit(self, actor: str, session_id: int, status: str, version: str | None) -> None:
        detail = {"status": status, "version": version}
        self.desk.audit(actor, "learning.session", f"#{session_id}", detail)

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
        below = live_performance(cfg, live).fired
        return {
            "model_id": info.id,
            "version": info.ref,
            "live": live,
            "backtest": info.metrics,
            "live_trades": trades,
            "enough_trades": enough,
            "below_performance_threshold": bool(below),
            "performance_threshold": cfg.performance_threshold,
            "profit_factor_threshold": cfg.scheduler.profit_factor_threshold,
        }


def _failed(session_id: int | None, error: Exception) -> dict[str, Any]:
    """A failed run in the same shape as a finished one, with the error."""
    return {
        "session_id": session_id,
        "status": "failed",
        "version_id": None,
        "version_ref": None,
        "activated": False,
        "metrics": {},
        "message": f"failed: {error}",
        "success": False,
        "new_version_id": None,
        "error": str(error),
    }
