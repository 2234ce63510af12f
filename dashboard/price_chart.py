"""The price chart builder: a window of bars and a version's trades in, a Plotly figure out (no
Streamlit, no database; tests call it). Candles of the stored (bid) bars; per trade source an
entry marker (triangle up for a long, down for a short), an exit marker and a line between them,
green for a win and red for a loss after costs; dotted take-profit and stop-loss segments from
entry to exit; optional regime shading; the model's probabilities in a panel of their own below.
Times are UTC; money in the account currency; one y-axis per panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

GREEN = "#2e9e5b"
RED = "#d0473b"
GREY = "#8a8f98"
SOURCE_STYLE = {  # line dash and marker outline per source, so overlaid sources stay apart
    "live": ("solid", "#f2f2f2"),
    "backtest": ("dash", "#d4af37"),
    "shadow": ("dot", "#4c8bf5"),
}
OTHER_STYLE = ("dashdot", "#9b59b6")
REGIME_COLOURS = {
    "high": RED,
    "low": "#4c8bf5",
    "up": GREEN,
    "down": RED,
}  # "normal" volatility and a "range" trend are left unshaded
LEVEL_NAMES = {"simulated": "as simulated", "served": "as the signal carried, recomputed"}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}
FOCUS_BARS = 60  # bars shown each side of a picked trade (the rest of the window: pan or zoom)
HEIGHT = 640


def money(value: float | None, currency: str = "USD", *, decimals: int = 2) -> str:
    """An amount with its sign before the currency symbol: "-$3.46", "€1,250.00", "—" unknown."""
    if value is None or math.isnan(value):
        return "—"
    code = currency.upper()
    mark = CURRENCY_SYMBOLS.get(code, f"{code} ")
    sign = "-" if value < 0 and round(abs(value), decimals) > 0 else ""
    return f"{sign}{mark}{abs(value):,.{decimals}f}"


def price_figure(
    bars: pd.DataFrame,
    trades: Mapping[str, Sequence[Any]],
    *,
    title: str,
    currency: str = "USD",
    labels: Mapping[str, str] | None = None,
    levels: Mapping[str, str] | None = None,
    probability: Any = None,
    regimes: Sequence[Any] = (),
    focus: Any = None,
) -> go.Figure:
    """Candles of `bars` with the `trades` of each source (`engine.chart.trades.ChartTrade`),
    `labels` naming the sources in the legend and `levels` saying how their SL/TP were
    recomputed; `probability` (`engine.chart.probability.ProbabilityPanel`) adds a panel below;
    `regimes` (`engine.chart.regimes.RegimeSpan`) shade the candles; `focus` centres a trade."""
    panels = 2 if probability is not None else 1
    fig = make_subplots(
        rows=panels,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.72, 0.28] if panels == 2 else [1.0],
    )
    fig.add_trace(_candles(bars, title), row=1, col=1)
    for span in regimes:
        _shade(fig, span)
    _regime_legend(fig, regimes)
    for source, listed in trades.items():
        name = (labels or {}).get(source, source)
        how = (levels or {}).get(source, "simulated")
        for trace in trade_traces(listed, source=source, name=name, currency=currency, how=how):
            fig.add_trace(trace, row=1, col=1)
    if probability is not None:
        for trace in probability_traces(probability):
            fig.add_trace(trace, row=2, col=1)
        _probability_axis(fig, probability)
    _layout(fig, title, panels)
    if focus is not None:
        centre_on(fig, focus, _bar_step(bars))
    return fig


def _candles(bars: pd.DataFrame, title: str) -> go.Candlestick:
    return go.Candlestick(
        x=bars["time"],
        open=bars["open"],
        high=bars["high"],
        low=bars["low"],
        close=bars["close"],
        name=f"{title} (bid)",
        increasing={"line": {"color": "#5d9c7a"}},
        decreasing={"line": {"color": "#b5655d"}},
        showlegend=False,
    )


def trade_traces(
    trades: Sequence[Any], *, source: str, name: str, currency: str, how: str
) -> list[go.Scatter]:
    """Entry and exit markers, entry-to-exit lines (wins and losses apart) and the SL/TP segments
    of one source's trades: a handful of traces, whatever the number of trades."""
    if not trades:
        return []
    dash, outline = SOURCE_STYLE.get(source, OTHER_STYLE)
    group = f"trades:{source}"
    colour = [GREEN if t.won else RED for t in trades]
    hover = [_hover(t, name, currency) for t in trades]
    out = [
        go.Scatter(
            x=[t.open_time for t in trades],
            y=[_price(t.open_price) for t in trades],
            mode="markers",
            name=f"{name}: entries (▲ long, ▼ short)",
            legendgroup=group,
            marker={
                "symbol": ["triangle-up" if t.side == "buy" else "triangle-down" for t in trades],
                "size": 13,
                "color": colour,
                "line": {"color": outline, "width": 1.5},
            },
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        ),
        go.Scatter(
            x=[t.close_time for t in trades],
            y=[_price(t.close_price) for t in trades],
            mode="markers",
            name=f"{name}: exits",
            legendgroup=group,
            marker={"symbol": "x", "size": 10, "color": colour, "line": {"color": outline}},
            customdata=hover,
            hovertemplate="exit %{y:.2f}<br>%{customdata}<extra></extra>",
        ),
    ]
    for won, label in ((True, "wins"), (False, "losses")):
        picked = [t for t in trades if t.won == won]
        if picked:
            out.append(
                _segments(
                    picked,
                    "open_price",
                    "close_price",
                    f"{name}: {label}",
                    group,
                    {"color": GREEN if won else RED, "dash": dash, "width": 1.5},
                )
            )
    note = LEVEL_NAMES.get(how, how)
    for attr, label, col in (
        ("take_profit", "take profit", GREEN),
        ("stop_loss", "stop loss", RED),
    ):
        picked = [t for t in trades if getattr(t, attr) is not None]
        if picked:
            out.append(
                _segments(
                    picked,
                    attr,
                    attr,
                    f"{name}: {label} ({note})",
                    group,
                    {"color": col, "dash": "dot", "width": 1},
                )
            )
    return out


