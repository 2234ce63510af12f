"""Cached reads of the desk: every page re-runs on each click, the database is asked once.

Each function takes the desk key (home, database URL) so caches never mix desks; actions clear
the whole cache (`dashboard.desk.after_action`). Short time-to-live values let changes made by
the background services (automatic switching, scheduled sessions) appear without a click.
Learning progress is never cached: the Learning page polls it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.desk import _open_desk, desk_key
from engine.learner.records import SessionInfo
from engine.ledger import LedgerTrade
from engine.registry import ActivationRecord, VersionInfo
from engine.registry.types import LineageInfo
from engine.services import AuditRecord

Key = tuple[str, str]
Market = tuple[str, str]  # (symbol, timeframe)
SHORT = 15  # seconds: what the background services may change at any time
LONG = 120  # seconds: what only changes through an action (which clears the cache anyway)


def key() -> Key:
    return desk_key()


@st.cache_resource(ttl=SHORT, max_entries=16, show_spinner=False)
def leaderboard(k: Key, lineage: str | None = None) -> tuple[VersionInfo, ...]:
    """Every version, ranked. Shared, not copied: `st.cache_data` would unpickle the whole
    list on every run (0.6 s at 10,000 versions); the versions are frozen and the tuple
    cannot be reordered in place, so no page can change what another sees. Actions clear
    it with the data caches (`clear_shared`)."""
    return tuple(_open_desk(*k).leaderboard(lineage))


def clear_shared() -> None:
    """Forget the shared reads (after an action, with `st.cache_data.clear()`)."""
    leaderboard.clear()


@st.cache_data(ttl=SHORT, show_spinner=False)
def has_versions(k: Key) -> bool:
    return _open_desk(*k).has_versions()


@st.cache_data(ttl=SHORT, show_spinner=False)
def version(k: Key, ref: str) -> VersionInfo:
    return _open_desk(*k).version(ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def active_version(k: Key, market: Market | None = None) -> VersionInfo | None:
    """The active version: the desk's only one, or with `market` (symbol, timeframe) the one
    of that market's lineage (its `SYMBOL-TIMEFRAME-scalper` lineage first when it has more)."""
    desk = _open_desk(*k)
    if market is None:
        return desk.registry.active_version()
    preferred = f"{market[0]}-{market[1]}-scalper"
    names = [lin.name for lin in lineages(k) if (lin.symbol, lin.timeframe) == tuple(market)]
    for name in sorted(names, key=lambda name: name != preferred):
        found = desk.registry.active_version(name)
        if found is not None:
            return found
    return None


@st.cache_data(ttl=SHORT, show_spinner=False)
def lineages(k: Key) -> list[LineageInfo]:
    return _open_desk(*k).registry.lineages()


@st.cache_data(ttl=SHORT, show_spinner=False)
def configured_market(k: Key) -> Market:
    """learning.symbol and learning.timeframe: the market shown when none is chosen."""
    learning = _open_desk(*k).config().learning
    return learning.symbol, learning.timeframe


def markets(k: Key) -> list[Market]:
    """The configured market first, then the lineages' (symbol, timeframe) pairs in order."""
    found = [configured_market(k)]
    for lin in lineages(k):
        if (lin.symbol, lin.timeframe) not in found:
            found.append((lin.symbol, lin.timeframe))
    return found


@st.cache_data(ttl=SHORT, show_spinner=False)
def rollback_target(k: Key, lineage: str | None = None) -> VersionInfo | None:
    return _open_desk(*k).registry.rollback_target(lineage)


@st.cache_data(ttl=SHORT, show_spinner=False)
def lineage_active(k: Key, lineage: str) -> VersionInfo | None:
    """The active version of one lineage."""
    return _open_desk(*k).registry.active_version(lineage)


@st.cache_data(ttl=SHORT, show_spinner=False)
def activation_history(k: Key) -> list[ActivationRecord]:
    return _open_desk(*k).activation_history()


@st.cache_data(ttl=SHORT, show_spinner=False)
def alias_history(k: Key, lineage: str | None = None) -> list[Any]:
    """Moves of the named aliases (engine.registry.types.AliasMove), newest first."""
    return _open_desk(*k).alias_history(lineage)


