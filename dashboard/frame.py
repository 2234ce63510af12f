"""The frame around every page: the active model and the background services, in the sidebar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from dashboard import reads
from dashboard.desk import _open_desk
from dashboard.literal import literal
from engine.cli.render import fmt_metric

NEXT_STEPS = (
    "import an MT5 bars export on the **Data** page, then press **Retrain now** on the "
    "**Learning** page — or load a demo desk with `aurum demo` (`make run` seeds one when the "
    "database is empty)."
)
NO_VERSIONS = f"No versions yet: {NEXT_STEPS}"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return "not scheduled"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    delta = (moment - datetime.now(UTC)).total_seconds()
    ahead = "due" if delta <= 0 else f"in {delta / 60:.0f} min"
    if delta > 7200:
        ahead = f"in {delta / 3600:.0f} h"
    return f"{moment:%H:%M} UTC ({ahead})"


def active_model_box(active: Any) -> None:
    st.caption("ACTIVE MODEL")
    if active is None:
        st.markdown("**none** — activate a version on the *Models* page")
        return
    demo = " :orange-badge[DEMO]" if active.is_demo else ""
    st.markdown(
        f"**{literal(active.ref)}**{demo}  \n"
        + literal(f"{active.algorithm} · {active.symbol} {active.timeframe}")
    )
    sharpe = active.metrics.get("sharpe")
    st.caption(
        f"backtest Sharpe {fmt_metric('sharpe', sharpe)} · "
        f"win rate {fmt_metric('win_rate', active.metrics.get('win_rate'))}"
    )


def services_box(status: Any, note: str, *, caption: bool = True, compact: bool = True) -> None:
    if caption:
        st.caption("BACKGROUND SERVICES")
    if not getattr(status, "known", True):
        st.markdown(f"status not reported by this engine · {literal(note)}")
        return
    badge = ":green-badge[running]" if status.alive else ":red-badge[not running]"
    st.markdown(f"{badge}  \nleader: {literal(status.leader or '—')}")
    if note:
        st.caption(f"in this process: {literal(note)}")
    runs = [
        f"{job.replace('_', ' ')} {_when(moment)}"
        for job, moment in (status.next_runs or {}).items()
    ]
    st.caption(f"heartbeat {_age(status.heartbeat_age_seconds)}")
    if runs and compact:
        st.caption("next: " + " · ".join(runs))
    else:
        for line in runs:
            st.caption(line)


MARKET_KEY = "market"


def market_label(market: tuple[str, str]) -> str:
    return f"{market[0]} · {market[1]}"


def chosen_market(k: reads.Key) -> reads.Market | None:
    """The market (symbol, timeframe) chosen in the sidebar; None when the desk has one lineage
    or none (no selector: the pages show the desk's only active model, as before markets)."""
    if len(reads.lineages(k)) < 2:
        return None
    options = reads.markets(k)
    chosen = st.session_state.get(MARKET_KEY)
    for market in options:
        if market_label(market) == chosen:
            return market
    return options[0]


def market_selector(k: reads.Key) -> reads.Market | None:
    """The sidebar's Market selector (symbol · timeframe), shown only when the desk has more
    than one lineage; the configured market (learning.symbol/timeframe) is the default."""
    market = chosen_market(k)
    if market is None:
        return None
    labels = [market_label(m) for m in reads.markets(k)]
    if st.session_state.get(MARKET_KEY) not in labels:
        st.session_state.pop(MARKET_KEY, None)  # a market that is gone: back to the default
    picked = st.selectbox(
        "Market",
        labels,
        index=labels.index(market_label(market)),
        key=MARKET_KEY,
        help="The symbol and timeframe whose active model the pages show.",
    )
    return reads.markets(k)[labels.index(picked)]


def sidebar(services_note: str) -> Any:
    """Market, active model and services, on every page (cached reads: no query per click);
    returns the active version shown."""
    k = reads.key()
    with st.sidebar:
        market = market_selector(k)
        active = reads.active_version(k, market)
        active_model_box(active)
        st.divider()
        services_box(reads.service_status(k), services_note)
    return active


def start_services(home: str, database_url: str) -> str:
    """Start the background services in this process when the config enables them."""
    return _services(home, database_url)


@st.cache_resource(show_spinner=False)
def _services(home: str, database_url: str) -> str:
    desk = _open_desk(home, database_url)
    if not desk.config().scheduler.enabled:
        return "disabled (scheduler.enabled is off)"
    try:
        from engine.scheduler.embedded import start_embedded
    except ImportError:  # an engine without background services
        return "not available in this engine"
    start_embedded(home or None)
    return "started with the dashboard"
