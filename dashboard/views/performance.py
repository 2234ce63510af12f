"""Performance of one version: equity, drawdown, rolling numbers, results by session and hour."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, reads
from dashboard.desk import get_desk, shown_errors
from dashboard.tables import folds_frame, headline_frame, number_formats, trades_frame

st.title("Performance")
desk = get_desk()
k = reads.key()

with shown_errors():
    board = reads.leaderboard(k)
    if not board:
        st.info("No versions yet: import bars on the **Data** page and retrain, or `aurum demo`.")
        st.stop()
    refs = [v.ref for v in board]
    active = reads.active_version(k)
    default = refs.index(active.ref) if active is not None and active.ref in refs else 0
    ref = st.selectbox("Version", refs, index=default, key="perf_version")
    version = reads.version(k, ref)
    results = reads.live_results(k, ref)
    initial = desk.config().account.initial_balance

    st.subheader("Live against backtest")
    st.dataframe(
        headline_frame(version.metrics, reads.live_metrics(k, ref) if len(results) else {}),
        hide_index=True,
        key="perf_headline",
    )
    folds = version.details.get("folds") or []
    if folds:
        st.plotly_chart(charts.folds_figure(folds), key="perf_folds")
        with st.expander("Backtest folds (out of sample, after costs)"):
            table = folds_frame(folds)
            st.dataframe(table, hide_index=True, column_config=number_formats(table))
    if not len(results):
        st.info(
            f"{ref} has no live trades yet. The trading side logs them with the model version "
            "(`log_trade_with_model_info`), or import a trade history on the **Data** page."
        )
        st.stop()

    closes = results.close_time
    first, last = closes[0].date(), closes[-1].date()
    picked = st.date_input(
        "Trades closed between (UTC)",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="perf_range",
    )
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (first, last)
    inside = (closes >= pd.Timestamp(start, tz="UTC")) & (
        closes < pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    )
    if not inside.any():
        st.info("No live trades closed in that range: widen it.")
        st.stop()
    times, profits = closes[inside], results.net_profit[inside]
    st.caption(
        f"{len(profits):,} live trades, {start} → {end} (UTC). Equity starts at the account's "
        f"initial balance, ${initial:,.0f} (account.initial_balance)."
    )
    st.plotly_chart(
        charts.equity_figure({f"{ref} (live)": (times, profits)}, initial_equity=initial),
        key="perf_equity",
    )
    st.plotly_chart(
        charts.drawdown_figure(times, profits, initial_equity=initial), key="perf_drawdown"
    )
    size = st.slider(
        "Rolling window (trades)",
        5,
        200,
        min(20, max(5, len(profits) // 2)),
        key="perf_window",
    )
    st.plotly_chart(charts.rolling_figure(times, profits, window=size), key="perf_rolling")
    left, right = st.columns(2)
    left.plotly_chart(charts.results_histogram(profits), key="perf_hist")
    right.plotly_chart(charts.by_session_figure(times, profits), key="perf_sessions")
    if st.toggle("Show the trade list", key="perf_list"):
        lo, hi = times[0], times[-1]
        listed = [t for t in reads.trades(k, ref) if lo <= t.close_time <= hi]
        st.dataframe(trades_frame(listed[-1000:]), hide_index=True, key="perf_trades")
