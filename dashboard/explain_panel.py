"""The Models page's explanations: out-of-sample permutation importance, what pushed the latest
signals (SHAP for tree models, the exact linear attribution otherwise) and partial dependence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.literal import literal
from engine.errors import AurumError

IMPORTANCE_NOTE = (
    "Out-of-sample permutation importance: how much the log loss on the last fold's held-out "
    "bars increases when one feature's values are shuffled (0: the model ignores it; below 0: "
    "shuffling helped, i.e. noise)."
)


def signals_frame(explanation: Any) -> pd.DataFrame:
    """The explained signals, newest first, with the three features that pushed each most."""
    rows = [
        {
            "bar (UTC)": s.bar_time.replace("T", " ")[:16],
            "signal": s.side,
            "P(long)": s.p_long,
            "P(short)": s.p_short,
            "pushed most": ", ".join(
                f"{k} {'+' if v > 0 else '−'}" for k, v in list(s.contributions.items())[:3]
            ),
        }
        for s in reversed(explanation.signals)
    ]
    return pd.DataFrame(rows)


def show_importance(version: Any) -> None:
    importances = (version.details or {}).get("importances") or {}
    if importances:
        st.plotly_chart(charts.importance_figure(importances), key="models_importance")
        st.caption(IMPORTANCE_NOTE)
    else:
        st.caption("No permutation importance was recorded for this version.")


def show_explanations(desk: Any, version: Any) -> None:
    """Everything a trader asks before trusting a signal: what the model looks at, and why."""
    st.subheader("Explanations")
    show_importance(version)
    try:
        with st.spinner("Explaining the latest signals (once per version and bars)…"):
            found = desk.explanations(version.ref)
    except AurumError as exc:
        st.info(f"No signal explanations: {literal(exc)}")
        return
    st.markdown(f"**Latest signals** (stored bars up to {literal(found.last_bar[:16])} UTC)")
    if found.method == "none":
        st.warning(literal(found.note))
    elif found.note:
        st.caption(literal(found.note))
    st.dataframe(signals_frame(found), hide_index=True, key="explained_signals")
    show_signal(found)
    if found.dependence:
        st.markdown("**Partial dependence of the top features** (recent bars)")
        columns = st.columns(len(found.dependence))
        for column, curve in zip(columns, found.dependence, strict=True):
            figure = charts.dependence_figure(
                curve.feature, curve.grid, curve.p_long, curve.p_short
            )
            column.plotly_chart(figure, key=f"dependence_{curve.feature}")


def show_signal(found: Any) -> None:
    """One signal's attribution chart; the newest BUY or SELL first, else the newest bar."""
    labels = [f"{s.bar_time[:16].replace('T', ' ')} {s.side}" for s in found.signals]
    trades = [i for i, s in enumerate(found.signals) if s.side != "HOLD"]
    default = trades[-1] if trades else len(labels) - 1
    picked = st.selectbox(
        "Explain the signal of",
        range(len(labels)),
        index=default,
        format_func=lambda i: labels[i],
        key="explained_signal",
    )
    signal = found.signals[picked]
    if not signal.contributions:
        return
    st.plotly_chart(
        charts.contributions_figure(
            signal.contributions, side=signal.side, explained=signal.explained, output=found.output
        ),
        key="signal_contributions",
    )
    st.caption(
        f"Baseline {signal.base:+.4f} + the bars = {signal.output:+.4f} ({found.output}) for "
        f"P({signal.explained}) on this bar; P(long) {signal.p_long:.2f}, "
        f"P(short) {signal.p_short:.2f}."
    )
