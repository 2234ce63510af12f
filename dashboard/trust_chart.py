"""The Overview's sparkline builder: live equity and drawdown by trade close time, with the band
the backtest expects for that many trades (data in, Plotly figure out; no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.chart_rules import (
    GOLD,
    GREY,
    RED,
    TIME_TICKS,
    UTC_HOVER,
    money_axis,
    reference_line,
    time_axis,
    utc,
)
from dashboard.equity_charts import thin
from dashboard.price_chart import money
from engine.metrics.trading import equity_curve

BAND_FILL = "rgba(138, 143, 152, 0.25)"
HEIGHT = 360
SPARK_POINTS = 1_000  # points kept per line: a sparkline this size shows no more


def trust_sparkline(
    times: Sequence[datetime] | pd.DatetimeIndex,
    profits: Sequence[float] | np.ndarray,
    *,
    band: Any,
    initial_equity: float,
    currency: str,
) -> go.Figure:
    """Two panels sharing the close-time axis: equity (account currency) after each live trade,
    with the backtest's expected equity and band for the same trade count
    (`engine.trust.band.ExpectedBand`, None: no band), and the drawdown in % of peak equity."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.68, 0.32]
    )
    p = np.asarray(profits, dtype=float)
    x = utc(times)  # naive UTC datetime64: serialised as one array, not 20,000 timestamps
    if p.size:
        equity = equity_curve(p, initial_equity=initial_equity)[1:]  # after each trade
        keep = thin(len(equity), equity, max_points=SPARK_POINTS)
        if band is not None and len(band) == p.size:
            _band(fig, x[keep], band, keep, initial_equity, currency)
        fig.add_trace(
            go.Scatter(x=x[keep], y=equity[keep], name="live equity", mode="lines",
                       line={"color": GOLD, "width": 2}),
            row=1, col=1,
        )  # fmt: skip
        peaks = np.maximum.accumulate(np.concatenate([[initial_equity], equity]))[1:]
        under = (equity - peaks) / np.where(peaks > 0, peaks, np.nan) * 100.0
        fig.add_trace(
            go.Scatter(x=x[keep], y=under[keep], name="drawdown", mode="lines", fill="tozeroy",
                       line={"color": RED, "width": 1}),
            row=2, col=1,
        )  # fmt: skip
    fig.update_layout(
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.28, "x": 0},
        hovermode="x unified",
    )
    money_axis(fig, currency, "equity", row=1, col=1)
    reference_line(
        fig, initial_equity, f"starting balance {money(initial_equity, currency)}", row=1, col=1
    )
    fig.update_yaxes(title_text="drawdown", ticksuffix=" %", hoverformat=".1f", row=2, col=1)
    time_axis(fig, x, "live trade close time (UTC)", row=2, col=1)
    fig.update_xaxes(hoverformat=UTC_HOVER, tickformatstops=TIME_TICKS, row=1, col=1)
    fig.update_xaxes(title_standoff=4, row=2, col=1)
    return fig


def _band(
    fig: go.Figure, x: np.ndarray, band: Any, keep: np.ndarray, start: float, currency: str
) -> None:
    """The backtest's expected equity after k trades and its band (filled between the edges)."""
    pct = f"{band.confidence:.0%}".replace("%", " %")
    fig.add_trace(
        go.Scatter(x=x, y=start + band.low[keep], mode="lines", line={"width": 0},
                   showlegend=False, hoverinfo="skip"),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=x, y=start + band.high[keep], mode="lines", line={"width": 0},
                   fill="tonexty", fillcolor=BAND_FILL, name=f"backtest's {pct} band",
                   hoverinfo="skip"),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=x, y=start + band.expected[keep], mode="lines",
                   line={"color": GREY, "dash": "dot", "width": 1.5},
                   name=f"backtest expects ({band.mean:+,.2f} {currency} a trade)"),
        row=1, col=1,
    )  # fmt: skip
