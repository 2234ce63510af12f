"""The Overview's answer to "can I trust the active model today?" (the DEMO and PAUSED banners
top every page, from dashboard/app.py): the verdict line, live equity and drawdown against the
backtest's band, the last signal served and the age of the newest bar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import streamlit as st

from dashboard import reads
from dashboard.trust_chart import trust_sparkline

TONES = {"good": st.success, "caution": st.warning, "bad": st.error, "none": st.info}
VERDICT_NOTE = (
    "Built from stored figures only: live against the backtest's per-trade results after costs "
    "(normal band of the cumulative result for the live trade count), and the backtest's deflated "
    "Sharpe (edge proven at DSR ≥ 0.95). Live figures count from selection.min_live_trades."
)


def age(delta: timedelta | None) -> str:
    """A duration as a trader reads it: "42 s", "5 min", "3 h 12 min", "2 d 4 h"."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "in the future (clock or time zone?)"
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def show_trust(k: Any, ref: str) -> None:
    """The verdict on version `ref` and what backs it."""
    st.subheader("Can I trust the active model today?")
    report = reads.trust_report(k, ref)
    TONES[report.verdict.tone](report.verdict.text)
    st.caption(VERDICT_NOTE)
    left, right = st.columns([3, 2])
    with left:
        live = report.figures
        if len(live.live_results):
            st.plotly_chart(
                trust_sparkline(
                    live.live_times, live.live_results, band=report.band,
                    initial_equity=report.initial_balance, currency=report.currency,
                ),
                key="trust_sparkline",
            )  # fmt: skip
        else:
            st.caption("No live trades yet: the sparkline starts with the first one.")
    with right:
        _last_signal(report)
        _last_bar(report)


def _last_signal(report: Any) -> None:
    st.markdown("**Last signal served**")
    signal = report.last_signal
    if signal is None:
        st.text("none recorded")
        st.caption(
            "Recorded when the trading side asks for a signal (HTTP bridge or "
            "Phase3Controller.predict_signal) on this machine."
        )
        return
    st.text(
        f"{signal.side} · P(long) {signal.p_long:.2f} · P(short) {signal.p_short:.2f}\n"
        f"bar {signal.bar_time:%Y-%m-%d %H:%M} UTC · {signal.version_ref}\n"
        f"served {age(report.checked_at - signal.served_at)} ago"
    )


def _last_bar(report: Any) -> None:
    st.markdown("**Newest bar stored**")
    if report.last_bar is None:
        st.text("none stored")
        return
    st.text(f"closed {age(report.last_bar_age)} ago\n(opened {report.last_bar:%Y-%m-%d %H:%M} UTC)")
