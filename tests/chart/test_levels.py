"""Stop-loss and take-profit recomputed from the version's exits equal the barriers the simulation
used: a take-profit exit fills at its level, a stop exit at (or beyond, on a gap) its level, and
the distances are the ATR multiples at the signal bar."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from engine.backtest import CostModel
from engine.backtest.simulate import simulate_trades
from engine.chart.levels import ExitRules, entry_bars, trades_with_levels
from engine.chart.trades import ChartTrade
from engine.data.synthetic import generate_bars
from engine.labels import causal_atr, spread_prices

COSTS = CostModel()
LABELS = {"take_profit": 1.5, "stop_loss": 1.0, "unit": "atr", "horizon": 12}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return generate_bars(start="2026-03-02", n_bars=1500, timeframe="M5", seed=11)


def rules(**labels: object) -> ExitRules:
    rule = ExitRules.of_version({"labels": {**LABELS, **labels}}, COSTS.__dict__)
    assert rule is not None
    return rule


def simulated(bars: pd.DataFrame, **labels: float | str) -> tuple[pd.DataFrame, list[ChartTrade]]:
    """Random signals traded with the backtest, as the ledger stores backtest trades."""
    signals = np.random.default_rng(5).choice([-1, 0, 0, 1], size=len(bars))
    signals[:300] = 0  # the ATR's warm-up
    got = {**LABELS, **labels}
    frame = simulate_trades(
        bars, signals, take_profit=got["take_profit"], stop_loss=got["stop_loss"],
        horizon=got["horizon"], costs=COSTS, unit=got["unit"],
    )  # fmt: skip
    trades = [
        ChartTrade(
            source="backtest", key=str(i), side=t["side"],
            open_time=t["entry_time"].to_pydatetime(), close_time=t["exit_time"].to_pydatetime(),
            open_price=t["entry_price"], close_price=t["exit_price"], volume=COSTS.lot_size,
            gross_profit=t["gross_profit"], costs=t["costs"], net_profit=t["net_profit"],
            confidence=None, exit_reason=t["exit_reason"],
        )
        for i, t in enumerate(frame.to_dict("records"))
    ]  # fmt: skip
    return frame, trades


def test_simulated_levels_are_the_barriers_the_backtest_exited_at(bars: pd.DataFrame):
    frame, trades = simulated(bars)
    shown = trades_with_levels(bars, trades, rules(), "simulated")
    atr = causal_atr(bars)
    slip = COSTS.slippage
    reasons = {"take_profit": 0, "stop_loss": 0}
    assert len(shown) == len(frame) > 40
    for trade, row in zip(shown, frame.to_dict("records"), strict=True):
        side = 1 if trade.side == "buy" else -1
        t = int(row["entry_index"]) - 1
        assert trade.take_profit is not None and trade.stop_loss is not None
        assert side * (trade.take_profit - trade.stop_loss) == pytest.approx(2.5 * atr[t])
        if row["exit_reason"] == "take_profit":  # filled at its level, less the slippage
            assert trade.close_price + side * slip == pytest.approx(trade.take_profit, abs=1e-9)
        elif row["exit_reason"] == "stop_loss":  # at its level, or worse after a gap
            assert side * (trade.close_price + side * slip - trade.stop_loss) <= 1e-9
        reasons[row["exit_reason"]] = reasons.get(row["exit_reason"], 0) + 1
    assert reasons["take_profit"] > 5 and reasons["stop_loss"] > 5


def test_the_distances_in_dollars_are_the_configured_dollars(bars: pd.DataFrame):
    _, trades = simulated(bars, unit="usd", take_profit=3.0, stop_loss=2.0)
    for trade in trades_with_levels(bars, trades, rules(unit="usd", take_profit=3.0,
                                                        stop_loss=2.0), "simulated"):  # fmt: skip
        side = 1 if trade.side == "buy" else -1
        entry = trade.open_price - side * COSTS.slippage  # the entry quote, before slippage
        assert side * (trade.take_profit - entry) == pytest.approx(3.0)
        assert side * (entry - trade.stop_loss) == pytest.approx(2.0)


def test_the_spread_paid_is_the_entry_bars_spread_and_part_of_the_costs(bars: pd.DataFrame):
    frame, trades = simulated(bars)
    spread = spread_prices(bars, COSTS.default_spread_points)
    for trade, row in zip(trades_with_levels(bars, trades, rules(), "simulated"),
                          frame.to_dict("records"), strict=True):  # fmt: skip
        paid = spread[int(row["entry_index"])] * COSTS.ounces
        assert trade.spread_paid == pytest.approx(paid)
        assert trade.costs == pytest.approx(paid + 2 * COSTS.slippage * COSTS.ounces
                                            + COSTS.commission)  # fmt: skip


def test_served_levels_are_what_the_signal_at_the_bar_before_entry_carried(bars: pd.DataFrame):
    atr = causal_atr(bars)
    spread = spread_prices(bars, COSTS.default_spread_points)
    opened = [bars["time"].iloc[900] + pd.Timedelta(minutes=2), bars["time"].iloc[1000]]
    trades = [
        ChartTrade("live", str(i), side, t.to_pydatetime(), t.to_pydatetime(), 2650.0, 2651.0,
                   0.2, 1.0, 0.7, 0.3, 0.6)
        for i, (side, t) in enumerate(zip(("buy", "sell"), opened, strict=True))
    ]  # fmt: skip
    buy, sell = trades_with_levels(bars, trades, rules(), "served")
    close = bars["close"].to_numpy()
    entry = close[899] + spread[899]
    assert (buy.take_profit, buy.stop_loss) == (
        round(entry + 1.5 * atr[899], 2), round(entry - 1.0 * atr[899], 2),
    )  # fmt: skip
    assert (sell.take_profit, sell.stop_loss) == (
        round(close[999] - 1.5 * atr[999], 2), round(close[999] + 1.0 * atr[999], 2),
    )  # fmt: skip
    assert buy.spread_paid == pytest.approx(spread[900] * 0.2 * COSTS.contract_size_oz)


def test_without_exits_or_bars_no_level_is_made_up(bars: pd.DataFrame):
    _, trades = simulated(bars)
    assert ExitRules.of_version({"labels": {"horizon": 12}}, {}) is None
    bare = trades_with_levels(bars, trades[:3], None, "simulated")
    assert all(t.take_profit is None and t.stop_loss is None for t in bare)
    assert all(t.spread_paid is not None for t in bare)
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    early = ChartTrade("live", "x", "buy", monday, monday, 1.0, 1.0, 0.1, 0.0, 0.0, 0.0, None)
    (outside,) = trades_with_levels(bars, [early], rules(), "served")
    assert outside.take_profit is None and outside.spread_paid is None
    assert list(entry_bars(bars, [early])) == [-1]
