"""The one facade the CLI, dashboard, scheduler and seed controller call.

Each method is one unit of work with its own transaction(s); errors are engine errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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
    live_window,
    log_trade,
    log_trade_batch,
    parse_trade,
    series_metrics,
    trades_for,
)
from engine.registry import ActivationRecord, CleanupReport, Comparison, ModelRegistry, VersionInfo
from engine.registry.metadata import MetadataChange
from engine.registry.refs import find_version
from engine.registry.types import AliasInfo, AliasMove
from engine.result_cache import ResultSeriesCache, StampedCache

if TYPE_CHECKING:
    from engine.registry.card import ModelCard
    from engine.registry.export import ExportResult
    from engine.registry.model_import import ImportedModel
    from engine.registry.search import VersionPage, VersionQuery

if TYPE_CHECKING:  # imported when used: commands that need none of this start fast
    from engine.backtest.replay import BacktestRequest
    from engine.backtest.runs import BacktestRunInfo, BacktestTradeRecord


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


REGIME_RANGES = 4  # bar ranges whose regime states a desk keeps (versions x sources shown)


class Desk:
    """Aurum for one home: registry, ledger, config and audit behind trader-sized methods."""

    def __init__(
        self,
        paths: AurumHome,
        db: Database,
        *,
        user: str | None = None,
        role: str | None = None,
        results: ResultSeriesCache | None = None,
        regime_states: StampedCache[Any] | None = None,
    ) -> None:
        self.paths = paths
        self.db = db
        self.user = user
        self.role = role  # None: a local process (CLI, services) with full rights
        self.registry = ModelRegistry(db, paths.artifacts_dir)
        self.config_store = ConfigStore(paths.config_file, db)
        self.results = results or ResultSeriesCache()  # shared with acting_as copies
        # the regime states of the bar ranges the results by regime read last
        self.regime_states: StampedCache[Any] = regime_states or StampedCache(REGIME_RANGES)

    @classmethod
    def open(cls, home: str | None = None) -> Desk:
        """Open an initialised home; a missing or stale schema says to run `aurum init`."""
        paths = resolve_home(home)
        return cls(paths, open_database(paths.database_url))

    def close(self) -> None:
        self.db.dispose()

    def acting_as(self, user: str, role: str) -> Desk:
        """The same desk for a logged-in user: viewers may read, operators may also act. `role`
        is what the session began with; each action checks the user's role in the database."""
        return Desk(
            self.paths,
            self.db,
            user=user,
            role=role,
            results=self.results,
            regime_states=self.regime_states,
        )

    def require_operator(self, action: str) -> None:
        """Refuse unless the acting user is an operator now: a user removed or demoted since
        logging in is refused at their next action (local processes have full rights)."""
        if self.role is None:
            return
        role: str | None = self.role
        if self.user is not None:
            from engine.auth import current_role

            role = current_role(self, self.user)
            if role is None:
                raise PermissionDeniedError(
                    f"{self.user} is no longer a user of this desk: {action} is refused; "
                    "log in again"
                )
        if role != "operator":
            raise PermissionDeniedError(
                f"{self.user or 'this user'} is a {role}: {action} needs an operator"
            )

    def require_valid_config(self, action: str) -> None:
        """Refuse a change to models, data or learning while the config file is broken (the
        error names the file, line or key and advises `aurum config revert`). Trade outcomes
        are still recorded: the trading side cannot fix the config."""
        from engine.errors import ConfigError

        try:
            self.config_store.load()
        except ConfigError as err:
            raise ConfigError(
                f"{action} is refused while the configuration is broken: {err}"
            ) from None

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

    def revert_config(
        self, change_id: int | None, *, actor: str, note: str = ""
    ) -> ConfigChangeRecord | None:
        """Undo change `change_id`, or (None) restore the last good configuration, even when
        the file is unreadable; `note` (the user's why) is recorded in the change's reason."""
        self.require_operator("change the configuration")
        change = self.config_store.revert(change_id, actor=actor, note=note)
        if change:
            target = "last good" if change_id is None else str(change_id)
            self.audit(
                actor, "config.revert", target, {"diff": change.diff, "reason": change.reason}
            )
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

    def figures(
        self, version_ids: Sequence[int], *, source: str = "backtest"
    ) -> dict[int, tuple[dict[str, float | None], int]]:
        """Current `source` (backtest | live) metrics and trades of these versions only."""
        return self.registry.current_figures(version_ids, source=source)

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
        self.require_valid_config("activating a model")
        return self.registry.activate(ref, actor=actor, reason=reason)

    def rollback(
        self, lineage: str | None = None, *, actor: str, reason: str = ""
    ) -> ActivationRecord:
        self.require_operator("rolling back")
        self.require_valid_config("rolling back")
        return self.registry.rollback(lineage, actor=actor, reason=reason)

    def set_pinned(self, ref: str | int, pinned: bool, *, actor: str) -> VersionInfo:
        self.require_operator("pinning")
        self.require_valid_config("pinning")
        info = self.registry.set_pinned(ref, pinned)
        self.audit(actor, "model.pin" if pinned else "model.unpin", info.ref, {})
        return info

    def cleanup(self, keep: int | None = None, *, actor: str) -> CleanupReport:
        self.require_operator("cleanup")
        self.require_valid_config("cleanup")
        keep_n = keep if keep is not None else self.config().max_models_to_keep
        report = self.registry.cleanup(keep_n)
        self.audit(
            actor,
            "model.cleanup",
            f"keep {keep_n}",
            {"removed": report.removed, "freed_bytes": report.freed_bytes},
        )
        return report

    def compare(self, refs: list[str], *, source: str = "backtest") -> Comparison:
        """Versions side by side on one source's figures (backtest or live), never mixed."""
        return self.registry.compare(refs, source=source)

    def activation_history(self, lineage: str | None = None) -> list[ActivationRecord]:
        return self.registry.history(lineage)

    # --- tags, descriptions, named aliases, export (engine.registry.metadata, .export) ---
    def tag(self, ref: str | int, text: str, *, actor: str) -> MetadataChange:
        """Set the tag `KEY=VALUE` on a version (audited)."""
        self.require_operator("tagging a version")
        return self.registry.set_tag(ref, text, actor=actor)

    def untag(self, ref: str | int, key: str, *, actor: str) -> MetadataChange:
        self.require_operator("removing a tag")
        return self.registry.remove_tag(ref, key, actor=actor)

    def describe(self, ref: str | int, text: str, *, actor: str) -> MetadataChange:
        """Replace a version's description (empty text clears it; audited)."""
        self.require_operator("describing a version")
        return self.registry.describe(ref, text, actor=actor)

    def set_alias(self, ref: str | int, name: str, *, actor: str, reason: str = "") -> AliasMove:
        """Point a named alias (`staging`, ...) of the version's lineage at it (history kept)."""
        self.require_operator("moving an alias")
        return self.registry.set_alias(ref, name, actor=actor, reason=reason)

    def remove_alias(
        self, name: str, *, lineage: str | None = None, actor: str, reason: str = ""
    ) -> AliasMove:
        self.require_operator("removing an alias")
        return self.registry.remove_alias(name, lineage=lineage, actor=actor, reason=reason)

    def aliases(self, lineage: str | None = None) -> list[AliasInfo]:
        """Every pointer (`active` and the named ones) with the version it points at."""
        return self.registry.current_aliases(lineage)

    def alias_history(self, lineage: str | None = None, name: str | None = None) -> list[AliasMove]:
        return self.registry.alias_history(lineage, name)

    def find_versions(self, query: VersionQuery) -> VersionPage:
        """A page of the leaderboard filtered and ordered (engine.registry.search)."""
        from engine.registry.search import search_versions

        return search_versions(self.leaderboard(query.lineage), query)

    def model_card(self, ref: str | int) -> ModelCard:
        """The version's model card (engine.registry.card.ModelCard), as export writes it."""
        from engine.registry.export import build_card

        return build_card(
            self.registry,
            ref,
            desk_trials=self.trial_count(),
            currency=self.config().account.currency.upper(),
        )

    def export_version(self, ref: str | int, out: str, *, actor: str) -> ExportResult:
        """Write the model file and its card (JSON, Markdown) into the folder `out`."""
        self.require_operator("exporting a model")
        from engine.registry.export import export_version

        result = export_version(
            self.registry,
            ref,
            out,
            desk_trials=self.trial_count(),
            currency=self.config().account.currency.upper(),
        )
        self.audit(actor, "model.export", result.card.ref, {"folder": result.folder})
        return result

    def import_model(self, folder: str, *, actor: str) -> ImportedModel:
        """Verify an export from another desk and register it as a new, inactive version."""
        self.require_operator("importing a model")
        from engine.registry.model_import import import_model

        return import_model(self.registry, folder, actor=actor)

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
        file_name: str | None = None,
    ) -> Any:
        """Validate the whole file, then upsert it in one transaction (see engine.imports);
        `file_name`: the name the trader gave the file, when it is kept under another."""
        self.require_operator("importing data")
        self.require_valid_config("importing data")
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
            file_name=file_name,
        )

    def bars(self, symbol: str, timeframe: str, *, last: int | None = None) -> Any:
        from engine.data.store import load_bars

        with self.db.session() as s:
            return load_bars(s, symbol=symbol, timeframe=timeframe, last=last)

    def bar_times(self, symbol: str, timeframe: str, *, start: datetime, end: datetime) -> Any:
        """Open times (UTC, in order) of the stored bars from `start` to `end`, inclusive."""
        from engine.data.store import bar_times

        with self.db.session() as s:
            return bar_times(s, symbol=symbol, timeframe=timeframe, start=start, end=end)

    def bar_series(self) -> list[Any]:
        """Every stored series: count, first/last bar and origin (engine.data.store)."""
        from engine.data.store import series_info

        with self.db.session() as s:
            return series_info(s)

    def bars_origin(self, symbol: str, timeframe: str, start: datetime, end: datetime) -> str:
        """What the stored bars from `start` to `end` are: generated, imported, live or mixed."""
        from engine.data.origin import data_origin, window_origins

        with self.db.session() as s:
            found = window_origins(s, symbol=symbol, timeframe=timeframe, start=start, end=end)
        return data_origin(found)

    def remove_demo(self, *, actor: str) -> Any:
        """Take the demo's generated bars and DEMO versions (with their trades, sessions,
        decisions and metrics) out in one transaction, audited; real data stays
        (engine.demo_removal)."""
        self.require_operator("removing the demo")
        from engine.demo_removal import remove_demo

        return remove_demo(self, actor=actor)

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
        self.require_valid_config("training")
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
        self.require_valid_config("retraining")
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

    def cancel_learning(self, session_id: int, *, actor: str, reason: str = "") -> Any:
        """Cancel a queued learning session, or stop a running one at its next fit boundary:
        recorded as cancelled, audited, nothing registered (`records.CancelRequest`)."""
        self.require_operator("cancelling a learning session")
        from engine.learner import records

        return records.request_cancel(self.db, session_id, actor=actor, reason=reason)

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

    def session_story(self, session_id: int) -> str:
        """What a learning session did and why its lineage's active model is what it is."""
        from engine.reports import session_story

        return session_story(self, self.learning_session(session_id))

    def promotion_decisions(self, ref: str | int | None = None, limit: int = 20) -> list[Any]:
        """Recorded promotion decisions, newest first (of `ref` as challenger when given), each
        with its basis: which trades of which versions over which window were compared."""
        from engine import selection

        return selection.decisions(self, None if ref is None else self.version(ref).id, limit)

    def signal(self, bars: Any, *, lineage: str | None = None, account: Any = None) -> Any:
        """The active model's signal for the last of `bars` (a bars frame), sized and held by
        the trading controls (`account`: an engine.controls.serving.AccountReport); a DEMO
        version without serving.allow_demo_models answers HOLD with the reason."""
        from engine.controls.serving import TradingControls
        from engine.errors import RegistryError
        from engine.learner.predict import demo_refusal, held_signal, signal_for_bars

        active = self.registry.active_version(lineage)
        if active is None:
            raise RegistryError("no active model: activate one with `aurum activate VERSION`")
        refusal = demo_refusal(active, allowed=self.config().serving.allow_demo_models)
        if refusal is not None:
            return TradingControls(self).apply(held_signal(active, bars, refusal), account)
        model, info = self.registry.load_model(active.id)
        return TradingControls(self).apply(signal_for_bars(model, info, bars), account)

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

    # --- backtests on demand (engine.backtest.replay; their trades are kept apart) -----------
    def backtest(
        self, request: BacktestRequest, *, actor: str, progress: Any = None
    ) -> BacktestRunInfo:
        """Replay a version over stored bars now, stored as a run (`BacktestRunInfo`) with its
        own trades; `request` is an `engine.backtest.replay.BacktestRequest`."""
        self.require_operator("running a backtest")
        from engine.backtest.replay import open_run, run_replay

        run_id = open_run(self, request, actor=actor, status="running")
        self.audit(actor, "backtest.run", f"#{run_id}", request.model_dump(mode="json"))
        return run_replay(self, run_id, progress=progress)

    def request_backtest(self, request: BacktestRequest, *, actor: str) -> int:
        """Queue a backtest run for the background worker (checked first); returns its id."""
        self.require_operator("running a backtest")
        from engine.backtest.replay import open_run

        run_id = open_run(self, request, actor=actor, status="queued")
        self.audit(actor, "backtest.request", f"#{run_id}", request.model_dump(mode="json"))
        return run_id

    def backtest_runs(
        self, ref: str | int | None = None, *, limit: int = 50
    ) -> list[BacktestRunInfo]:
        """Stored backtest runs, newest first (of one version when given)."""
        from engine.backtest.runs import list_runs

        with self.db.session() as s:
            version_id = None if ref is None else find_version(s, ref)[0].id
            return list_runs(s, version_id=version_id, limit=limit)

    def backtest_run(self, run_id: int) -> BacktestRunInfo:
        from engine.backtest.runs import get_run

        with self.db.session() as s:
            return get_run(s, run_id)

    def backtest_run_results(self, run_id: int) -> ResultSeries:
        """A run's net results (after costs) and close times, in time order."""
        from engine.backtest.runs import run_results

        with self.db.session() as s:
            return run_results(s, run_id)

    def backtest_run_trades(
        self, run_id: int, *, limit: int | None = None
    ) -> list[BacktestTradeRecord]:
        from engine.backtest.runs import run_trades

        with self.db.session() as s:
            return run_trades(s, run_id, limit=limit)

    # --- the price chart and the trust panel (engine.chart, engine.trust) ---
    def bar_window(
        self, symbol: str, timeframe: str, around: datetime, *, before: int, after: int
    ) -> Any:
        """`before` bars opening at or before `around` and `after` bars after it, read by the
        bars' primary key (`engine.chart.window.BarWindow`)."""
        from engine.chart.window import read_window

        with self.db.session() as s:
            return read_window(
                s, symbol=symbol, timeframe=timeframe, around=around, before=before, after=after
            )

    def price_chart(self, ref: str | int, *, around: datetime, **window: Any) -> Any:
        """One window of a version's price chart with the trades of the chosen sources, their
        levels and the regime spans (`engine.chart.price_chart.price_chart`)."""
        from engine.chart.price_chart import price_chart

        return price_chart(self, ref, around=around, **window)

    def probability_panel(
        self, ref: str | int, *, around: datetime, before: int, after: int
    ) -> Any:
        """The version's P(long) / P(short) at each bar of that window only (loads the model)."""
        from engine.chart.price_chart import probability_panel

        return probability_panel(self, ref, around=around, before=before, after=after)

    def chart_sources(self, ref: str | int) -> dict[str, str]:
        """The trade sources a price chart of `ref` can show, name -> label: live, backtest (out
        of sample) and shadow, then each of the version's finished backtest runs (`run:ID`,
        newest first, flagged IN-SAMPLE when the run overlaps the training window)."""
        from engine.chart.trades import TRADE_SOURCES, run_source_name

        sources = {name: source.label for name, source in TRADE_SOURCES.items()}
        for run in self.backtest_runs(ref):
            if run.status != "succeeded":
                continue
            span = (
                f"{run.first_bar:%Y-%m-%d} → {run.last_bar:%Y-%m-%d}"
                if run.first_bar and run.last_bar
                else "no bars"
            )
            flag = f", IN-SAMPLE {run.in_sample_percent:.0f} %" if run.in_sample else ""
            sources[run_source_name(run.id)] = (
                f"manual backtest #{run.id} ({span}, {run.trades:,} trades{flag})"
            )
        return sources

    def chart_trades(
        self, ref: str | int, source: str, *, limit: int = 500, before: datetime | None = None
    ) -> list[Any]:
        """The newest `limit` trades of a source (`engine.chart.trades.ChartTrade`)."""
        from engine.chart.price_chart import trade_list

        return trade_list(self, ref, source, limit=limit, before=before)

    def trade_explanation(self, ref: str | int, opened: datetime) -> Any:
        """The signal behind the trade opened at `opened` and the features that pushed it."""
        from engine.chart.price_chart import trade_explanation

        return trade_explanation(self, ref, opened)

    def trust_report(self, ref: str | int, *, now: datetime | None = None) -> Any:
        """The Overview's verdict on `ref` and what backs it (`engine.trust.overview`)."""
        from engine.trust.overview import trust_report

        return trust_report(self, ref, now=now or datetime.now(UTC))

    # --- trades -------------------------------------------------------------------------------
    def log_trade(self, data: Mapping[str, Any], *, actor: str = "trading-side") -> LoggedTrade:
        self.require_operator("logging trades")
        trade = parse_trade(data)
        with self.db.session(write=True) as s:
            logged = log_trade(s, trade)
        self._after_trades([logged])
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
        self._after_trades(logged)
        return logged

    def _after_trades(self, logged: Sequence[LoggedTrade]) -> None:
        """New trades: judge the automatic pause rules (engine.controls.limits). A failure of
        that check is logged, never turned into a failure of the trades just stored."""
        if any(t.outcome == "new" for t in logged):
            from engine.controls.switching import check_after_trades

            check_after_trades(self)

    def trades(
        self,
        ref: str | int | None = None,
        *,
        source: str | None = "live",
        since: datetime | None = None,
        until: datetime | None = None,
        newest: int | None = None,
    ) -> list[LedgerTrade]:
        """Trades in close-time order: of one version and source, closed from `since` to
        `until` (both included), the newest `newest` only when given."""
        with self.db.session() as s:
            version_id = None if ref is None else find_version(s, ref)[0].id
            return trades_for(s, version_id, source=source, since=since, until=until, newest=newest)

    def live_results(self, ref: str | int) -> ResultSeries:
        """A version's live results (net profit, close time) as arrays, in time order."""
        with self.db.session() as s:
            return self.results.read(s, find_version(s, ref)[0].id)

    def backtest_results(self, ref: str | int) -> ResultSeries:
        """A version's out-of-sample backtest trades (net profit, close time) after costs, as
        its learning session recorded them; empty for versions registered before that."""
        with self.db.session() as s:
            return self.results.read(s, find_version(s, ref)[0].id, source="backtest")

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
        """A version's live metrics over its live window (engine.ledger.live_window), the DSR
        deflated for every trial of its lineage."""
        return self._live(ref, results)[0]

    def _live(
        self, ref: str | int, results: ResultSeries | None
    ) -> tuple[dict[str, float], ResultSeries, tuple[datetime, datetime]]:
        with self.db.session() as s:
            row, lineage = find_version(s, ref)
            series = results if results is not None else self.results.read(s, row.id)
            window = live_window(s, row, lineage, series)
            name = lineage.name
        metrics = series_metrics(
            series,
            initial_equity=self.config().account.initial_balance,
            n_trials=self.trial_count(name),
            window=window,
        )
        return metrics, series, window

    def refresh_live_metrics(
        self, ref: str | int, results: ResultSeries | None = None
    ) -> dict[str, float]:
        """Store a snapshot of the version's live metrics (its period: the live window)."""
        metrics, series, window = self._live(ref, results)
        if len(series):
            self.registry.record_metrics(
                ref, metrics, source="live", trades=len(series), period=window
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

    def shadow_trades(
        self,
        ref: str | int,
        *,
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Any]:
        """A version's paper trades (closed from `since` to `until`, the newest `limit`), in
        close-time order."""
        from engine.shadow.store import shadow_trade_list

        with self.db.session() as s:
            version_id = find_version(s, ref)[0].id
            return shadow_trade_list(s, version_id, limit=limit, since=since, until=until)

    def trial_count(self, lineage: str | None = None) -> int:
        """Trials ever evaluated on `lineage` (None: on all): every learning session's
        candidates, search trials and ensembles, plus each version registered outside one."""
        from engine.learner.records import lineage_trials

        return lineage_trials(self.db, lineage)

    # --- trading controls: the pause switch (engine.controls) ----------------------------------
    def pause(self, reason: str, *, actor: str, deliver: bool = True) -> Any:
        """Hold every signal (HOLD, `paused`, with the reason) until `resume`: recorded with
        who, when and why, audited, alerted (`engine.controls.pause.PauseState`)."""
        self.require_operator("pausing trading")
        from engine.controls.switching import switch

        return switch(self, paused=True, actor=actor, reason=reason, deliver=deliver)

    def resume(self, reason: str = "", *, actor: str, deliver: bool = True) -> Any:
        """Serve signals again (after a manual or an automatic pause); recorded and alerted."""
        self.require_operator("resuming trading")
        from engine.controls.switching import switch

        return switch(self, paused=False, actor=actor, reason=reason, deliver=deliver)

    def pause_state(self) -> Any:
        """Whether signals are held now, and the pause (or resume) that made it so."""
        from engine.controls import pause

        return pause.current(self.db)

    def pause_history(self, limit: int = 50) -> list[Any]:
        """Every pause and resume, newest first."""
        from engine.controls import pause

        return pause.history(self.db, limit)

    def check_pause_rules(self, *, at: datetime | None = None) -> Any:
        """Judge the automatic pause rules (risk.daily_loss_limit, risk.max_drawdown_pct) now;
        returns the switch's state."""
        from engine.controls.switching import check_limits

        return check_limits(self, at=at)

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
