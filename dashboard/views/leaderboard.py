"""Leaderboard: every version ranked, filters, shadow trading (challengers' paper trades against
the champion's), and 2–5 versions compared side by side."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import charts, reads
from dashboard.desk import get_desk, shown_errors
from dashboard.frame import NO_VERSIONS
from dashboard.literal import literal
from dashboard.shadow_tables import shadow_columns, shadow_frame
from dashboard.tables import comparison_frame, leaderboard_columns, leaderboard_frame
from engine.metrics.catalog import METRICS

st.title("Leaderboard")
desk = get_desk()
k = reads.key()


def equity_series(ref: str) -> tuple[str, tuple[Any, Any]]:
    """Live trades when the version has them, else its out-of-sample backtest trades, else
    (a version registered before those were stored) its walk-forward folds, one point each."""
    for source in ("live", "backtest"):
        results = reads.results(k, ref, source)
        if len(results):
            return f"{ref} ({source})", (results.close_time, results.net_profit)
    folds = reads.version(k, ref).details.get("folds") or []
    return f"{ref} (backtest, per fold)", (
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
        shadow_frame(standings),
        hide_index=True,
        column_config=shadow_columns(),
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
            curves, initial_equity=cfg.account.initial_balance, since=max(starts, default=None)
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
    shown = [v for v in board if all(not sel or getattr(v, a) in sel for a, sel in chosen.items())]
    st.caption(
        f"{len(shown)} of {len(board)} versions, ranked by the engine's weighted score "
        "(selection.weight_*; versions with fewer than selection.min_trades trades come last). "
        "Live numbers replace backtest ones once a version has enough live trades "
        "(selection.min_live_trades). Sharpe/Sortino: daily returns ×√252."
    )
    st.dataframe(
        leaderboard_frame(shown),
        hide_index=True,
        column_config=leaderboard_columns(),
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
    comparison = desk.compare(refs)
    st.dataframe(comparison_frame(comparison), hide_index=True, key="comparison")
    if comparison.winner:
        st.success(
            f"Better overall: **{literal(comparison.winner)}** — {literal(comparison.criteria)}"
        )
    else:
        st.info(f"No overall winner — {literal(comparison.criteria)}")
    cfg = desk.config()
    st.plotly_chart(
        charts.equity_figure(
            dict(equity_series(ref) for ref in refs), initial_equity=cfg.account.initial_balance
        ),
        key="compare_equity",
    )
    st.caption(
        "Each curve: the version's live trades when it has any, else its out-of-sample "
        "backtest trades after costs (the name says which)."
    )
    metric = st.selectbox(
        "Metric across the picked versions",
        list(METRICS),
        index=list(METRICS).index("sharpe"),
        format_func=lambda m: METRICS[m].label,
        key="across_metric",
    )
    by_ref = {v.ref: v for v in board}
    picked = [by_ref[r] for r in refs if r in by_ref]
    st.plotly_chart(
        charts.metric_across_versions(
            [v.ref for v in picked], [v.metrics.get(metric) for v in picked], metric
        ),
        key="across_chart",
    )
