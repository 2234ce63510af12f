"""The shadow table and chart builders on constructed standings (no Streamlit, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.charts import shadow_equity_figure
from dashboard.shadow_tables import headline_with_shadow, shadow_frame, shadow_trades_frame
from engine.metrics.significance import welch_edge_test
from engine.shadow.evidence import ShadowEdge, ShadowStanding
from engine.shadow.store import ShadowTradeRecord

SINCE = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def standing(ref: str, role: str, shadow: dict, edge: ShadowEdge | None = None) -> ShadowStanding:
    return ShadowStanding(
        ref=ref,
        version_id=1,
        symbol="XAUUSD",
        timeframe="M5",
        role=role,
        since=SINCE,
        shadow=shadow,
        live={"trades": 12, "net_profit": 80.0, "win_rate": 0.5, "sharpe": 1.25},
        backtest={"trades": 140, "net_profit": 310.5, "win_rate": 0.55, "sharpe": float("nan")},
        edge=edge,
    )


def test_each_source_gets_its_columns_and_a_challenger_its_test():
    test = welch_edge_test([2, 4, 6], [1, 1, 3, 3], min_trades=3)
    edge = ShadowEdge("X:v2", "X:v1", SINCE, test, 0.05)
    table = shadow_frame(
        [
            standing("X:v1", "champion", {"trades": 4, "net_profit": 8.0, "win_rate": 1.0}),
            standing(
                "X:v2", "challenger", {"trades": 3, "net_profit": 12.0, "win_rate": 1.0}, edge
            ),
        ]
    ).set_index("version")
    assert table.loc["X:v1", "verdict"] == "champion: the reference"
    assert pd.isna(table.loc["X:v1", "p-value"])  # not tested: shown empty
    assert table.loc["X:v2", "shadow trades"] == 3 and table.loc["X:v2", "shadow win %"] == 100.0
    assert table.loc["X:v2", "live net USD"] == 80.0 and table.loc["X:v2", "live Sharpe"] == 1.25
    assert table.loc["X:v2", "backtest trades"] == 140
    assert pd.isna(table.loc["X:v2", "backtest Sharpe"])  # nan: unknown, shown empty
    assert table.loc["X:v2", "edge USD/trade"] == 2.0
    assert table.loc["X:v2", "p-value"] == pytest.approx(0.109551, abs=1e-6)
    assert table.loc["X:v2", "n (challenger/champion)"] == "3 / 4"
    assert table.loc["X:v2", "verdict"] == "vs X:v1: no significant edge (p = 0.110 > 0.05)"
    assert table.loc["X:v2", "counts from (UTC)"] == "2026-03-02 09:05"


def test_the_headline_puts_paper_numbers_beside_backtest_and_live():
    table = headline_with_shadow(
        {"trades": 140, "net_profit": 310.5},
        {"trades": 12, "net_profit": 80.0},
        {"trades": 7, "net_profit": -21.25},
        live_needed=30,
    ).set_index("metric")
    assert list(table.columns) == [
        "backtest (out of sample)",
        "live (n=12 trades, below the 30 needed)",
        "shadow (paper, live bars)",
    ]
    assert table.loc["Trades", "shadow (paper, live bars)"] == "7"
    assert table.loc["Net profit", "shadow (paper, live bars)"] == "-$21.25"


def test_paper_trades_are_listed_with_fills_and_exits():
    trade = ShadowTradeRecord(
        1, "XAUUSD", "M5", "buy", SINCE, SINCE, 2650.123, 2652.456, 18.456, 0.5123, "take_profit"
    )
    row = shadow_trades_frame([trade]).iloc[0]
    assert (row["entry"], row["exit"], row["net USD"]) == (2650.12, 2652.46, 18.46)
    assert row["confidence %"] == 51.2 and row["exit reason"] == "take_profit"


def test_the_shadow_equity_chart_marks_the_common_period():
    times = [datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC)]
    fig = shadow_equity_figure(
        {"X:v1 (champion)": (times, [10.0, -4.0]), "X:v2 (challenger)": (times, [])},
        initial_equity=1000.0,
        since=SINCE,
    )
    assert fig.layout.title.text == "Shadow equity — paper trades on live bars"
    assert [t.name for t in fig.data] == ["X:v1 (champion)"]  # nothing to draw for v2
    assert list(fig.data[0].y) == [1000.0, 1010.0, 1006.0]
    assert fig.layout.shapes[0].x0 == SINCE.timestamp() * 1000
