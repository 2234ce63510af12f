"""Performance of one version, live, backtest or shadow (paper trades on live bars): equity,
drawdown, rolling numbers, the distribution of results, results by session, hour and market
regime."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, reads
from dashboard.desk import get_desk, shown_errors
from dashboard.frame import NO_VERSIONS, chosen_market, market_label
from dashboard.literal import literal
from dashboard.price_panel import show_price_chart
from dashboard.provenance import demo_warning
from dashboard.regime_tables import DIMENSIONS, by_regime_figure, regime_table
from dashboard.shadow_tables import headline_with_shadow, shadow_trades_frame
from dashboard.tables import (
    folds_frame,
    headline_frame,
    number_formats,
    trades_frame,
)
from engine.metrics.catalog import money

ROLLING_MIN = 5  # trades: the smallest rolling window
LISTED_TRADES = 1000  # the trade list shows the newest this many of the range
REGIME_SOURCES = ("live", "backtest", "shadow")
SOURCES = {
    "live": "live",
    "backtest": "backtest (out of sample, after costs)",
    "shadow": "shadow (paper trades on live bars, after costs)",
}
st.title("Performance")
desk = get_desk()
k = reads.key()

with shown_errors():
    board = reads.leaderboard(k)
    if not board:
        st.info(NO_VERSIONS)
        st.stop()
    market = chosen_market(k)  # with several markets: the versions of the one chosen
    refs = [v.ref for v in board if market is None or (v.symbol, v.timeframe) == market]
    if not refs and market is not None:
        st.info(f"No versions for {literal(market_label(market))} yet: choose another market.")
        st.stop()
    active = reads.active_version(k, market)
    default = refs.index(active.ref) if active is not None and active.ref in refs else 0
    ref = st.selectbox("Version", refs, index=default, key="perf_version")
    version = reads.version(k, ref)
    demo_warning(version)
    live = reads.live_results(k, ref)
    cfg = desk.config()
    initial, needed = cfg.account.initial_balance, cfg.selection.min_live_trades
    currency = cfg.account.currency

    paper = reads.shadow_results(k, ref)
    board_rows = reads.shadow_board(k) if len(paper) else []
    standing = next((s for s in board_rows if s.ref == ref), None)
    live_numbers = reads.live_metrics(k, ref) if len(live) else {}
    st.subheader("Live against backtest" + (" and shadow" if standing else ""))
    st.dataframe(
        headline_with_shadow(
            version.metrics, live_numbers, standing.shadow, live_needed=needed, currency=currency
        )
        if standing
        else headline_frame(version.metrics, live_numbers, live_needed=needed, currency=currency),
        hide_index=True,
        key="perf_headline",
    )
    if standing is not None and standing.edge is not None:
        st.info(f"Shadow trading: {standing.edge.reason()} (one-sided Welch t-test).")
    short = charts.live_shortfall(len(live), needed)
    if short:
        st.warning(
            f"Live figures of {literal(ref)}: {short} (selection.min_live_trades) — not yet "
            "evidence; read the backtest column until then."
        )
    folds = version.details.get("folds") or []
    if folds:
        st.plotly_chart(charts.folds_figure(folds, currency), key="perf_folds")
        with st.expander("Backtest folds (out of sample, after costs)"):
            table = folds_frame(folds, currency)
            st.dataframe(table, hide_index=True, column_config=number_formats(table, currency))

    backtest = reads.backtest_results(k, ref)
    source = st.radio(
        "Trades shown",
        list(SOURCES),
        index=0 if len(live) or not len(backtest) else 1,
        format_func=SOURCES.__getitem__,
        horizontal=True,
        key=f"perf_source:{ref}",
    )
    results = {"live": live, "backtest": backtest, "shadow": paper}[source]
    show_price_chart(
        k, version, currency=cfg.account.currency, prefix="perf", default_source=source
    )
    if not len(results) and source == "live":
        st.info(
            f"{literal(ref)} has no live trades yet. The trading side logs them with the model "
            "version (`log_trade_with_model_info`), or import a trade history on the **Data** page."
            + (
                " Its backtest trades are shown when you choose backtest above."
                if len(backtest)
                else ""
            )
        )
    elif not len(results) and source == "shadow":
        st.info(
            f"{literal(ref)} has no paper trades: it is not shadowed (shadow.mode, shadow.top_k, "
            "shadow.pinned) or no bar has been stored since its start. Paper trades never "
            "count as live trades."
        )
    elif not len(results):
        st.info(
            f"{literal(ref)} has no backtest trades stored: versions registered before trades "
            "were kept one by one have only the fold totals above; a new learning session "
            "stores them."
        )
    if not len(results):
        st.stop()

    closes = results.close_time
    first, last = closes[0].date(), closes[-1].date()
    picked = st.date_input(
        "Trades closed between (UTC)",
        value=(first, last),
        min_value=first,
        max_value=last,
        key=f"perf_range:{ref}:{source}",
    )
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (first, last)
    inside = (closes >= pd.Timestamp(start, tz="UTC")) & (
        closes < pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    )
    if not inside.any():
        st.info(f"No {source} trades closed in that range: widen it.")
        st.stop()
    times, profits = closes[inside], results.net_profit[inside]
    shown = {
        "live": "live trades",
        "backtest": "backtest trades (out of sample, after costs)",
        "shadow": "paper trades on live bars (shadow, after costs; never real trades)",
    }[source]
    st.caption(
        f"{len(profits):,} {shown}, {start} → {end} (UTC). Equity starts at the account's "
        f"initial balance, {money(initial, currency, decimals=0)} (account.initial_balance)."
    )
    if source == "live" and short:
        st.caption(f"Every chart below rests on {short}: not yet evidence.")
    equity = charts.equity_figure(
        {f"{ref} ({source})": (times, profits)}, initial_equity=initial, currency=currency
    )
    st.plotly_chart(
        charts.for_source(
            charts.equity_rules(equity, initial_equity=initial, currency=currency, times=times),
            source,
        ),
        key="perf_equity",
    )
    st.plotly_chart(
        charts.for_source(
            charts.drawdown_figure(times, profits, initial_equity=initial, currency=currency),
            source,
        ),
        key="perf_drawdown",
    )
    if len(profits) < ROLLING_MIN:
        st.caption(
            f"Rolling win rate and profit factor need at least {ROLLING_MIN} trades in the "
            f"range; it has {len(profits)}."
        )
    else:
        size = st.slider(
            "Rolling window (trades)",
            ROLLING_MIN,
            200,
            min(20, max(ROLLING_MIN, len(profits) // 2)),
            key="perf_window",
        )
        st.plotly_chart(
            charts.for_source(charts.rolling_figure(times, profits, window=size), source),
            key="perf_rolling",
        )
    left, right = st.columns(2)
    left.plotly_chart(
        charts.for_source(charts.results_histogram(profits, currency=currency), source),
        key="perf_hist",
    )
    right.plotly_chart(
        charts.for_source(charts.by_session_figure(times, profits, currency=currency), source),
        key="perf_sessions",
    )
    if source in REGIME_SOURCES:
        st.subheader("Results by market regime")
        by = st.radio(
            "Regime",
            list(DIMENSIONS),
            format_func=DIMENSIONS.__getitem__,
            horizontal=True,
            key="perf_regime_by",
        )
        window = (
            pd.Timestamp(start, tz="UTC").to_pydatetime(),
            (pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)).to_pydatetime(),
        )
        regimes = reads.regime_metrics(k, ref, source, by, *window)
        st.caption(
            "Each trade takes the regime of the last stored bar closed before its entry: "
            "volatility from the ATR's percentile over the trailing bars (regimes.detector = "
            "rules) or from a Gaussian mixture fitted on the bars before that day (gmm), trend "
            "from the slope of the close (settings: regimes.*); 'unknown' = no stored bars "
            "before it."
        )
        regime_left, regime_right = st.columns(2)
        shown_table = regime_table(regimes, currency)
        regime_left.dataframe(
            shown_table,
            hide_index=True,
            column_config=number_formats(shown_table, currency),
            key="perf_regimes",
        )
        regime_right.plotly_chart(
            charts.for_source(by_regime_figure(regimes, currency), source), key="perf_regime_chart"
        )
    if st.toggle("Show the trade list", key="perf_list"):
        lo, hi = times[0], times[-1]
        if source == "shadow":
            listed_paper = reads.shadow_trades(
                k, ref, LISTED_TRADES, lo.to_pydatetime(), hi.to_pydatetime()
            )
            st.dataframe(
                shadow_trades_frame(listed_paper, currency), hide_index=True, key="perf_trades"
            )
        else:
            listed = reads.trades(
                k, ref, source, lo.to_pydatetime(), hi.to_pydatetime(), newest=LISTED_TRADES
            )
            st.dataframe(trades_frame(listed, currency), hide_index=True, key="perf_trades")
