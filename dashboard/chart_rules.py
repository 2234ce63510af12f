"""The rules every chart of the Learning, Performance and Overview pages follows (pure helpers
on a Plotly figure): reference lines where a number means something (profit factor 1, win rate
50 %, break-even, the starting balance), round ticks, money in the account's currency, times in
UTC without sub-second ticks, and one y-axis per panel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

GOLD = "#d4af37"
GREEN = "#2e9e5b"
RED = "#d0473b"
GREY = "#8a8f98"
REFERENCE = {"color": "#8a8f98", "dash": "dash", "width": 1}
UTC_HOVER = "%Y-%m-%d %H:%M UTC"
MIN_TIME_SPAN = timedelta(hours=1)  # a time axis never zooms into seconds and milliseconds
# the label of a tick at each spacing: never below seconds (Plotly's default shows milliseconds)
TIME_TICKS = [
    {"dtickrange": [None, 60_000], "value": "%H:%M:%S"},
    {"dtickrange": [60_000, 86_400_000], "value": "%d %b %H:%M"},
    {"dtickrange": [86_400_000, "M1"], "value": "%d %b"},
    {"dtickrange": ["M1", "M12"], "value": "%b %Y"},
    {"dtickrange": ["M12", None], "value": "%Y"},
]


def layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    """The common frame: title, axis titles, tight margins, legend below, one hover per x."""
    fig.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        hovermode="x unified",
    )
    return fig


def utc(times: Any) -> np.ndarray:
    """Times as naive UTC datetime64 (the axes say UTC): Plotly copies these cheaply, where
    timezone-aware times become arrays of objects copied one by one."""
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return np.asarray(index.tz_localize(None).as_unit("ns"))


def reference_line(fig: go.Figure, y: float, label: str, **where: Any) -> go.Figure:
    """A dashed horizontal line at `y` with its meaning written on it (e.g. "profit factor 1:
    break-even"); `where` picks the panel (row=, col=)."""
    fig.add_hline(
        y=y,
        line=REFERENCE,
        annotation_text=label,
        annotation_position="top left",
        annotation_font_color=REFERENCE["color"],
        **where,
    )
    return fig


def money_axis(fig: go.Figure, currency: str, title: str, **where: Any) -> go.Figure:
    """A y-axis of money: its title names the currency, ticks are round amounts with thousands
    separators, hover values carry cents."""
    fig.update_yaxes(
        title_text=f"{title} ({currency})",
        tickformat=",.0f",
        hoverformat=",.2f",
        **where,
    )
    return fig


def money_counts(
    values: Sequence[float], counts: Sequence[int], currency: str
) -> list[list[str | int]]:
    """Hover data for bars of money over trades: each bar's amount as the desk prints money
    ("-€3.46") and its trade count; use with MONEY_OVER_TRADES."""
    from engine.metrics.catalog import money

    return [[money(float(v), currency), int(n)] for v, n in zip(values, counts, strict=True)]


MONEY_OVER_TRADES = "%{x}: %{customdata[0]} over %{customdata[1]} trades<extra></extra>"


def percent_axis(fig: go.Figure, title: str, *, full: bool = False, **where: Any) -> go.Figure:
    """A y-axis in percent: "%" after each tick; `full` fixes it at 0–100 in steps of 25."""
    fig.update_yaxes(title_text=f"{title} (%)", ticksuffix=" %", hoverformat=".1f", **where)
    if full:
        fig.update_yaxes(range=[0, 100], dtick=25, **where)
    return fig


def time_axis(
    fig: go.Figure, times: Sequence[Any] | np.ndarray | pd.Index, title: str, **where: Any
) -> go.Figure:
    """An x-axis of UTC times: labelled ticks never finer than seconds, hover to the minute,
    and at least an hour wide (points recorded a few milliseconds apart do not stretch it
    into a millisecond scale)."""
    fig.update_xaxes(
        type="date",
        title_text=title,
        tickformatstops=TIME_TICKS,
        hoverformat=UTC_HOVER,
        **where,
    )
    values = times if isinstance(times, (pd.Index, pd.Series, np.ndarray)) else list(times)
    stamps = pd.DatetimeIndex(utc(values)).dropna()  # vectorised: no timestamp built per point
    if len(stamps) and stamps.max() - stamps.min() < MIN_TIME_SPAN:
        middle = (stamps.min() + (stamps.max() - stamps.min()) / 2).floor("min")
        half = MIN_TIME_SPAN / 2
        span = [(middle - half).isoformat(), (middle + half).isoformat()]
        fig.update_xaxes(range=span, **where)
    return fig
