"""Results by market regime: `metrics_by_regime` frames in, a display table and a bar chart out
(no Streamlit rendering, no database)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.chart_rules import MONEY_OVER_TRADES, money_axis, money_counts
from dashboard.charts import GREEN, RED

DIMENSIONS = {
    "regime": "volatility and trend",
    "volatility": "volatility only",
    "trend": "trend only",
}


def regime_table(metrics: pd.DataFrame, currency: str = "USD") -> pd.DataFrame:
    """One row per regime: trades, win % (0-100), net and expectancy in the account currency."""
    return pd.DataFrame(
        {
            "regime": metrics["regime"],
            "trades": metrics["trades"].astype(int),
            "win %": metrics["win_rate"] * 100.0,
            f"net {currency}": metrics["net_profit"],
            f"expectancy {currency}": metrics["expectancy"],
        }
    )


def by_regime_figure(metrics: pd.DataFrame, currency: str = "USD") -> go.Figure:
    """Net result per regime at entry, green above zero, the trade count in the hover."""
    net = [float(v) for v in metrics["net_profit"]]
    fig = go.Figure(
        go.Bar(
            x=list(metrics["regime"]),
            y=net,
            marker_color=[GREEN if v >= 0 else RED for v in net],
            customdata=money_counts(net, list(metrics["trades"]), currency),
            hovertemplate=MONEY_OVER_TRADES,
        )
    )
    fig.update_layout(
        title="Results by market regime at entry",
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    money_axis(fig, currency, "net")
    fig.update_xaxes(title_text="regime of the last bar closed before entry")
    return fig