@st.cache_data(ttl=SHORT, show_spinner=False)
def trades(
    k: Key,
    ref: str,
    source: str | None = "live",
    since: datetime | None = None,
    until: datetime | None = None,
    newest: int | None = None,
) -> list[LedgerTrade]:
    """A version's trades closed from `since` to `until`, the newest `newest` only when given
    (a page that lists 1,000 reads 1,000)."""
    return _open_desk(*k).trades(ref, source=source, since=since, until=until, newest=newest)


@st.cache_data(ttl=SHORT, show_spinner=False)
def live_results(k: Key, ref: str) -> Any:
    """A version's live results (net profit, close time) as arrays: what the charts need."""
    return _open_desk(*k).live_results(ref)


@st.cache_data(ttl=LONG, show_spinner=False)
def backtest_results(k: Key, ref: str) -> Any:
    """A version's out-of-sample backtest trades as arrays (fixed once it is registered)."""
    return _open_desk(*k).backtest_results(ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def shadow_results(k: Key, ref: str) -> Any:
    """A version's paper trades on live bars (shadow trading) as arrays."""
    return _open_desk(*k).shadow_results(ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def shadow_trades(
    k: Key,
    ref: str,
    limit: int = 1000,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Any]:
    """A version's newest paper trades closed from `since` to `until`
    (engine.shadow.store.ShadowTradeRecord)."""
    return _open_desk(*k).shadow_trades(ref, limit=limit, since=since, until=until)


@st.cache_data(ttl=SHORT, show_spinner=False)
def shadow_board(k: Key) -> list[Any]:
    """Every shadowed version's paper, live and backtest numbers and its edge over its
    champion (engine.shadow.evidence.ShadowStanding)."""
    return _open_desk(*k).shadow_board()


@st.cache_data(ttl=SHORT, show_spinner=False)
def backtest_runs(k: Key, ref: str) -> list[Any]:
    """A version's stored backtest runs, newest first (engine.backtest.runs.BacktestRunInfo);
    a running run's progress is polled directly, never from here."""
    return _open_desk(*k).backtest_runs(ref)


@st.cache_data(ttl=LONG, show_spinner=False)
def backtest_run_results(k: Key, run_id: int) -> Any:
    """A finished backtest run's net results and close times (fixed once it succeeded)."""
    return _open_desk(*k).backtest_run_results(run_id)


def results(k: Key, ref: str, source: str) -> Any:
    """A version's live, backtest or shadow (paper) results."""
    if source == "shadow":
        return shadow_results(k, ref)
    return live_results(k, ref) if source == "live" else backtest_results(k, ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def regime_metrics(
    k: Key, ref: str, source: str, by: str, start: datetime, end: datetime
) -> pd.DataFrame:
    """A version's live, backtest or shadow trades closed in [start, end) by the market regime at
    entry (engine.regimes.metrics_by_regime on the stored bars)."""
    return _open_desk(*k).regime_metrics(ref, source=source, by=by, start=start, end=end)


@st.cache_data(ttl=SHORT, show_spinner=False)
def live_metrics(k: Key, ref: str) -> dict[str, float]:
    return _open_desk(*k).live_metrics(ref, live_results(k, ref))


@st.cache_data(ttl=SHORT, show_spinner=False)
def metrics_history(k: Key, ref: str) -> list[dict[str, Any]]:
    return _open_desk(*k).registry.metrics_history(ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def learning_sessions(k: Key, limit: int = 100) -> list[SessionInfo]:
    return _open_desk(*k).learning_sessions(limit)


@st.cache_data(ttl=SHORT, show_spinner=False)
def session_story(k: Key, session_id: int) -> str:
    return _open_desk(*k).session_story(session_id)


@st.cache_data(ttl=SHORT, show_spinner=False)
def promotion_decisions(k: Key, ref: str | None = None, limit: int = 20) -> list[Any]:
    return _open_desk(*k).promotion_decisions(ref, limit)


@st.cache_data(ttl=SHORT, show_spinner=False)
def page_figures(
    k: Key, ids: tuple[int, ...], source: str
) -> dict[int, tuple[dict[str, Any], int]]:
    """The current `source` (backtest | live) metrics and trade count of one leaderboard
    page's versions only, by id."""
    return _open_desk(*k).figures(ids, source=source)


@st.cache_data(ttl=SHORT, show_spinner=False)
def version_metrics(k: Key, ref: str, source: str) -> dict[str, Any]:
    """One version's current figures of one source (backtest | live); {} when it has none."""
    return dict(_open_desk(*k).registry.get(ref, source=source).metrics)


@st.cache_data(ttl=SHORT, show_spinner=False)
def comparison(k: Key, refs: tuple[str, ...], source: str) -> Any:
    return _open_desk(*k).compare(list(refs), source=source)


@st.cache_data(ttl=SHORT, show_spinner=False)
def audit_log(k: Key, limit: int = 500) -> list[AuditRecord]:
    return _open_desk(*k).audit_log(limit)


@st.cache_data(ttl=SHORT, show_spinner=False)
def report(k: Key) -> dict[str, Any]:
    from engine.reports import build_report

    return build_report(_open_desk(*k))


PAUSE_TTL = 5  # seconds: a pause from the CLI, the bridge or a loss limit shows at once


@st.cache_data(ttl=PAUSE_TTL, show_spinner=False)
def pause_state(k: Key) -> Any:
    """The pause switch (engine.controls.pause.PauseState)."""
    return _open_desk(*k).pause_state()


@st.cache_data(ttl=PAUSE_TTL, show_spinner=False)
def pause_history(k: Key, limit: int = 10) -> list[Any]:
    return _open_desk(*k).pause_history(limit)


@st.cache_data(ttl=SHORT, show_spinner=False)
def alerts(k: Key, limit: int = 20) -> list[Any]:
    """The newest alerts with their delivery status (engine.alerts.AlertRecord)."""
    return _open_desk(*k).alerts(limit)


@st.cache_data(ttl=LONG, show_spinner=False)
def bar_series(k: Key) -> list[Any]:
    return _open_desk(*k).bar_series()


@st.cache_data(ttl=LONG, show_spinner=False)
def bar_times(k: Key, symbol: str, timeframe: str, start: datetime, end: datetime) -> pd.Series:
    """Open times (UTC) of a series' bars from `start` to `end`, for the coverage chart."""
    return _open_desk(*k).bar_times(symbol, timeframe, start=start, end=end)


@st.cache_data(ttl=LONG, show_spinner=False)
def config_history(k: Key) -> list[Any]:
    return _open_desk(*k).config_history()


@dataclass(frozen=True)
class ServiceStatus:
    """What the sidebar shows when the engine cannot report on its services."""

    leader: str | None
    heartbeat_age_seconds: float | None
    alive: bool
    next_runs: dict[str, datetime | None]
    known: bool = True


@st.cache_data(ttl=5, show_spinner=False)
def service_status(k: Key) -> Any:
    """`desk.service_status()`; an engine without it reports the services as unknown."""
    status = getattr(_open_desk(*k), "service_status", None)
    if status is None:
        return ServiceStatus(None, None, False, {}, known=False)
    return status()


@st.cache_data(ttl=SHORT, show_spinner=False)
def price_chart(
    k: Key,
    ref: str,
    around: datetime,
    before: int,
    after: int,
    sources: tuple[str, ...],
    shading: str | None,
) -> Any:
    """One window of a version's price chart (engine.chart.price_chart.PriceChart)."""
    return _open_desk(*k).price_chart(
        ref, around=around, before=before, after=after, sources=sources, shading=shading
    )


@st.cache_data(ttl=LONG, show_spinner=False)
def probability_panel(k: Key, ref: str, around: datetime, before: int, after: int) -> Any:
    """The version's probabilities over one window (loads the model: cached longer)."""
    return _open_desk(*k).probability_panel(ref, around=around, before=before, after=after)


@st.cache_data(ttl=SHORT, show_spinner=False)
def chart_sources(k: Key, ref: str) -> dict[str, str]:
    """The trade sources a price chart of `ref` offers (name -> label), stored runs included."""
    return _open_desk(*k).chart_sources(ref)


@st.cache_data(ttl=SHORT, show_spinner=False)
def chart_trades(k: Key, ref: str, source: str, limit: int = 500) -> list[Any]:
    """The newest `limit` trades of a source, for the trade list under the price chart."""
    return _open_desk(*k).chart_trades(ref, source, limit=limit)


@st.cache_data(ttl=LONG, show_spinner=False)
def trade_explanation(k: Key, ref: str, opened: datetime) -> Any:
    """The signal behind the trade opened at `opened` and the features that pushed it."""
    return _open_desk(*k).trade_explanation(ref, opened)


@st.cache_data(ttl=SHORT, show_spinner=False)
def trust_report(k: Key, ref: str) -> Any:
    """The Overview's verdict on `ref` and what backs it (engine.trust.overview.TrustReport)."""
    return _open_desk(*k).trust_report(ref)
