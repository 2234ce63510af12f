"""The Leaderboard's comparison of 2–5 versions: one source per view, named everywhere; what
sets them apart (parameters, features); equity curves with their pauses left as gaps; each
version in one colour across the charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from dashboard import charts, reads
from dashboard.compare_tables import version_diff
from dashboard.literal import literal
from dashboard.provenance import DEMO_MEANING
from dashboard.tables import comparison_frame
from engine.metrics.catalog import CONVENTION, METRICS

GAP_NOTE = (
    f"A pause of more than {charts.GAP.total_seconds() / 3600:.0f} hours without a closed trade "
    "(a weekend, missing data, a model that did not trade) is left as a gap, not bridged by a "
    "line; a curve of one point per walk-forward fold is drawn whole."
)


def equity_series(k: Any, ref: str, source: str) -> tuple[str, tuple[Any, Any], bool]:
    """The version's `source` trades (live or out-of-sample backtest, one source for every
    curve); a version registered before backtest trades were stored draws its walk-forward
    folds, one point each (True: a per-fold curve, never broken at gaps)."""
    results = reads.results(k, ref, source)
    if len(results) or source != "backtest":
        return f"{ref} ({source})", (results.close_time, results.net_profit), False
    folds = reads.version(k, ref).details.get("folds") or []
    return (
        f"{ref} ({source}, per fold)",
        ([f["test_end"] for f in folds], [float(f["net_profit"]) for f in folds]),
        True,
    )


def show_diff(versions: list[Any]) -> None:
    """The parameters and features that differ between the picked versions; the shared ones
    folded away."""
    diff = version_diff(versions)
    st.markdown("**What differs: parameters and features**")
    if len(diff.differ):
        st.dataframe(diff.differ, hide_index=True, key="compare_diff")
    else:
        st.caption("The picked versions share the same algorithm, parameters and features.")
    with st.expander(f"The same in every picked version ({len(diff.same)})"):
        st.dataframe(diff.same, hide_index=True, key="compare_same")


def show_comparison(k: Any, shown: Sequence[Any], board: Sequence[Any], cfg: Any) -> None:
    """Pick 2 to 5 versions and one source; the table, the diff and the charts on it."""
    st.subheader("Compare versions")
    refs = st.multiselect(
        "Pick 2 to 5 versions", [v.ref for v in shown], max_selections=5, key="compare_refs"
    )
    if len(refs) < 2:
        st.caption("Pick at least two versions to compare them side by side.")
        return
    source = st.radio(
        "Figures from",
        ["backtest", "live"],
        horizontal=True,
        key="compare_source",
        help="One source for the whole comparison (table, equity curves and the metric chart): "
        "out-of-sample backtest trades, or live trades.",
    )
    currency = cfg.account.currency
    by_ref = {v.ref: v for v in board}
    origins = {ref: by_ref[ref].data_origin for ref in refs}
    comparison = reads.comparison(k, tuple(refs), source)
    st.dataframe(
        comparison_frame(comparison, currency, source, origins), hide_index=True, key="comparison"
    )
    demo_refs = [ref for ref in refs if origins[ref] == "generated"]
    if demo_refs:
        st.warning(f"**DEMO** — {', '.join(demo_refs)}: {DEMO_MEANING}.")
    if comparison.winner:
        st.success(
            f"Better overall on {source} figures: **{literal(comparison.winner)}** — "
            f"{literal(comparison.criteria)}"
        )
    else:
        st.info(f"No overall winner on {source} figures — {literal(comparison.criteria)}")
    show_diff([by_ref[ref] for ref in refs])
    colours = charts.version_colours(refs)
    series = [(ref, *equity_series(k, ref, source)) for ref in refs]
    st.plotly_chart(
        charts.for_source(
            charts.equity_figure(
                {name: curve for _, name, curve, _ in series},
                initial_equity=cfg.account.initial_balance,
                currency=currency,
                colours={name: colours[ref] for ref, name, _, _ in series},
                gap=charts.GAP,
                unbroken={name for _, name, _, per_fold in series if per_fold},
            ),
            source,
        ),
        key="compare_equity",
    )
    figures = {ref: reads.version_metrics(k, ref, source) for ref in refs}
    missing = [ref for ref, values in figures.items() if not values]
    st.caption(
        f"Every curve and figure above: {source} trades only. {GAP_NOTE} {CONVENTION}."
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
            colours=colours,
        ),
        key="across_chart",
    )
