"""The Models page's backtests: queue a replay of the version over stored bars (a window, a
series, other costs), follow its progress, and read the stored runs with equity, drawdown and
metrics. The background worker replays; this page only asks and shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, reads
from dashboard.backtest_tables import run_label, runs_frame
from dashboard.desk import actor, after_action, can_act, shown_errors
from dashboard.literal import literal
from dashboard.price_panel import WINDOW_BARS
from dashboard.tables import number_formats, side_by_side
from engine.backtest.replay import backtest_request, window_bound
from engine.chart.trades import run_source_name

POLL_SECONDS = 2
WATCH = "watch_backtest"


@st.fragment(run_every=POLL_SECONDS)
def run_progress(desk: Any, run_id: int) -> None:
    """Poll the run (never cached) until it is final, then refresh the whole page."""
    with shown_errors():
        run = desk.backtest_run(run_id)
        if run.finished:
            st.session_state.pop(WATCH, None)
            after_action(
                f"Backtest run #{run.id} finished: {run.status} — {run.error or run.message}"
            )
        label = run.message or run.stage
        if run.status == "queued":
            label = "waiting for the background worker"
            if not getattr(reads.service_status(reads.key()), "alive", False):
                label += " (no background service is running: start `aurum services`)"
        st.progress(
            min(1.0, run.percent / 100.0),
            text=f"Backtest run #{run.id} {run.status}: {label} ({run.percent:.0f} %)",
        )


def request_form(desk: Any, version: Any) -> None:
    """The window, series and costs of a new run; queued for the worker on submit."""
    series = [f"{b.symbol} {b.timeframe}" for b in reads.bar_series(reads.key())]
    own = f"{version.symbol} {version.timeframe}"
    choices = [own] + [s for s in series if s != own and s.endswith(f" {version.timeframe}")]
    costs = desk.config().costs
    with st.form("backtest_form"):
        left, mid, right = st.columns(3)
        start = left.date_input("From (UTC)", value=None, key="bt_from")
        end = mid.date_input("To (UTC)", value=None, key="bt_to")
        market = right.selectbox("Bars", choices, key="bt_series")
        a, b, c = st.columns(3)
        spread = a.number_input(
            "Spread (points, every trade)", min_value=0.0, value=None, key="bt_spread",
            placeholder=f"each bar's own (else {costs.default_spread_points:g})",
        )  # fmt: skip
        slippage = b.number_input(
            "Slippage (points per fill)", min_value=0.0, value=None, key="bt_slippage",
            placeholder=f"desk: {costs.slippage_points:g}",
        )  # fmt: skip
        commission = c.number_input(
            "Commission (USD per lot)", min_value=0.0, value=None, key="bt_commission",
            placeholder=f"desk: {costs.commission_per_lot:g}",
        )  # fmt: skip
        st.caption(
            "Empty From: the first bar after the version's training window (out of sample); "
            "empty To: the newest stored bar; empty costs: the desk's `costs.*`. Same "
            "features, threshold and exits as the version's paper trades."
        )
        if st.form_submit_button("Queue backtest", type="primary", key="bt_queue"):
            symbol, _, timeframe = market.partition(" ")
            request = backtest_request(
                version.ref, start=window_bound(start, end=False),
                end=window_bound(end, end=True), symbol=symbol, timeframe=timeframe,
                spread_points=spread, slippage_points=slippage, commission_per_lot=commission,
            )  # fmt: skip
            run_id = desk.request_backtest(request, actor=actor())
            st.session_state[WATCH] = run_id
            after_action(f"Backtest run #{run_id} queued: the background worker replays it.")


def show_run(desk: Any, version: Any, run: Any) -> None:
    """One stored run: the loud in-sample banner, metrics, equity and drawdown."""
    if run.warning:
        st.error(literal(run.warning))
    if run.status != "succeeded":
        st.info(f"Run #{run.id} {run.status}: {literal(run.error or run.message)}")
        return
    st.caption(
        f"{run.version_ref} on {run.symbol} {run.timeframe}, {run.first_bar:%Y-%m-%d %H:%M} → "
        f"{run.last_bar:%Y-%m-%d %H:%M} UTC ({run.bars:,} bars), by "
        f"{literal(run.requested_by)}; costs {literal(run.costs)} — trades kept apart (source "
        "“manual backtest”): never live, out-of-sample or paper results."
    )
    table = side_by_side(
        {
            f"run #{run.id}": run.metrics,
            f"{version.ref} ({version.metrics_source})": version.metrics,
        }
    )
    st.dataframe(table, hide_index=True, column_config=number_formats(table), key="bt_metrics")
    results = reads.backtest_run_results(reads.key(), run.id)
    if not len(results):
        st.info("This run made no trade.")
        return
    st.button(
        f"Show run #{run.id}'s trades on the price chart",
        key=f"bt_on_chart:{run.id}",
        on_click=show_on_price_chart,
        args=(version.ref, run.id, _utc(results.close_time[-1])),
        help="Adds this run as its own trade source ('manual backtest #ID') to the price chart "
        "above and moves the chart onto its trades.",
    )
    initial = desk.config().account.initial_balance
    times, profits = results.close_time, results.net_profit
    equity = charts.for_source(
        charts.equity_figure({f"run #{run.id}": (times, profits)}, initial_equity=initial),
        "manual backtest",
    )
    if run.in_sample:
        equity = charts.in_sample_band(
            equity, (run.train_start, run.train_end), (run.first_bar, run.last_bar)
        )
    st.plotly_chart(equity, key="bt_equity")
    drawdown = charts.drawdown_figure(times, profits, initial_equity=initial)
    st.plotly_chart(charts.for_source(drawdown, "manual backtest"), key="bt_drawdown")


def _utc(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    utc = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return utc.to_pydatetime()


def show_on_price_chart(ref: str, run_id: int, last_close: datetime) -> None:
    """Button callback (runs before the page reruns, so it may set the chart's widgets): add the
    run to the Models page's price chart sources and open the chart on the run's last trades."""
    reads.chart_sources.clear()  # a run that just finished must be offered at once
    prefix = f"models:{ref}"
    chosen = list(st.session_state.get(f"{prefix}:sources") or [])
    name = run_source_name(run_id)
    if name not in chosen:
        chosen.append(name)
    st.session_state[f"{prefix}:sources"] = chosen
    st.session_state[f"{prefix}:window"] = {  # the chart opens on the run's last trades
        "around": last_close,
        "before": WINDOW_BARS - WINDOW_BARS // 4,
        "after": WINDOW_BARS // 4,
        "focus": None,
    }


def show_backtests(desk: Any, version: Any) -> None:
    """The Backtest section of the Models page for one version."""
    st.subheader("Backtests on demand")
    if can_act():
        with shown_errors():
            request_form(desk, version)
    watch = st.session_state.get(WATCH)
    with shown_errors():
        runs = reads.backtest_runs(reads.key(), version.ref)
        pending = [r.id for r in runs if not r.finished]
        if watch or pending:
            run_progress(desk, int(watch or pending[-1]))
        if not runs:
            st.caption(f"No backtest runs of {version.ref} yet.")
            return
        table = runs_frame(runs)
        st.dataframe(table, hide_index=True, column_config=number_formats(table), key="bt_runs")
        by_id = {r.id: r for r in runs}
        chosen = st.selectbox(
            "Run",
            list(by_id),
            format_func=lambda i: run_label(by_id[i]),
            key=f"bt_run:{version.ref}",
        )
        show_run(desk, version, by_id[chosen])
