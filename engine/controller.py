"""The seed-compatible `Phase3Controller`: what the trading side of the original system calls."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import text

from engine.errors import RegistryError
from engine.learner.adaptive import AdaptiveLearner
from engine.services import Desk

_ACTIVE_IDS = text("SELECT version_id FROM aliases WHERE alias = 'active'")


class Phase3Controller:
    """`Phase3Controller()` uses AURUM_HOME (or the project's folders), like the CLI."""

    def __init__(self, home: str | None = None) -> None:
        self.desk = Desk.open(home)
        self.home = home
        self.model_registry = self.desk.registry
        self.adaptive_learning = AdaptiveLearner(self.desk)
        self._cached: tuple[int, Any, dict[str, Any], Any] | None = None
        self._lock = threading.Lock()
        self._services: Any = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- serving ---------------------------------------------------------------------------
    def get_active_model_for_prediction(self) -> tuple[Any, dict[str, Any]]:
        """(model, metadata) of the active version; reloaded only when the pointer moved."""
        active_id = self._active_id()
        with self._lock:
            if self._cached is not None and self._cached[0] == active_id:
                return self._cached[1], self._cached[2]
            self._cached = None
            model, info = self.desk.registry.load_model(active_id)
            _single_threaded(model)
            metadata = {
                "model_id": info.id,
                "version": info.ref,
                "algorithm": info.algorithm,
                "features": info.features,
                "trained_from": info.train_start,
                "trained_to": info.train_end,
                "metrics": info.metrics,
                "feature_spec": info.details.get("feature_spec"),
                "min_confidence": info.details.get("min_confidence"),
            }
            self._cached = (active_id, model, metadata, info)
            return model, metadata

    def _active_id(self) -> int:
        with self.desk.db.engine.connect() as conn:  # one indexed read, also sees other processes
            ids = conn.execute(_ACTIVE_IDS).scalars().all()
        if not ids:
            raise RegistryError(
                "no active model: train one (`aurum train`) or activate a version "
                "(`aurum activate VERSION`); Aurum never serves an untrained fallback"
            )
        if len(ids) > 1:
            raise RegistryError(
                "several lineages are active; use predict_signal(bars, lineage=...)"
            )
        return int(ids[0])

    def predict_signal(self, bars: Any, lineage: str | None = None) -> Any:
        """The active model's signal (side, confidence, SL, TP, version) for the latest bar."""
        from engine.learner.predict import signal_for_bars

        model, _ = self.get_active_model_for_prediction()
        assert self._cached is not None
        return signal_for_bars(model, self._cached[3], bars)

    # --- trades ----------------------------------------------------------------------------
    def log_trade_with_model_info(self, trade: dict[str, Any]) -> Any:
        """Store a trade with the active version; accepts the seed's dict keys too
        (`signal_type`, `profit_loss`, `outcome`, `confidence`)."""
        _, meta = self.get_active_model_for_prediction()
        now = datetime.now(UTC)
        data = {
            k: v for k, v in trade.items() if k not in {"signal_type", "profit_loss", "outcome"}
        }
        data.setdefault("ticket", str(trade.get("ticket") or uuid4().hex))
        data.setdefault("side", trade.get("signal_type", trade.get("side")))
        data.setdefault("profit", trade.get("profit_loss", trade.get("profit")))
        data.setdefault("open_time", now)
        data.setdefault("close_time", data["open_time"] if "open_time" in trade else now)
        data.setdefault("volume", self.desk.config().costs.lot_size)
        data.setdefault("version_id", meta["model_id"])
        return self.desk.log_trade(data, actor="trading-side")

    # --- reports and services -----------------------------------------------------------
    def generate_phase3_report(self) -> dict[str, Any]:
        from engine.reports import build_report, write_report

        report = build_report(self.desk)
        write_report(report, self.desk.paths.logs_dir)
        return report

    async def start_phase3_services(self) -> None:
        """Run the background services until `stop_phase3_services()` is called."""
        from engine.scheduler.service import AurumServices

        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._services = AurumServices(self.home)
        self._services.start()
        try:
            await self._stop.wait()
        finally:
            await asyncio.to_thread(self._services.stop)
            self._services = None

    def stop_phase3_services(self) -> None:
        """Safe to call from any thread or from the event loop itself."""
        if self._stop is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)


def _single_threaded(model: Any) -> None:
    """Serving predicts one row at a time: thread pools only add latency (~25 ms for a forest)."""
    steps = getattr(model, "named_steps", {}).values() or [model]
    for step in steps:
        if hasattr(step, "n_jobs"):
            step.n_jobs = 1
