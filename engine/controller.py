"""The seed-compatible `Phase3Controller`: what the trading side of the original system calls."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from engine.controls.serving import TradingControls
from engine.errors import DatabaseError, DemoModelRefusedError, NotFoundError, RegistryError
from engine.learner.adaptive import AdaptiveLearner
from engine.learner.candidates import single_threaded
from engine.learner.records import ACTIVE
from engine.learner.served import FILE_NAME as SIGNALS_FILE
from engine.learner.served import SignalLog
from engine.registry.types import VersionInfo
from engine.services import Desk

RECENT_KEPT = 2  # formerly active models kept loaded (a rollback target is served at once)
_ACTIVE_BY_LINEAGE = (
    "SELECT lineages.name, lineages.symbol, lineages.timeframe, aliases.version_id FROM aliases "
    "JOIN lineages ON lineages.id = aliases.lineage_id WHERE aliases.alias = 'active'"
)


@dataclass(frozen=True)
class _Active:
    """One active lineage: its name, its market (symbol, timeframe) and its active version."""

    lineage: str
    symbol: str
    timeframe: str
    version_id: int


@dataclass
class _Served:
    """A loaded active version: the estimator, the seed's metadata dict, the version, and its
    signal maker once a signal was asked for (only versions trained by a session have one)."""

    model: Any
    metadata: dict[str, Any]
    info: VersionInfo
    signals: Any = None


class Phase3Controller:
    """`Phase3Controller()` uses AURUM_HOME (or the project's folders), like the CLI."""

    def __init__(self, home: str | None = None, *, desk: Desk | None = None) -> None:
        """`desk=` serves an open desk (the HTTP bridge's) instead of opening `home`."""
        self.desk = desk if desk is not None else Desk.open(home)
        self.home = home if desk is None else str(desk.paths.root)
        self.model_registry = self.desk.registry
        self.adaptive_learning = AdaptiveLearner(self.desk)
        # version id -> loaded model: the active ones plus the RECENT_KEPT last served others,
        # so a rollback to the previous version serves at once
        self._cache: dict[int, _Served] = {}
        self._controls = TradingControls(self.desk)  # sizing and the pause switch
        self._lock = threading.Lock()
        self._services: Any = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.served_signals = SignalLog(self.desk.paths.models_dir / SIGNALS_FILE)

    # --- serving ---------------------------------------------------------------------------
    def get_active_model_for_prediction(
        self,
        lineage: str | None = None,
        *,
        symbol: str | None = None,
        timeframe: str | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """(model, metadata) of the active version (of `lineage`, or of the lineage of
        `symbol`/`timeframe`, when several are active); reloaded only when the pointer moved.
        A DEMO version (trained on generated bars) is refused with the reason unless
        serving.allow_demo_models is set: a caller holding a model would trade on it."""
        served = self._served(lineage, symbol, timeframe)
        refusal = self.serving_refusal(served.info)
        if refusal is not None:
            raise DemoModelRefusedError(refusal)
        return served.model, served.metadata

    def predict_signal(
        self,
        bars: Any,
        lineage: str | None = None,
        *,
        symbol: str | None = None,
        timeframe: str | None = None,
        balance: float | None = None,
        open_risk: float | None = None,
    ) -> Any:
        """The active model's signal (side, confidence, SL, TP, version, lots and the money at
        risk) for the latest bar; with several markets, `symbol=` and `timeframe=` name the one
        `bars` belong to. `balance` (else account.initial_balance) and `open_risk` (the money
        at the stops of open positions) feed the sizing; while paused every signal is HOLD. A
        DEMO version without serving.allow_demo_models answers HOLD with the reason."""
        from engine.controls.serving import AccountReport
        from engine.learner.predict import SignalModel, held_signal

        served = self._served(lineage, symbol, timeframe)
        refusal = self.serving_refusal(served.info)
        account = AccountReport(balance, open_risk)
        if refusal is not None:  # a DEMO version without the opt-in: HOLD with the reason
            signal = self._controls.apply(held_signal(served.info, bars, refusal), account)
        else:
            if served.signals is None:
                served.signals = SignalModel(served.model, served.info)
            signal = self._controls.apply(served.signals.signal(bars), account)
        self.served_signals.record(served.info.lineage, signal)  # written off this path
        return signal

    def serving_refusal(self, info: VersionInfo) -> str | None:
        """Why the version is not served (a DEMO one without the opt-in); the config is read
        only for DEMO versions, so real ones pay nothing for the check."""
        from engine.learner.predict import demo_refusal

        if not info.is_demo:
            return None
        return demo_refusal(info, allowed=self.desk.config().serving.allow_demo_models)

    def active_version_id(
        self,
        lineage: str | None = None,
        *,
        symbol: str | None = None,
        timeframe: str | None = None,
    ) -> int:
        """The id of the version `predict_signal` would serve for these arguments (the same
        errors when there is none), without loading it."""
        return self._resolve(self._active_rows(), lineage, symbol, timeframe)

    def _served(self, lineage: str | None, symbol: str | None, timeframe: str | None) -> _Served:
        rows = self._active_rows()
        active = {row.lineage: row.version_id for row in rows}
        version_id = self._resolve(rows, lineage, symbol, timeframe)
        with self._lock:
            served = self._cache.pop(version_id, None)
            if served is None:
                model, info = self.desk.registry.load_model(version_id)
                single_threaded(model)
                served = _Served(model, _metadata(info), info)
            self._cache[version_id] = served  # most recently served last
            keep = set(active.values())
            spare = [v for v in self._cache if v not in keep]
            for stale in spare[: max(0, len(spare) - RECENT_KEPT)]:
                del self._cache[stale]  # oldest no-longer-active models first
            return served

    def _resolve(
        self, rows: list[_Active], lineage: str | None, symbol: str | None, timeframe: str | None
    ) -> int:
        active = {row.lineage: row.version_id for row in rows}
        if lineage is None and (symbol is not None or timeframe is not None):
            version_id = self._pick_market(rows, symbol, timeframe)
        else:
            version_id = self._pick(active, lineage)
            named = next((row for row in rows if row.lineage == lineage), None)
            if (
                named is not None
                and (symbol or timeframe)
                and (
                    (symbol or named.symbol, timeframe or named.timeframe)
                    != (named.symbol, named.timeframe)
                )
            ):
                raise RegistryError(
                    f"{lineage} serves {named.symbol} {named.timeframe}, not "
                    f"{symbol or named.symbol} {timeframe or named.timeframe}"
                )
        return version_id

    def _active_ids(self) -> dict[str, int]:
        """Lineage name -> active version id."""
        return {row.lineage: row.version_id for row in self._active_rows()}

    def _active_rows(self) -> list[_Active]:
        """The active lineages with their markets, read again once anything was committed to
        the database (an activation or rollback by this process or another one)."""
        return self.desk.db.unchanged_or("active-lineages", self._read_active_rows)

    def _read_active_rows(self) -> list[_Active]:
        """One indexed read on a pooled DBAPI connection (about 20 µs, a tenth of a SQLAlchemy
        round trip)."""
        engine = self.desk.db.engine
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(_ACTIVE_BY_LINEAGE)
            rows = cursor.fetchall()
            cursor.close()
        except engine.dialect.loaded_dbapi.Error as err:
            raise DatabaseError(f"could not read the active model: {err}") from err
        finally:
            conn.close()
        return [
            _Active(str(name), str(sym), str(tf), int(version_id))
            for name, sym, tf, version_id in rows
        ]

    def _pick_market(self, rows: list[_Active], symbol: str | None, timeframe: str | None) -> int:
        """The active version of the lineage of (symbol, timeframe); a missing half is filled
        in only when the active lineages leave one choice."""
        found = [
            row
            for row in rows
            if (symbol is None or row.symbol == symbol)
            and (timeframe is None or row.timeframe == timeframe)
        ]
        market = " ".join(x for x in (symbol, timeframe) if x is not None)
        if not found:
            lineages = [
                lin.name
                for lin in self.desk.registry.lineages()
                if (symbol is None or lin.symbol == symbol)
                and (timeframe is None or lin.timeframe == timeframe)
            ]
            fix = (
                f"activate a version of {', '.join(lineages)} (`aurum activate VERSION`)"
                if lineages
                else "train one for it (set learning.symbol and learning.timeframe, then "
                "`aurum train`)"
            )
            raise NotFoundError(
                f"no active model for {market}"
                + (f" (lineages: {', '.join(lineages)})" if lineages else " (no lineage)")
                + f": {fix}; Aurum never serves an untrained fallback"
            )
        if len(found) > 1:
            names = ", ".join(sorted(row.lineage for row in found))
            raise RegistryError(
                f"several lineages of {market} are active ({names}); "
                "name one: predict_signal(bars, lineage=...)"
            )
        return found[0].version_id

    def _pick(self, active: dict[str, int], lineage: str | None) -> int:
        if lineage is not None:
            if lineage in active:
                return active[lineage]
            if lineage not in {lin.name for lin in self.desk.registry.lineages()}:
                raise NotFoundError(f"model lineage {lineage!r} does not exist")
            raise RegistryError(
                f"{lineage} has no active version: activate one (`aurum activate VERSION`); "
                "Aurum never serves an untrained fallback"
            )
        if not active:
            queued = self._queue_learning_if_configured()
            raise RegistryError(
                "no active model: train one (`aurum train`) or activate a version "
                "(`aurum activate VERSION`); Aurum never serves an untrained fallback" + queued
            )
        if len(active) > 1:
            raise RegistryError(
                f"several lineages are active ({', '.join(sorted(active))}); "
                "name one: predict_signal(bars, lineage=...)"
            )
        return next(iter(active.values()))

    def _queue_learning_if_configured(self) -> str:
        """With scheduler.queue_learning_when_no_model, queue one session (never a second while
        one waits or runs); returns what was done, for the error message."""
        if not self.desk.config().scheduler.queue_learning_when_no_model:
            return ""
        waiting = [s for s in self.desk.learning_sessions(5) if s.status in ACTIVE]
        if waiting:
            return f" (learning session #{waiting[0].id} is {waiting[0].status})"
        session_id = self.desk.request_learning(actor="controller", trigger="no_active_model")
        return f" (learning session #{session_id} was queued)"

    # --- trades ----------------------------------------------------------------------------
    def log_trade_with_model_info(self, trade: dict[str, Any]) -> Any:
        """Store a trade with the active version; accepts the seed's dict keys too
        (`signal_type`, `profit_loss`, `outcome`, `confidence`). With several lineages active
        and none named, the trade goes to the active version of its own `symbol` (and
        `timeframe`, when the dict gives one)."""
        version_id = self._trade_version(trade)
        now = datetime.now(UTC)
        data = {
            k: v
            for k, v in trade.items()
            if k not in {"signal_type", "profit_loss", "outcome", "lineage", "timeframe"}
        }
        data.setdefault("ticket", str(trade.get("ticket") or uuid4().hex))
        data.setdefault("side", trade.get("signal_type", trade.get("side")))
        data.setdefault("profit", trade.get("profit_loss", trade.get("profit")))
        data.setdefault("open_time", now)
        data.setdefault("close_time", data["open_time"] if "open_time" in trade else now)
        if "volume" not in data:
            data["volume"] = self.desk.config().costs.lot_size
        data.setdefault("version_id", version_id)
        return self.desk.log_trade(data, actor="trading-side")

    def _trade_version(self, trade: dict[str, Any]) -> int:
        rows = self._active_rows()
        lineage = trade.get("lineage")
        if lineage is None and len(rows) > 1:
            from engine.ledger import TradeInput

            default = TradeInput.model_fields["symbol"].default
            symbol = str(trade.get("symbol") or default).strip()
            timeframe = trade.get("timeframe")
            return self._pick_market(rows, symbol, None if timeframe is None else str(timeframe))
        return self._pick({row.lineage: row.version_id for row in rows}, lineage)

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


def _metadata(info: VersionInfo) -> dict[str, Any]:
    return {
        "model_id": info.id,
        "version": info.ref,
        "algorithm": info.algorithm,
        "features": info.features,
        "trained_from": info.train_start,
        "trained_to": info.train_end,
        "metrics": info.metrics,
        "feature_spec": info.details.get("feature_spec"),
        "min_confidence": info.details.get("min_confidence"),
        "demo": info.is_demo,
        "data_origin": info.data_origin,
        "trained_on": info.trained_on,
    }
