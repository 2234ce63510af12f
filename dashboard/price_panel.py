"""The price chart section of the Performance and Models pages: trade sources, a window of bars
that moves (earlier, later, a date, the last trades), the trade list whose picked row centres the
chart, and the picked trade's numbers with the features that pushed it.

The page never holds more than `WINDOW_BARS` bars: each window is read by index around a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import streamlit as st

from dashboard import charts, reads
from dashboard.price_chart import price_figure
from dashboard.trade_tables import picked_trade_frame, trade_list_frame, trade_money_config
from engine.chart.trades import trade_source
from engine.errors import AurumError

WINDOW_BARS = 300  # one screen of candles (25 hours of M5)
OVERLAP = 20  # bars kept on screen when the window moves
SHADING = {"none": "no shading", "volatility": "volatility regime", "trend": "trend regime"}
PLOTLY_CONFIG = {"scrollZoom": True, "displaylogo": False}


def _state(prefix: str) -> dict[str, Any]:
    """The window's place for this page and version: anchor time, bars before and after."""
    return st.session_state.setdefault(f"{prefix}:window", {"around": None})


def _move(prefix: str, where: str) -> None:
    """Button callback: the next window earlier or later, or back to the last trades."""
    state = _state(prefix)
    shown = st.session_state.get(f"{prefix}:shown")
    if where == "last" or shown is None:
        state.update(around=None, focus=None)
    elif where == "earlier":
        state.update(around=shown[0], before=WINDOW_BARS - OVERLAP, after=OVERLAP, focus=None)
    else:
        state.update(around=shown[1], before=OVERLAP, after=WINDOW_BARS - OVERLAP, focus=None)


def _go_to_date(prefix: str) -> None:
    picked = st.session_state.get(f"{prefix}:date")
    if isinstance(picked, date):
        start = datetime.combine(picked, time(0, 0), tzinfo=UTC)
        _state(prefix).update(around=start, before=OVERLAP, after=WINDOW_BARS - OVERLAP, focus=None)


def show_price_chart(
    k: Any, version: Any, *, currency: str, prefix: str, default_source: str = "live"
) -> None:
    """The price chart of `version` with its trades (see the module's doc); money in
    `currency` (account.currency)."""
    st.subheader(f"Price chart — {version.symbol} {version.timeframe}")
    prefix = f"{prefix}:{version.ref}"
    offered = reads.chart_sources(k, version.ref)  # live, backtest, shadow, stored runs
    names = list(offered)
    left, mid, right = st.columns([3, 1, 1])
    sources = left.multiselect(
        "Trades on the chart",
        names,
        default=[default_source if default_source in names else names[0]],
        format_func=lambda n: offered.get(n, n),
        key=f"{prefix}:sources",
        help="Each source is drawn in its own colour and never mixed with another: live "
        "trades, the version's out-of-sample backtest, its shadow (paper) trades, and each "
        "stored backtest run ('manual backtest #ID', from `aurum backtest` or the Backtest "
        "section).",
    )
    with_probability = mid.toggle("Model probability", value=True, key=f"{prefix}:proba")
    shading = right.selectbox(
        "Shade", list(SHADING), format_func=SHADING.__getitem__, key=f"{prefix}:shade"
    )
    listed = _listed_trades(k, version.ref, sources)
    st.caption(
        f"Trade list ({len(listed):,} newest, newest first): pick a row to centre the chart "
        "below on that trade and see its numbers."
    )
    event = st.dataframe(
        trade_list_frame(listed),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"{prefix}:list",
        height=212,
        column_config=trade_money_config(currency),
    )
    picked = _picked(event, listed, prefix)
    chart = _draw(k, version, prefix, sources, listed, picked, with_probability, shading)
    if picked is not None and chart is not None:
        show_trade(k, version, picked, chart)


def _listed_trades(k: Any, ref: str, sources: list[str]) -> list[Any]:
    """The chosen sources' newest trades together, newest first."""
    rows = [t for name in sources for t in reads.chart_trades(k, ref, name)]
    return sorted(rows, key=lambda t: (t.close_time, t.source), reverse=True)