def _segments(
    trades: Sequence[Any], start: str, end: str, name: str, group: str, line: dict[str, Any]
) -> go.Scatter:
    """One trace of entry-to-exit segments (a gap between trades), `start`/`end` the prices."""
    x: list[Any] = []
    y: list[float | None] = []
    for t in trades:
        x += [t.open_time, t.close_time, None]
        y += [_price(getattr(t, start)), _price(getattr(t, end)), None]
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        name=name,
        legendgroup=group,
        line=line,
        hoverinfo="skip",
        connectgaps=False,
    )


def _price(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _hover(trade: Any, name: str, currency: str) -> str:
    side = "long" if trade.side == "buy" else "short"
    conf = "" if trade.confidence is None else f" · p {trade.confidence:.2f}"
    return (
        f"{name} · {side}{conf}<br>{trade.open_time:%Y-%m-%d %H:%M} → "
        f"{trade.close_time:%H:%M} UTC<br>result {money(trade.net_profit, currency)}"
    )


def probability_traces(panel: Any) -> list[go.Scatter]:
    """P(long wins) and P(short wins) at each bar (the signal is decided at the bar's close)."""
    return [
        go.Scatter(
            x=panel.times,
            y=panel.p_long,
            name="P(long wins)",
            mode="lines",
            line={"color": GREEN, "width": 1.5},
            hovertemplate="P(long) %{y:.0%}",
        ),
        go.Scatter(
            x=panel.times,
            y=panel.p_short,
            name="P(short wins)",
            mode="lines",
            line={"color": RED, "width": 1.5},
            hovertemplate="P(short) %{y:.0%}",
        ),
    ]


def _probability_axis(fig: go.Figure, panel: Any) -> None:
    fig.add_hline(
        y=panel.min_confidence,
        line={"color": GREY, "dash": "dash", "width": 1},
        row=2,
        col=1,
        annotation_text=f"threshold {panel.min_confidence:.0%}",
        annotation_position="top left",
    )
    fig.update_yaxes(
        title_text="P(win)",
        range=[0, 1],
        dtick=0.25,
        tickformat=".0%",
        row=2,
        col=1,
    )


def _shade(fig: go.Figure, span: Any) -> None:
    colour = REGIME_COLOURS.get(span.state)
    if colour is not None:
        fig.add_vrect(
            x0=span.start,
            x1=span.end,
            fillcolor=colour,
            opacity=0.08,
            line_width=0,
            layer="below",
            row=1,
            col=1,
        )


def _regime_legend(fig: go.Figure, regimes: Sequence[Any]) -> None:
    """One legend entry per shaded state (the shapes themselves have none)."""
    for state in sorted({s.state for s in regimes if s.state in REGIME_COLOURS}):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{state} (shaded)",
                marker={
                    "symbol": "square",
                    "size": 12,
                    "color": REGIME_COLOURS[state],
                    "opacity": 0.3,
                },
            ),
            row=1,
            col=1,
        )


def _layout(fig: go.Figure, title: str, panels: int) -> None:
    fig.update_layout(
        title=title,
        height=HEIGHT,
        hovermode="closest",
        dragmode="pan",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.12, "x": 0},
    )
    fig.update_xaxes(rangeslider_visible=False, row=1, col=1)
    fig.update_xaxes(
        rangeselector={
            "buttons": [
                {"count": 2, "label": "2 h", "step": "hour", "stepmode": "backward"},
                {"count": 6, "label": "6 h", "step": "hour", "stepmode": "backward"},
                {"count": 1, "label": "1 d", "step": "day", "stepmode": "backward"},
                {"label": "window", "step": "all"},
            ],
            "x": 1.0,
            "xanchor": "right",
            "y": 1.02,
            "yanchor": "bottom",
        },
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="bar open time (UTC)", row=panels, col=1)
    fig.update_yaxes(title_text="price (bid)", hoverformat=",.2f", row=1, col=1)


def _bar_step(bars: pd.DataFrame) -> timedelta:
    times = pd.DatetimeIndex(bars["time"])
    if len(times) < 2:
        return timedelta(minutes=5)
    return pd.Series(times).diff().median().to_pytimedelta()


def centre_on(
    fig: go.Figure, trade: Any, step: timedelta, bars_each_side: int = FOCUS_BARS
) -> None:
    """Show `bars_each_side` bars around the trade (from its entry to its exit) and mark it."""
    lo: datetime = trade.open_time - step * bars_each_side
    hi: datetime = trade.close_time + step * bars_each_side
    fig.update_xaxes(range=[lo, hi])
    fig.add_vrect(
        x0=trade.open_time,
        x1=trade.close_time,
        fillcolor="#d4af37",
        opacity=0.18,
        line_width=0,
        layer="below",
        row=1,
        col=1,
    )
