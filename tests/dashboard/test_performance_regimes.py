"""The Performance page's results by market regime, on the seeded demo desk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.regimes import metrics_by_regime
from engine.services import Desk
from tests.dashboard.conftest import decoded, open_page
from tests.dashboard.test_pages import charts_by_title, frame

REF = "XAUUSD-M5-scalper:v3"


def expected(desk: Desk, source: str, by: str) -> pd.DataFrame:
    """The same numbers straight from the engine's pure function on all stored bars."""
    version = desk.version(REF)
    bars = desk.bars(version.symbol, version.timeframe)
    trades = desk.trades(REF, source=source)
    return metrics_by_regime(trades, bars, desk.config().regimes, by=by)  # type: ignore[arg-type]


def test_performance_shows_live_results_by_regime(home: Path, desk: Desk) -> None:
    at = open_page("performance")
    table = frame(at, "regime", "trades", "win %", "net USD", "expectancy USD")
    want = expected(desk, "live", "regime")
    assert list(table["regime"]) == list(want["regime"])
    assert "unknown" not in set(table["regime"])  # the demo's bars cover its trades
    assert list(table["trades"]) == list(want["trades"])
    assert table["trades"].sum() == len(desk.trades(REF))
    assert table["net USD"].to_numpy() == pytest.approx(want["net_profit"].to_numpy())
    assert table["win %"].to_numpy() == pytest.approx(want["win_rate"].to_numpy() * 100)
    bars = charts_by_title(at)["Results by market regime at entry — live trades"]["data"][0]
    assert decoded(bars["y"]) == pytest.approx(list(want["net_profit"]))

    at.radio(key="perf_regime_by").set_value("volatility").run()
    by_vol = frame(at, "regime", "trades", "win %")
    assert set(by_vol["regime"]) <= {"high", "normal", "low", "unknown"}
    assert list(by_vol["trades"]) == list(expected(desk, "live", "volatility")["trades"])


def test_performance_shows_backtest_results_by_regime(home: Path, desk: Desk) -> None:
    at = open_page("performance")
    at.radio(key=f"perf_source:{REF}").set_value("backtest").run()
    at.radio(key="perf_regime_by").set_value("trend").run()
    table = frame(at, "regime", "trades", "expectancy USD")
    want = expected(desk, "backtest", "trend")
    assert table["trades"].sum() == len(desk.trades(REF, source="backtest"))
    assert list(table["regime"]) == list(want["regime"])
    assert {"up", "range", "down"} <= set(table["regime"])
    assert table["expectancy USD"].to_numpy() == pytest.approx(want["expectancy"].to_numpy())
    assert "regime of the last stored bar closed before its entry" in " ".join(
        c.value for c in at.caption
    )
