"""The Leaderboard and Performance pages show paper results next to live and backtest, with the
edge test, from what the desk's shadow trading stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from engine.metrics.catalog import money
from engine.services import Desk
from tests.dashboard.conftest import open_page
from tests.dashboard.desks import seeded_copy
from tests.dashboard.test_pages import arr, assert_charts_follow, charts_by_title, frame, texts
from tests.shadow.conftest import V1, V2, V3, shadow_settings

SHADOW = " — shadow trades (paper, live bars)"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = seeded_copy(tmp_path / "home")
    monkeypatch.setenv("AURUM_HOME", str(root))
    return root


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    """The demo desk after one shadow cycle (challengers v1 and v2, champion v3)."""
    with Desk.open(str(home)) as opened:
        shadow_settings(opened)
        opened.shadow_cycle()
        yield opened


def test_the_leaderboard_shows_paper_live_and_backtest_side_by_side(desk: Desk):
    counts = [len(desk.shadow_trades(ref)) for ref in (V1, V3)]
    needed = max(counts) + 1  # more paper trades than either has: the edge is not tested yet
    desk.set_config("shadow.min_trades", str(needed), actor="test")
    at = open_page("leaderboard")
    table = frame(at, "version", "shadow trades", "verdict").set_index("version")
    board = {s.ref: s for s in desk.shadow_board()}
    assert list(table.index) == [V3, V1, V2] == list(board)
    for ref, s in board.items():
        row = table.loc[ref]
        assert row["role"] == ("champion" if ref == V3 else "challenger")
        assert row["shadow trades"] == s.shadow["trades"] == len(desk.shadow_trades(ref)) > 0
        assert row["shadow net USD"] == pytest.approx(sum(desk.shadow_results(ref).net_profit))
        assert row["live trades"] == len(desk.trades(ref))
        assert row["backtest trades"] == int(desk.version(ref).metrics["trades"])
    assert table.loc[V3, "verdict"] == "champion: the reference"
    edge = board[V1].edge
    assert table.loc[V1, "n (challenger/champion)"] == (
        f"{edge.test.challenger_trades} / {edge.test.champion_trades}"
    )
    assert table.loc[V1, "verdict"] == f"vs {V3}: not enough trades " + (
        f"({edge.test.challenger_trades} vs {edge.test.champion_trades}; {needed} each needed)"
    )
    assert pd.isna(table.loc[V1, "p-value"])  # not tested: shown empty
    equity = charts_by_title(at)["Shadow equity — paper trades on live bars"]
    names = [trace["name"] for trace in equity["data"]]
    assert names == [f"{V3} (champion)", f"{V1} (challenger)", f"{V2} (challenger)"]
    initial = desk.config().account.initial_balance
    assert arr(equity["data"][1], "y")[-1] == pytest.approx(
        initial + sum(desk.shadow_results(V1).net_profit)
    )


def test_the_leaderboard_gives_the_p_value_once_both_have_enough_trades(desk: Desk):
    shadow_settings(desk, **{"shadow.min_trades": "2"})
    at = open_page("leaderboard")
    table = frame(at, "version", "p-value").set_index("version")
    edge = next(s.edge for s in desk.shadow_board() if s.ref == V2)
    assert table.loc[V2, "p-value"] == pytest.approx(edge.test.p_value)
    assert table.loc[V2, "edge USD/trade"] == pytest.approx(edge.test.edge)
    assert table.loc[V2, "verdict"] == f"vs {V3}: {edge.test.verdict(0.05)}"
    assert "p = " in table.loc[V2, "verdict"]


def test_performance_adds_a_shadow_column_and_charts_the_paper_trades(desk: Desk):
    at = open_page("performance")
    at.selectbox(key="perf_version").set_value(V1).run()
    headline = frame(at, "metric", "shadow (paper, live bars)").set_index("metric")
    paper = desk.shadow_results(V1)
    assert headline.loc["Trades", "shadow (paper, live bars)"] == str(len(paper))
    assert headline.loc["Net profit", "shadow (paper, live bars)"] == money(
        sum(paper.net_profit), "USD"
    )
    assert f"Shadow trading: shadow edge over {V3}:" in texts(at)
    at.radio(key=f"perf_source:{V1}").set_value("shadow").run()
    initial = desk.config().account.initial_balance
    assert_charts_follow(at, list(paper.net_profit), initial, SHADOW)
    at.toggle(key="perf_list").set_value(True).run()
    listed = frame(at, "exit reason", "net USD")
    assert list(listed["net USD"]) == [round(t.net_profit, 2) for t in desk.shadow_trades(V1)]


def test_without_shadow_trading_the_pages_say_how_to_turn_it_on(home: Path):
    at = open_page("leaderboard")
    assert "Set shadow.mode to top_k or pinned" in texts(at)
    at = open_page("performance")
    at.radio(key=f"perf_source:{V3}").set_value("shadow").run()
    assert f"{V3} has no paper trades" in texts(at)
    assert not [t for t in charts_by_title(at) if t.endswith(SHADOW)]


def test_performance_slices_paper_trades_by_market_regime(desk: Desk):
    from engine.regimes import metrics_by_regime

    at = open_page("performance")
    at.selectbox(key="perf_version").set_value(V1).run()
    at.radio(key=f"perf_source:{V1}").set_value("shadow").run()
    at.radio(key="perf_regime_by").set_value("volatility").run()
    table = frame(at, "regime", "trades", "net USD")
    paper = desk.shadow_trades(V1)
    version = desk.version(V1)
    want = metrics_by_regime(
        paper, desk.bars(version.symbol, version.timeframe), desk.config().regimes, by="volatility"
    )
    assert table["trades"].sum() == len(paper) > 0
    assert list(table["regime"]) == list(want["regime"])
    assert list(table["trades"]) == list(want["trades"])
    assert table["net USD"].to_numpy() == pytest.approx(want["net_profit"].to_numpy())
    assert "Results by market regime at entry" + SHADOW in charts_by_title(at)
