"""Trades sliced by the regime at entry, on constructed bars and trades."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from engine.ledger import LedgerTrade
from engine.regimes import metrics_by_regime
from tests.regimes.constructed import CALM_AT, SMALL, START, VIOLENT_AT, calm_then_violent

BAR = pd.Timedelta(minutes=5)


def at(bar: int, minutes: int = 0) -> pd.Timestamp:
    """A time inside bar number `bar` (its open plus `minutes`)."""
    return START + bar * BAR + pd.Timedelta(minutes=minutes)


TRADES = pd.DataFrame(
    {
        "open_time": [
            at(3),  # warm-up: no regime yet
            at(CALM_AT + 5, 2),  # calm
            at(CALM_AT + 10),  # calm
            at(CALM_AT + 20, 4),  # calm
            at(VIOLENT_AT + 2, 1),  # violent
            at(VIOLENT_AT + 6),  # violent
        ],
        "net_profit": [7.0, 10.0, -4.0, 6.0, -30.0, 50.0],
    }
)


def test_metrics_per_volatility_regime_at_entry() -> None:
    table = metrics_by_regime(TRADES, calm_then_violent(), SMALL, by="volatility")
    rows = {r.regime: r for r in table.itertuples()}
    assert list(table["regime"]) == ["high", "low", "unknown"]  # fixed order, only those seen
    assert (rows["low"].trades, rows["low"].net_profit) == (3, 12.0)
    assert rows["low"].win_rate == pytest.approx(2 / 3)
    assert rows["low"].expectancy == pytest.approx(4.0)
    assert (rows["high"].trades, rows["high"].net_profit, rows["high"].win_rate) == (2, 20.0, 0.5)
    assert (rows["unknown"].trades, rows["unknown"].net_profit) == (1, 7.0)
    assert table["trades"].sum() == len(TRADES)


def test_the_regime_is_the_last_bar_closed_at_entry() -> None:
    """A trade opened at the first violent bar's open knows only the calm bar before it."""
    edge = pd.DataFrame({"open_time": [at(VIOLENT_AT), at(VIOLENT_AT + 1)], "net_profit": [1, 2]})
    table = metrics_by_regime(edge, calm_then_violent(), SMALL, by="volatility")
    assert dict(zip(table["regime"], table["trades"], strict=True)) == {"high": 1, "low": 1}


def test_combined_labels_and_ledger_trades() -> None:
    trades = [
        LedgerTrade("1", "XAUUSD", "buy", t, t, p, 0.1, 1, None, "live")
        for t, p in zip(TRADES["open_time"].dt.to_pydatetime(), TRADES["net_profit"], strict=True)
    ]
    table = metrics_by_regime(trades, calm_then_violent(), SMALL)
    by_label = dict(zip(table["regime"], table["net_profit"], strict=True))
    # 10 bars into the calm, the 20-bar fit falls: the calm sits at the low end of the swings
    assert by_label == {
        "high vol · range": 20.0,
        "low vol · range": 16.0,
        "low vol · down": -4.0,
        "unknown": 7.0,
    }
    assert list(table["regime"])[-1] == "unknown"


def test_no_trades_or_no_bars() -> None:
    empty = metrics_by_regime(TRADES.iloc[:0], calm_then_violent(), SMALL)
    assert empty.empty and list(empty.columns) == [
        "regime",
        "trades",
        "win_rate",
        "net_profit",
        "expectancy",
    ]
    no_bars = metrics_by_regime(TRADES, calm_then_violent().iloc[:0], SMALL)
    assert list(no_bars["regime"]) == ["unknown"] and no_bars["trades"].iloc[0] == 6
    assert not math.isnan(no_bars["expectancy"].iloc[0])


def test_entry_and_bar_times_of_any_resolution_are_matched() -> None:
    """Ledger times come back in microseconds, stored bars in nanoseconds (or seconds)."""
    bars = calm_then_violent()
    coarse = bars.assign(time=bars["time"].dt.as_unit("s"))
    fine = TRADES.assign(open_time=TRADES["open_time"].dt.as_unit("us"))
    want = metrics_by_regime(TRADES, bars, SMALL, by="volatility")
    for b, t in [(coarse, TRADES), (bars, fine), (coarse, fine)]:
        pd.testing.assert_frame_equal(metrics_by_regime(t, b, SMALL, by="volatility"), want)