def _picked(event: Any, listed: list[Any], prefix: str) -> Any:
    """The trade picked in the list; a newly picked one moves the window onto it."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if not rows or rows[0] >= len(listed):
        return None
    trade = listed[rows[0]]
    state = _state(prefix)
    if state.get("focus") != (trade.source, trade.key):
        half = WINDOW_BARS // 2
        state.update(
            around=trade.open_time, before=half, after=half, focus=(trade.source, trade.key)
        )
    return trade


def _draw(
    k: Any,
    version: Any,
    prefix: str,
    sources: list[str],
    listed: list[Any],
    picked: Any,
    with_probability: bool,
    shading: str,
) -> Any:
    """Read the window, draw it, offer the moves; returns the chart read (None: no bars)."""
    state = _state(prefix)
    around, before, after = _window(k, version, state, listed)
    if around is None:
        st.info(f"No {version.symbol} {version.timeframe} bars are stored: nothing to draw.")
        return None
    chart = reads.price_chart(
        k,
        version.ref,
        around,
        before,
        after,
        tuple(sources),
        None if shading == "none" else shading,
    )
    if chart.window.first is None:
        st.info("No bars in this window.")
        return None
    st.session_state[f"{prefix}:shown"] = (chart.window.first, chart.window.last)
    panel = _probability(k, version, around, before, after) if with_probability else None
    focus = _in_window(chart, picked)
    st.plotly_chart(
        price_figure(
            chart.window.bars,
            chart.trades,
            title=f"{version.symbol} {version.timeframe}",
            currency=chart.currency,
            labels={n: trade_source(n).label for n in sources},
            levels={n: trade_source(n).levels for n in sources},
            probability=panel,
            regimes=chart.regimes,
            focus=focus,
        ),
        key=f"{prefix}:chart",
        config=PLOTLY_CONFIG,
    )
    _navigation(prefix, chart)
    _chart_caption(chart, sources)
    return chart


def _window(
    k: Any, version: Any, state: dict[str, Any], listed: list[Any]
) -> tuple[datetime | None, int, int]:
    """Where the window is: as moved, else on the newest trade shown, else the last bars."""
    if state.get("around") is not None:
        return state["around"], int(state["before"]), int(state["after"])
    if listed:
        return listed[0].open_time, WINDOW_BARS - WINDOW_BARS // 4, WINDOW_BARS // 4
    last = next(
        (
            s.last
            for s in reads.bar_series(k)
            if (s.symbol, s.timeframe) == (version.symbol, version.timeframe)
        ),
        None,
    )
    return last, WINDOW_BARS, 0


def _probability(k: Any, version: Any, around: datetime, before: int, after: int) -> Any:
    try:
        return reads.probability_panel(k, version.ref, around, before, after)
    except AurumError as err:
        st.caption(f"No probability panel: {err}")
        return None


def _in_window(chart: Any, picked: Any) -> Any:
    """The picked trade as the chart read it (with its levels), when it is in the window."""
    if picked is None:
        return None
    found = chart.trades.get(picked.source, [])
    return next((t for t in found if t.key == picked.key), picked)


def _navigation(prefix: str, chart: Any) -> None:
    first, last = chart.window.first, chart.window.last
    cols = st.columns([1, 1, 1, 2])
    cols[0].button(
        "◀ Earlier",
        key=f"{prefix}:earlier",
        on_click=_move,
        args=(prefix, "earlier"),
        disabled=not chart.window.earlier,
    )
    cols[1].button(
        "Later ▶",
        key=f"{prefix}:later",
        on_click=_move,
        args=(prefix, "later"),
        disabled=not chart.window.later,
    )
    cols[2].button("Last trades", key=f"{prefix}:last", on_click=_move, args=(prefix, "last"))
    cols[3].date_input(
        "Go to date (UTC)", value=None, key=f"{prefix}:date", on_change=_go_to_date, args=(prefix,)
    )
    st.caption(
        f"Window: {len(chart.window):,} bars, {first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} UTC "
        "(drag to pan, scroll to zoom; the buttons above the chart pick a span of the window)."
    )


def _chart_caption(chart: Any, sources: list[str]) -> None:
    notes = []
    if chart.rules is None:
        notes.append("no stop-loss/take-profit drawn: the version recorded no exits (labels)")
    if "live" in sources:
        notes.append(
            "live trades store no levels: their dotted stop-loss and take-profit are what the "
            "version's signal carried at the bar before entry, recomputed"
        )
    if any(trade_source(n).levels == "simulated" for n in sources):
        notes.append(
            "simulated trades' levels are the barriers the simulation used (a short's are ask "
            "prices: bid + spread)"
        )
    counts = ", ".join(f"{len(v)} {trade_source(n).label}" for n, v in chart.trades.items())
    st.caption(f"In this window: {counts or 'no trades'}. " + "; ".join(notes) + ".")


def show_trade(k: Any, version: Any, trade: Any, chart: Any) -> None:
    """The picked trade's numbers beside what pushed its signal (text shown as text)."""
    shown = _in_window(chart, trade)
    numbers, why_column = st.columns([2, 3])
    numbers.markdown("**Picked trade**")
    numbers.dataframe(
        picked_trade_frame(shown, chart.currency), hide_index=True, key="picked_trade"
    )
    with why_column:
        _signal_behind(k, version, trade)


def _signal_behind(k: Any, version: Any, trade: Any) -> None:
    try:
        why = reads.trade_explanation(k, version.ref, trade.open_time)
    except AurumError as err:
        st.caption(f"No explanation of its signal: {err}")
        return
    signal = why.signals[0]
    st.text(
        f"The signal behind it, at the bar of {signal.bar_time[:16].replace('T', ' ')} UTC: "
        f"{signal.side}, P(long) {signal.p_long:.2f}, P(short) {signal.p_short:.2f}."
    )
    if not signal.contributions:
        st.caption(why.note or "This model gives no per-signal attributions.")
        return
    st.plotly_chart(
        charts.contributions_figure(
            signal.contributions, side=signal.side, explained=signal.explained, output=why.output
        ),
        key="picked_trade_contributions",
    )
