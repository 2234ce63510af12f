"""The one facade the CLI, dashboard, scheduler and seed controller call.

Each method is one unit of work with its own transaction(s); errors are engine errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from engine.audit import add_audit
from engine.config.schema import Phase3Config
from engine.config.store import ConfigChangeRecord, ConfigStore
from engine.db.connection import Database, open_database
from engine.db.schema import AuditEvent, ModelVersion, Trade
from engine.errors import PermissionDeniedError, TradeError
from engine.home import AurumHome, resolve_home
from engine.ledger import (
    LedgerTrade,
    LoggedTrade,
    ResultSeries,
    log_trade,
    log_trade_batch,
    parse_trade,
    result_series,
    series_metrics,
    trades_for,
)
from engine.registry import ActivationRecord, CleanupReport, Comparison, ModelRegistry, VersionInfo
from engine.registry.refs import find_version


@dataclass(frozen=True)
class InitResult:
    home: str
    database_url: str
    revision_before: str | None
    revision_after: str
    config_file: str
    config_created: bool
    backup: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    created_at: datetime


def init_home(home: str | None = None) -> InitResult:
    """Create or upgrade the database and write the default config when there is none."""
    from engine.db.migrate import current_revision, upgrade_to_head

    paths = resolve_home(home)
    paths.ensure_dirs()
    db = open_database(paths.database_url, check_schema=False)
    try:
        before = current_revision(db)
        backup = _backup_before_upgrade(paths, db, before)
        after = upgrade_to_head(db)
        created = not paths.config_file.exists()
        ConfigStore(paths.config_file, db).load()
    finally:
        db.dispose()
    return InitResult(
        str(paths.root),
        _safe_url(paths.database_url),
        before,
        after,
        str(paths.config_file),
        created,
        backup,
    )


def _backup_before_upgrade(paths: AurumHome, db: Database, before: str | None) -> str | None:
    """A snapshot of a SQLite database before its schema is upgraded (never for a new one)."""
    from engine.db.migrate import HEAD_REVISION

    if before is None or before == HEAD_REVISION or db.dialect != "sqlite":
        return None
    from engine.backup import _sqlite_path, sqlite_snapshot

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = paths.models_dir / "backups" / f"aurum-{before}-{stamp}.db"
    sqlite_snapshot(_sqlite_path(db.url), target)
    return str(target)


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages and reports."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class Desk:
    """Aurum for one home: registry, ledger, config and audit behind trader-sized methods."""

    def __init__(
        self, paths: AurumHome, db: Database, *, user: str | None = None, role: str | None = None
    ) -> None:
        self.paths = paths
        self.db = db
        self.user = user
        self.role = role  # None: a local process (CLI, services) with full rights
        self.registry = ModelRegistry(db, paths.artifacts_dir)
        self.config_store = ConfigStore(paths.config_file, db)

    @classmethod
    def open(cls, home: str | None = None) -> Desk:
        """Open an initialised home; a missing or stale schema says to run `aurum init`."""
        paths = resolve_home(home)
        return cls(paths, open_database(paths.database_url))

    def close(self) -> None:
        self.db.dispose()

    def acting_as(self, user: str, role: str) -> Desk:
        """The same desk for a logged-in user: viewers may read, operators may also act."""
        return Desk(self.paths, self.db, user=user, role=role)

    def require_operator(self, action: str) -> None:
        if self.role is not None and self.role != "operator":
            raise PermissionDeniedError(
                f"{self.user or 'this user'} is a {self.role}: {action} needs an operator"
            )

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- config -------------------------------------------------------------------------------
    def config(self) -> Phase3Config:
        return self.config_store.load()

    def set_config(self, key: str, value: str, *, actor: str) -> ConfigChangeRecord | None:
        self.require_operator("change the configuration")
        change = self.config_store.set(key, value, actor=actor)
        if change:
            self.audit(actor, "config.set", key, {"diff": change.diff, "change": change.id})
        return change

    def save_config(
        self, cfg: Phase3Config, *, actor: str, reason: str = ""
    ) -> ConfigChangeRecord | None:
        self.require_operator("change the configuration")
        change = self.config_store.save(cfg, actor=actor, reason=reason)
        if change:
            self.audit(actor, "config.save", "", {"diff": change.diff, "change": change.id})
        return change

    def revert_config(self, change_id: int, *, actor: str) -> ConfigChangeRecord | None:
        self.require_operator("change the configuration")
        change = self.config_store.revert(change_id, actor=actor)
        if change:
            self.audit(actor, "config.revert", str(change_id), {"diff": change.diff})
        return change

    def config_history(self, limit: int = 100) -> list[ConfigChangeRecord]:
        return self.config_store.history(limit)

    # --- models -------------------------------------------------------------------------------
    def leaderboard(self, lineage: str | None = None) -> list[VersionInfo]:
        """Versions with their current numbers: live when enough live trades, else backtest."""
        selection = self.config().selection
        return self.registry.leaderboard(
            selection, lineage=lineage, live_from=selection.min_live_trades
        )

    def version(self, ref: str | int) -> VersionInfo:
        return self.registry.get(ref)

    def export_onnx(self, ref: str | int, out: str) -> Any:
        """Write the version as one ONNX graph from raw bars to its signal, with its model card,
        into folder ``out`` (`engine.onnx_export.card.OnnxExport`); NotExportableError lists
        what blocks a faithful graph."""
        from pathlib import Path

        from engine.onnx_export.card import export_version, require_onnx_extra

        require_onnx_extra()
        model, info = self.registry.load_model(ref)
        return export_version(model, info, Path(out))

    def onnx_file(self, ref: str | int) -> Any:
        """The version's ONNX file and card in memory, for a download
        (`engine.onnx_export.card.OnnxFile`); NotExportableError lists what blocks it."""
        from engine.onnx_export.card import onnx_file, require_onnx_extra

        require_onnx_extra()
        model, info = self.registry.load_model(ref)
        return onnx_file(model, info)

    def activate(self, ref: str | int, *, actor: str, reason: str = "") -> ActivationRecord:
        self.require_operator("activating a model")
        return self.registry.activate(ref, actor=actor, reason=reason)

    def rollback(
        self, lineage: str | None = None, *, actor: str, reason: str = ""
    ) -> ActivationRecord:
        self.require_operator("rolling back")
        return self.registry.rollback(lineage, actor=actor, reason=reason)

    def set_pinned(self, ref: str | int, pinned: bool, *, actor: str) -> VersionInfo:
        self.require_operator("pinning")
        info = self.registry.set_pinned(ref, pinned)
        self.audit(actor, "model.pin" if pinned else "model.unpin", info.ref, {})
        return info

    def cleanup(self, keep: int | None = None, *, actor: str) -> CleanupReport:
        self.require_operator("cleanup")
        keep_n = keep if keep is not None else self.config().max_models_to_keep
        report = self.registry.cleanup(keep_n)
        self.audit(
            actor,
            "model.cleanup",
            f"keep {keep_n}",
            {"removed": report.removed, "freed_bytes": report.freed_bytes},
        )
        return report

    def compare(self, refs: list[str]) -> Comparison:
        return self.registry.compare(refs)

    def activation_history(self, lineage: str | None = None) -> list[ActivationRecord]:
        return self.registry.history(lineage)

    # --- market data ---
    def import_bars(
        self,
        path: str,
        *,
        symbol: str,
        timeframe: str,
        fmt: str | None = None,
        tz: str = "UTC",
        ambiguous: str | None = None,
        actor: str,
        progress: Any = None,
    ) -> Any:
        """Validate the whole file, then upsert it in one transaction (see engine.imports)."""
        self.require_operator("importing data")
        from engine.imports import import_bars

        return import_bars(
            self,
            path,
            symbol=symbol,
            timeframe=timeframe,
            fmt=fmt,
            tz=tz,
            ambiguous=ambiguous,
            actor=actor,
            progress=progress,
        )

    def bars(self, symbol: str, timeframe: str, *, last: int | None = None) -> Any:
        from engine.data.store import load_bars

        with self.db.session() as s:
            return load_bars(s, symbol=symbol, timeframe=timeframe, last=last)

    def bar_series(self) -> list[Any]:
        from engine.data.store import series_info

        with self.db.session() as s:
            return series_info(s)

    # --- learning ---------------------------------------------------------------------------
    def learn(
        self,
        *,
        trigger: str = "manual",
        actor: str,
        progress: Any = None,
        symbol: str | None = None,
        timeframe: str | None = None,
        until: Any = None,
        learning_overrides: dict[str, Any] | None = None,
    ) -> Any:
        """Run one learning session now (see engine.learner.session)."""
        self.require_operator("training")
        from engine.learner.session import run_session

        outcome = run_session(
            self,
            trigger=trigger,
            actor=actor,
            progress=progress,
            symbol=symbol,
            timeframe=timeframe,
            until=until,
            learning_overrides=learning_overrides,
        )
        self.audit(
            actor,
            "learning.session",
            f"#{outcome.session_id}",
            {"status": outcome.status, "version": outcome.version_ref},
        )
        return outcome

    def request_learning(
        self,
        *,
        actor: str,
        trigger: str = "manual",
        symbol: str | None = None,
        timeframe: str | None = None,
    ) -> int:
        """Queue a learning session for the background worker; returns its id. It learns on
        `symbol`/`timeframe` (into that market's lineage), by default learning.symbol and
        learning.timeframe."""
        self.require_operator("retraining")
        from engine.learner import records

        cfg = self.config()
        market = (symbol or cfg.learning.symbol, timeframe or cfg.learning.timeframe)
        session_id = records.create(
            self.db,
            trigger=trigger,
            requested_by=actor,
            symbol=market[0],
            timeframe=market[1],
        )
        detail: dict[str, Any] = {"trigger": trigger}
        if symbol is not None or timeframe is not None:
            detail["market"] = " ".join(market)
        self.audit(actor, "learning.request", f"#{session_id}", detail)
        return session_id

    def service_status(self) -> Any:
        """Who leads the background services, how fresh its heartbeat is, its next runs."""
        from engine.scheduler.lease import state

        return state(self.db)

    def learning_sessions(self, limit: int = 50) -> list[Any]:
        from engine.learner import records

        return records.recent(self.db, limit)

    def learning_session(self, session_id: int) -> Any:
        from engine.learner import records

        return records.get(self.db, session_id)

    def signal(self, bars: Any, *, lineage: str | None = None) -> Any:
        """The active model's signal for the last of `bars` (a bars frame)."""
        from engine.errors import RegistryError
        from engine.learner.predict import signal_for_bars

        active = self.registry.active_version(lineage)
        if active is None:
            raise RegistryError("no active model: activate one with `aurum activate VERSION`")
        model, info = self.registry.load_model(active.id)
        return signal_for_bars(model, info, bars)

    def explanations(self, ref: str | int) -> Any:
        """Why `ref` signals what it does (`engine.explain.Explanation`): attributions of its
        latest signals on the stored bars, partial dependence, permutation importance; computed
        once per version and bars, then read from the JSON cache next to its model file."""
        from engine.explain import bars_needed, check_explainable, explanation

        info = check_explainable(self.registry.get(ref))
        bars = self.bars(info.symbol, info.timeframe, last=bars_needed(info))
        return explanation(
            info, bars, self.paths.artifacts_dir, lambda: self.registry.load_model(info.id)[0]
        )

    # --- trades -------------------------------------------------------------------------------
    def log_trade(self, data: Mapping[str, Any], *, actor: str = "trading-side") -> LoggedTrade:
        self.require_operator("logging trades")
        trade = parse_trade(data)
        with self.db.session(write=True) as s:
            logged = log_trade(s, trade)
        return logged

    def log_trades(
        self, rows: Sequence[Mapping[str, Any]], *, actor: str = "trading-side"
    ) -> list[LoggedTrade]:
        """Many trades in one transaction, all or nothing: every row is validated first and a
        bad one is refused with its position (1-based) before anything is written."""
        self.require_operator("logging trades")
        parsed = []
        for k, data in enumerate(rows, start=1):
            try:
                parsed.append(parse_trade(data))
            except TradeError as err:
                raise TradeError(f"row {k}: {err}") from None
        with self.db.session(write=True) as s:
            logged = log_trade_batch(s, parsed)
            add_audit(
                s,
                actor,
                "trades.log_batch",
                f"{len(logged)} trades",
                {"new": sum(t.outcome == "new" for t in logged)},
            )
        return logged

    def trades(
        self, ref: str | int | None = None, *, source: str | None = "live"
    ) -> list[LedgerTrade]:
        with self.db.session() as s:
            version_id = None if ref is None else find_version(s, ref)[0].id
            return trades_for(s, version_id, source=source)

    def live_results(self, ref: str | int) -> ResultSeries:
        """A version's live results (net profit, close time) as arrays, in time order."""
        with self.db.session() as s:
            return result_series(s, find_version(s, ref)[0].id)

    def backtest_results(self, ref: str | int) -> ResultSeries:
        """A version's out-of-sample backtest trades (net profit, close time) after costs, as
        its learning session recorded them; empty for versions registered before that."""
        with self.db.session() as s:
            return result_series(s, find_version(s, ref)[0].id, source="backtest")

    def research_report(self, ref: str | int) -> str:
        """The research report of one version as a self-contained HTML page (plotly.js inline):
        walk-forward equity, drawdowns, metrics with bootstrap intervals, sessions and hours,
        importances, the session's candidates and PBO (engine.research.report)."""
        from engine.research.report import research_report

        return research_report(self, ref)

    def regime_metrics(
        self,
        ref: str | int,
        *,
        source: str = "live",
        by: str = "regime",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Any:
        """A version's live, backtest or shadow (paper) trades closed in [start, end) by the
        market regime at entry: trades, win rate, net profit, expectancy
        (engine.regimes.metrics_by_regime)."""
        from engine.regimes.performance import version_metrics_by_regime

        return version_metrics_by_regime(self, ref, source=source, by=by, start=start, end=end)

    def live_metrics(self, ref: str | int, results: ResultSeries | None = None) -> dict[str, float]:
        series = results if results is not None else self.live_results(ref)
        return series_metrics(
            series,
            initial_equity=self.config().account.initial_balance,
            n_trials=self.trial_count(),
        )

    def refresh_live_metrics(
        self, ref: str | int, results: ResultSeries | None = None
    ) -> dict[str, float]:
        """Store a snapshot of the version's live metrics in its metrics history."""
        series = results if results is not None else self.live_results(ref)
        metrics = self.live_metrics(ref, series)
        if len(series):
            self.registry.record_metrics(
                ref,
                metrics,
                source="live",
                trades=len(series),
                period=(
                    series.close_time[0].to_pydatetime(),
                    series.close_time[-1].to_pydatetime(),
                ),
            )
        return metrics

    # --- shadow trading (paper trades of challengers on live bars; never in the ledger) ---
    def shadow_cycle(self) -> Any:
        """Paper-trade the configured challengers and their champions on the bars stored since
        their last paper trade; promote held challengers with a significant edge."""
        from engine.shadow.cycle import run_shadow_cycle

        return run_shadow_cycle(self)

    def shadow_board(self) -> list[Any]:
        """Every shadowed version's paper, live and backtest numbers, and each challenger's
        edge over its champion (engine.shadow.evidence)."""
        from engine.shadow.evidence import shadow_board
        from engine.shadow.targets import plan_targets

        cfg = self.config()
        return shadow_board(self, cfg, plan_targets(self, cfg).targets)

    def shadow_results(self, ref: str | int) -> ResultSeries:
        """A version's paper results (net profit after costs, close time), in time order."""
        from engine.shadow.store import shadow_series

        with self.db.session() as s:
            return shadow_series(s, find_version(s, ref)[0].id)

    def shadow_trades(self, ref: str | int, *, limit: int | None = None) -> list[Any]:
        """A version's paper trades (the newest `limit`), in close-time order."""
        from engine.shadow.store import shadow_trade_list

        with self.db.session() as s:
            return shadow_trade_list(s, find_version(s, ref)[0].id, limit=limit)

    def trial_count(self) -> int:
        """Every version ever registered counts as a trial (cleaned ones too)."""
        with self.db.session() as s:
            return int(s.scalar(select(func.count(ModelVersion.id))) or 0)

    # --- alerts -------------------------------------------------------------------------------
    def alerts(self, limit: int = 50) -> list[Any]:
        """The newest alerts (engine.alerts.AlertRecord) with their delivery status."""
        from engine.alerts import store

        return store.recent(self.db, limit)

    def check_alerts(self, *, leader: bool = True) -> Any:
        """Run the alert rules now, record new alerts and deliver due ones (engine.alerts)."""
        from engine.alerts import check_alerts

        return check_alerts(self, leader=leader)

    def send_test_alert(self, *, actor: str) -> Any:
        """Send a test alert to the configured webhook now; the returned record says how it went."""
        self.require_operator("sending a test alert")
        from engine.alerts import send_test_alert

        return send_test_alert(self, actor=actor)

    # --- audit --------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
        with self.db.session(write=True) as s:
            add_audit(s, actor, action, target, detail)

    def audit_log(self, limit: int = 200) -> list[AuditRecord]:
        with self.db.session() as s:
            rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
            return [
                AuditRecord(
                    r.id, r.actor, r.action, r.target, json.loads(r.detail_json), r.created_at
                )
                for r in rows
            ]

    def has_versions(self) -> bool:
        """Whether any version is registered: one index probe, for the pages' empty states
        (reading the leaderboard for that took 0.5 s at 10,000 versions)."""
        with self.db.session() as s:
            return s.scalar(select(ModelVersion.id).limit(1)) is not None

    def counts(self) -> dict[str, int]:
        """Versions registered, and trades logged by the trading side or imported (the
        learner's backtest trades are not logged trades)."""
        with self.db.session() as s:
            return {
                "versions": int(s.scalar(select(func.count(ModelVersion.id))) or 0),
                "trades": int(
                    s.scalar(select(func.count(Trade.id)).where(Trade.source != "backtest")) or 0
                ),
            }
