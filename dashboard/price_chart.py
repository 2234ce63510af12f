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
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.chart_rules import TIME_TICKS, utc

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


def _at(moment: Any) -> pd.Timestamp:
    """One time as a naive UTC timestamp, like the traces' times."""
    return pd.Timestamp(moment).tz_convert("UTC").tz_localize(None)


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
    upper: list[go.Scatter | go.Candlestick] = [_candles(bars, title), *_regime_legend(regimes)]
    for source, listed in trades.items():
        name = (labels or {}).get(source, source)
        how = (levels or {}).get(source, "simulated")
        upper += trade_traces(listed, source=source, name=name, currency=currency, how=how)
    lower = probability_traces(probability) if probability is not None else []
    fig.add_traces(  # one call: adding traces one by one copies the figure's data each time
        [*upper, *lower], rows=[1] * len(upper) + [2] * len(lower), cols=1
    )
    shapes = [
        _shade(r, REGIME_COLOURS[r.state], 0.08) for r in regimes if r.state in REGIME_COLOURS
    ]
    if probability is not None:
        _probability_axis(fig, probability)
    _layout(fig, title, panels)
    if focus is not None:
        shapes.append(_shade(SimpleNamespace(start=focus.open_time, end=focus.close_time),
                             "#d4af37", 0.18))  # fmt: skip
        fig.update_xaxes(range=focus_range(focus, _bar_step(bars)))
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    return fig


def _candles(bars: pd.DataFrame, title: str) -> go.Candlestick:
    return go.Candlestick(
        x=utc(bars["time"]),
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
    """One source's trades as a handful of traces whatever their number, all in one legend
    group (one legend entry, `name`, toggles them): entries by side and result, exits and
    entry-to-exit lines by result, take-profit and stop-loss segments (their own legend
    entries, saying how the levels were recomputed). Every marker property is a scalar per
    trace, which keeps building the figure cheap."""
    if not trades:
        return []
    dash, outline = SOURCE_STYLE.get(source, OTHER_STYLE)
    group = f"trades:{source}"
    out = [_legend_entry(name, group, outline)]
    for side, symbol in (("buy", "triangle-up"), ("sell", "triangle-down")):
        for won in (True, False):
            picked = [t for t in trades if t.side == side and t.won == won]
            out.append(_markers(picked, "open", symbol, won, outline, group, currency, name,
                                f"{name}: {'long' if side == 'buy' else 'short'} entries, "
                                f"{'won' if won else 'lost'}"))  # fmt: skip
    for won in (True, False):
        picked = [t for t in trades if t.won == won]
        label = "won" if won else "lost"
        out.append(_markers(picked, "close", "x", won, outline, group, currency, name,
                            f"{name}: exits, {label}"))  # fmt: skip
        line = {"color": GREEN if won else RED, "dash": dash, "width": 1.5}
        out.append(_segments(picked, "open_price", "close_price", f"{name}: trades {label}",
                             group, line))  # fmt: skip
    note = LEVEL_NAMES.get(how, how)
    for attr, label, col in (
        ("take_profit", "take profit", GREEN),
        ("stop_loss", "stop loss", RED),
    ):
        picked = [t for t in trades if getattr(t, attr) is not None]
        line = {"color": col, "dash": "dot", "width": 1}
        out.append(_segments(picked, attr, attr, f"{name}: {label} ({note})", group, line, True))
    return [trace for trace in out if trace is not None]


def _legend_entry(name: str, group: str, outline: str) -> go.Scatter:
    """The source's one legend entry (clicking it shows or hides all its traces)."""
    return go.Scatter(
        x=[None], y=[None], mode="markers", name=name, legendgroup=group, showlegend=True,
        marker={"symbol": "triangle-up", "size": 12, "color": GREY,
                "line": {"color": outline, "width": 1.5}},
    )  # fmt: skip


def _markers(
    trades: Sequence[Any], when: str, symbol: str, won: bool, outline: str, group: str,
    currency: str, source_name: str, name: str,
) -> go.Scatter | None:  # fmt: skip
    """Entry (`when` "open") or exit ("close") markers of trades with one side and result."""
    if not trades:
        return None
    return go.Scatter(
        x=utc([getattr(t, f"{when}_time") for t in trades]),
        y=np.array([_price(getattr(t, f"{when}_price")) for t in trades], dtype=float),
        mode="markers", name=name, legendgroup=group, showlegend=False,
        marker={"symbol": symbol, "size": 13 if when == "open" else 10,
                "color": GREEN if won else RED, "line": {"color": outline, "width": 1.5}},
        customdata=np.array([_hover(t, source_name, currency) for t in trades], dtype=object),
        hovertemplate=("" if when == "open" else "exit %{y:.2f}<br>")
        + "%{customdata}<extra></extra>",
    )  # fmt: skip


def _segments(
    trades: Sequence[Any], start: str, end: str, name: str, group: str, line: dict[str, Any],
    legend: bool = False,
) -> go.Scatter | None:  # fmt: skip
    """One trace of entry-to-exit segments, `start`/`end` the attributes holding the prices at
    entry and exit; a NaN price after each segment breaks the line between trades."""
    if not trades:
        return None
    x = utc([v for t in trades for v in (t.open_time, t.close_time, t.close_time)])
    y = np.array(
        [v for t in trades for v in (_price(getattr(t, start)), _price(getattr(t, end)), None)],
        dtype=float,
    )
    return go.Scatter(
        x=x, y=y, mode="lines", name=name, legendgroup=group, showlegend=legend, line=line,
        hoverinfo="skip", connectgaps=False,
    )  # fmt: skip


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
            x=utc(panel.times),
            y=panel.p_long,
            name="P(long wins)",
            mode="lines",
            line={"color": GREEN, "width": 1.5},
            hovertemplate="P(long) %{y:.0%}",
        ),
        go.Scatter(
            x=utc(panel.times),
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


def _shade(span: Any, colour: str, opacity: float) -> dict[str, Any]:
    """A band behind the candles (first panel) from a span's start to its end."""
    return {
        "type": "rect", "xref": "x", "yref": "y domain", "x0": _at(span.start),
        "x1": _at(span.end), "y0": 0, "y1": 1, "fillcolor": colour, "opacity": opacity,
        "line": {"width": 0}, "layer": "below",
    }  # fmt: skip


def _regime_legend(regimes: Sequence[Any]) -> list[go.Scatter]:
    """One legend entry per shaded state (the shapes themselves have none)."""
    return [
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=f"{state} (shaded)",
            marker={"symbol": "square", "size": 12, "color": REGIME_COLOURS[state], "opacity": 0.3},
        )
        for state in sorted({s.state for s in regimes if s.state in REGIME_COLOURS})
    ]


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
    fig.update_xaxes(tickformatstops=TIME_TICKS)  # zoomed in: seconds at most, never ms
    fig.update_xaxes(title_text="bar open time (UTC)", row=panels, col=1)
    fig.update_yaxes(title_text="price (bid)", hoverformat=",.2f", row=1, col=1)


def _bar_step(bars: pd.DataFrame) -> timedelta:
    times = pd.DatetimeIndex(bars["time"])
    if len(times) < 2:
        return timedelta(minutes=5)
    return pd.Series(times).diff().median().to_pytimedelta()


def focus_range(
    trade: Any, step: timedelta, bars_each_side: int = FOCUS_BARS
) -> list[pd.Timestamp]:
    """The x range showing `bars_each_side` bars each side of a trade (entry to exit)."""
    return [
        _at(trade.open_time - step * bars_each_side),
        _at(trade.close_time + step * bars_each_side),
    ]
