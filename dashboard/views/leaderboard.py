"""Leaderboard: every version ranked, filters, shadow trading (challengers' paper trades against
the champion's), and 2–5 versions compared side by side."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import charts, reads
from dashboard.desk import get_desk, shown_errors
from dashboard.frame import NO_VERSIONS
from dashboard.literal import literal
from dashboard.provenance import DEMO_MEANING
from dashboard.shadow_tables import shadow_columns, shadow_frame
from dashboard.tables import comparison_frame, leaderboard_columns, leaderboard_frame
from engine.metrics.catalog import CONVENTION, METRICS

st.title("Leaderboard")
desk = get_desk()
k = reads.key()


def equity_series(ref: str, source: str) -> tuple[str, tuple[Any, Any]]:
    """The version's `source` trades (live or out-of-sample backtest, one source for every
    curve); a version registered before backtest trades were stored draws its walk-forward
    folds, one point each."""
    results = reads.results(k, ref, source)
    if len(results) or source != "backtest":
        return f"{ref} ({source})", (results.close_time, results.net_profit)
    folds = reads.version(k, ref).details.get("folds") or []
    return f"{ref} ({source}, per fold)", (
        [f["test_end"] for f in folds],
        [float(f["net_profit"]) for f in folds],
    )


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
        "Each column holds one source: backtest = out-of-sample walk-forward trades after "
        "costs, live = the trading side's trades. The score uses a version's live figures once "
        "it has selection.min_live_trades live trades, else its backtest ones ('ranked on'). "
        "data: what each version learnt from (imported, live, mixed = both; DEMO = generated "
        f"bars). {CONVENTION}."
    )
    demo_count = sum(v.is_demo for v in shown)
    if demo_count:
        st.warning(f"**DEMO** — {demo_count} of these versions were {DEMO_MEANING}.")
    st.dataframe(
        leaderboard_frame(
            shown,
            reads.source_figures(k, "backtest"),
            reads.source_figures(k, "live"),
            currency=currency,
        ),
        hide_index=True,
        column_config=leaderboard_columns(currency),
        key="leaderboard",
    )

    shadow_section(desk.config())

    st.subheader("Compare versions")
    refs = st.multiselect(
        "Pick 2 to 5 versions",
        [v.ref for v in shown],
        max_selections=5,
        key="compare_refs",
    )
    if len(refs) < 2:
        st.caption("Pick at least two versions to compare them side by side.")
        st.stop()
    source = st.radio(
        "Figures from",
        ["backtest", "live"],
        horizontal=True,
        key="compare_source",
        help="One source for the whole comparison (table, equity curves and the metric chart): "
        "out-of-sample backtest trades, or live trades.",
    )
    comparison = reads.comparison(k, tuple(refs), source)
    origins = {v.ref: v.data_origin for v in board}
    st.dataframe(
        comparison_frame(comparison, currency, source, origins),
        hide_index=True,
        key="comparison",
    )
    demo_refs = [ref for ref in refs if origins.get(ref) == "generated"]
    if demo_refs:
        st.warning(f"**DEMO** — {', '.join(demo_refs)}: {DEMO_MEANING}.")
    if comparison.winner:
        st.success(
            f"Better overall on {source} figures: **{literal(comparison.winner)}** — "
            f"{literal(comparison.criteria)}"
        )
    else:
        st.info(f"No overall winner on {source} figures — {literal(comparison.criteria)}")
    st.plotly_chart(
        charts.for_source(
            charts.equity_figure(
                dict(equity_series(ref, source) for ref in refs),
                initial_equity=cfg.account.initial_balance,
                currency=currency,
            ),
            source,
        ),
        key="compare_equity",
    )
    figures = {ref: reads.version_metrics(k, ref, source) for ref in refs}
    missing = [ref for ref, values in figures.items() if not values]
    st.caption(
        f"Every curve and figure above: {source} trades only. {CONVENTION}."
        + (f" Without {source} figures: {', '.join(missing)}." if missing else "")
    )
    metric = st.selectbox(
        "Metric across the picked versions",
        list(METRICS),
        index=list(METRICS).index("sharpe"),
        format_func=lambda m: METRICS[m].label,
        key="across_metric",
    )
    st.plotly_chart(
        charts.metric_across_versions(
            refs,
            [figures[ref].get(metric) for ref in refs],
            metric,
            source=source,
            currency=currency,
        ),
        key="across_chart",
    )
