"""Leaderboard: every version ranked, filters, shadow trading (challengers' paper trades against
the champion's), and 2–5 versions compared side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from dashboard import charts, reads
from dashboard.compare_panel import show_comparison
from dashboard.desk import get_desk, shown_errors
from dashboard.frame import NO_VERSIONS
from dashboard.leaderboard_table import (
    PAGE_SIZE,
    SORTS,
    leaderboard_columns,
    leaderboard_frame,
    more_columns,
    page_count,
    page_of,
    pinned_columns,
    sort_versions,
)
from dashboard.provenance import DEMO_MEANING
from dashboard.shadow_tables import shadow_columns, shadow_frame
from engine.metrics.catalog import CONVENTION

st.title("Leaderboard")
desk = get_desk()
k = reads.key()


def shadow_section(cfg: Any) -> None:
    """Shadow trading: paper results on live bars next to live and backtest, and whether each
    challenger's edge over its champion is significant."""
    st.subheader("Shadow trading (paper trades on live bars)")
    standings = reads.shadow_board(k)
    if not standings:
        st.caption(
            "No version paper-trades yet. Set shadow.mode to top_k or pinned (Configuration, "
            "Shadow tab): the background services then let challengers paper-trade every new "
            "stored bar next to the active version, with the backtest's costs and exits."
        )
        return
    st.dataframe(
        shadow_frame(standings, cfg.account.currency),
        hide_index=True,
        column_config=shadow_columns(cfg.account.currency),
        key="shadow_board",
    )
    st.caption(
        "Paper trades are never real trades and never count in live figures. A challenger's "
        "edge is its mean net profit per paper trade minus its champion's over the trades both "
        "opened after the later of their start bars; p-value: one-sided Welch t-test, "
        f"significant at p ≤ {cfg.shadow.max_p_value:g} with at least {cfg.shadow.min_trades} "
        "trades each (shadow.max_p_value, shadow.min_trades)."
    )
    curves = {}
    for s in standings:
        paper = reads.shadow_results(k, s.ref)
        curves[f"{s.ref} ({s.role})"] = (paper.close_time, paper.net_profit)
    starts = [s.edge.since for s in standings if s.edge is not None]
    st.plotly_chart(
        charts.shadow_equity_figure(
            curves,
            initial_equity=cfg.account.initial_balance,
            since=max(starts, default=None),
            currency=cfg.account.currency,
        ),
        key="shadow_equity",
    )


def show_board(shown: Sequence[Any], ranks: Mapping[int, int], currency: str) -> None:
    """The table: all versions sorted, one page of PAGE_SIZE rows built and shown, the
    pinned columns plus the ones asked for."""
    order, flip, extra = st.columns([2, 1, 5])
    by = order.selectbox("Sort all versions by", list(SORTS), key="board_sort")
    reverse = flip.toggle("Worst first", key="board_reverse")
    chosen = extra.multiselect(
        "More columns",
        more_columns(currency),
        default=["rank", "status"],
        key="board_columns",
        placeholder="pick columns to add",
    )
    pages = page_count(len(shown))
    if st.session_state.get("board_page", 1) > pages:  # fewer versions after a filter
        st.session_state["board_page"] = pages
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages})", 1, pages, step=1, key="board_page"))
    rows = page_of(sort_versions(shown, by, reverse=reverse), page)
    ids = tuple(v.id for v in rows)
    st.dataframe(
        leaderboard_frame(
            rows,
            reads.page_figures(k, ids, "backtest"),
            reads.page_figures(k, ids, "live"),
            currency=currency,
            ranks=ranks,
        ),
        hide_index=True,
        column_config=leaderboard_columns(currency),
        column_order=[*pinned_columns(currency), *chosen],
        key="leaderboard",
    )
    first = (page - 1) * PAGE_SIZE + 1
    st.caption(
        f"Rows {first}–{first + len(rows) - 1} of {len(shown)}, sorted by {by} "
        f"({'worst' if reverse else 'best'} first; versions without the figure last). "
        "Clicking a column header sorts this page only. The pinned columns hold each "
        "version's own figures, from the source it is ranked on (source)."
    )


with shown_errors():
    board = reads.leaderboard(k)
    if not board:
        st.info(NO_VERSIONS)
        st.stop()
    filters = st.columns(4)
    chosen = {}
    for col, (label, attr) in zip(
        filters,
        (
            ("Symbol", "symbol"),
            ("Timeframe", "timeframe"),
            ("Algorithm", "algorithm"),
            ("Status", "status"),
        ),
        strict=True,
    ):
        options = sorted({getattr(v, attr) for v in board})
        chosen[attr] = col.multiselect(label, options, key=f"filter_{attr}", placeholder="all")
    tag_col, alias_col = st.columns(2)
    tag_options = sorted({f"{key}={value}" for v in board for key, value in v.tags.items()})
    tags = tag_col.multiselect("Tag", tag_options, key="filter_tag", placeholder="all")
    alias_options = sorted({a for v in board for a in v.aliases})
    names = alias_col.multiselect("Alias", alias_options, key="filter_alias", placeholder="all")
    shown = [
        v
        for v in board
        if all(not sel or getattr(v, a) in sel for a, sel in chosen.items())
        and (not tags or any(f"{key}={value}" in tags for key, value in v.tags.items()))
        and (not names or any(a in names for a in v.aliases))
    ]
    cfg = desk.config()
    currency = cfg.account.currency
    st.caption(
        f"{len(shown)} of {len(board)} versions, ranked by the engine's weighted score "
        "(selection.weight_*; versions with fewer than selection.min_trades trades come last). "
        "The score uses a version's live figures once it has selection.min_live_trades live "
        "trades, else its backtest ones: its source, whose figures the pinned columns show. "
        "backtest = out-of-sample walk-forward trades after costs, live = the trading side's "
        "trades; every other figure column (More columns) holds one source, named in its "
        "title. data: what each version learnt from (imported, live, mixed = both; DEMO = "
        f"generated bars). {CONVENTION}."
    )
    demo_count = sum(v.is_demo for v in shown)
    if demo_count:
        st.warning(f"**DEMO** — {demo_count} of these versions were {DEMO_MEANING}.")
    show_board(shown, {v.id: place for place, v in enumerate(board, start=1)}, currency)

    shadow_section(cfg)
    show_comparison(k, shown, board, cfg)
