"""The research report's charts: data in, Plotly figure out (no database, no Streamlit).

Money is in the account currency (account.currency), times are UTC; equity starts at the
initial balance.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.metrics.catalog import money
from engine.metrics.pbo import PBOResult
from engine.metrics.trading import drawdown_series, equity_curve

GOLD = "#d4af37"
GREEN = "#2e9e5b"
RED = "#d0473b"


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return fig


def _times(close_times: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Close times with one point before the first trade, where the equity curve starts."""
    if len(close_times) == 0:
        return close_times
    return pd.DatetimeIndex(close_times[:1].append(close_times))


def equity_chart(
    close_times: pd.DatetimeIndex,
    profits: np.ndarray,
    *,
    initial_equity: float,
    currency: str = "USD",
) -> go.Figure:
    """Equity after each out-of-sample trade, after spread and commission."""
    equity = equity_curve(profits, initial_equity=initial_equity)
    fig = go.Figure(go.Scatter(x=_times(close_times), y=equity, mode="lines", line_color=GOLD))
    return _layout(
        fig, "Walk-forward equity (after costs)", "close time (UTC)", f"equity ({currency})"
    )


def drawdown_chart(
    close_times: pd.DatetimeIndex, profits: np.ndarray, *, initial_equity: float
) -> go.Figure:
    """Fall from the running equity peak, in percent of that peak."""
    equity = equity_curve(profits, initial_equity=initial_equity)
    peak = np.maximum.accumulate(equity)
    percent = np.where(peak > 0, drawdown_series(equity) / np.where(peak > 0, peak, 1) * 100, 0)
    fig = go.Figure(
        go.Scatter(x=_times(close_times), y=percent, mode="lines", fill="tozeroy", line_color=RED)
    )
    return _layout(fig, "Drawdown", "close time (UTC)", "% below peak equity")


def hourly_chart(by_hour: pd.DataFrame, currency: str = "USD") -> go.Figure:
    """Net profit per UTC hour of trade close (columns hour, trades, net_profit)."""
    colours = [GREEN if v >= 0 else RED for v in by_hour["net_profit"]]
    fig = go.Figure(
        go.Bar(
            x=by_hour["hour"],
            y=by_hour["net_profit"],
            marker_color=colours,
            customdata=[
                [money(float(v), currency), int(n)]
                for v, n in zip(by_hour["net_profit"], by_hour["trades"], strict=True)
            ],
            hovertemplate="%{x}:00 UTC: %{customdata[0]} over %{customdata[1]} trades"
            "<extra></extra>",
        )
    )
    return _layout(fig, "Net profit by hour of close", "hour (UTC)", f"net profit ({currency})")


def importance_chart(importances: Mapping[str, float], *, top: int = 20) -> go.Figure:
    """The top features by out-of-sample permutation importance (log-loss increase)."""
    items = sorted(importances.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    fig = go.Figure(
        go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h", marker_color=GOLD)
    )
    fig = _layout(fig, "Permutation importance", "log-loss increase when shuffled", "")
    fig.update_layout(height=max(300, 22 * len(items) + 100))
    return fig


def pbo_chart(result: PBOResult) -> go.Figure:
    """Histogram of the logits of the in-sample winner's out-of-sample rank (≤ 0: overfit)."""
    fig = go.Figure(go.Histogram(x=list(result.logits), marker_color=GOLD, nbinsx=30))
    fig.add_vline(x=0.0, line_dash="dash", line_color=RED)
    return _layout(
        fig, f"CSCV logits (PBO = {result.pbo:.2f})", "logit of out-of-sample rank", "splits"
    )
