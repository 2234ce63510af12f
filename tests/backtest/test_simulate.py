"""Cost-aware trade simulation on hand-built bars, checked against hand calculations.

Default costs: spread 20 points ($0.20), slippage 2 points ($0.02) per side, commission $7 per lot
round turn x 0.1 lot = $0.70, 100 oz x 0.1 lot = 10 oz, so $1 of price move is $10.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from engine.backtest import TRADE_COLUMNS, BacktestError, CostModel, simulate_trades
from engine.config.schema import CostsConfig
from engine.data.synthetic import generate_bars
from engine.labels import triple_barrier_labels
from tests.labels.bars import flat, make_bars

RULES = {"take_profit": 1.0, "stop_loss": 1.0, "unit": "usd"}


def simulate(bars: pd.DataFrame, signals: list[int], horizon: int = 4, **kw: object):
    """Simulate with $1 barriers and the default costs."""
    params = {**RULES, "costs": CostModel(), **kw}
    return simulate_trades(bars, signals, horizon=horizon, **params)  # type: ignore[arg-type]


def test_long_take_profit_pays_spread_slippage_and_commission() -> None:
    rows = [*flat(1), (100.0, 100.5, 99.8, 100.3), (100.3, 101.3, 100.2, 101.1), *flat(3, 101.1)]
    trades = simulate(make_bars(rows), [1, 0, 0, 0, 0, 0])
    assert list(trades.columns) == list(TRADE_COLUMNS)
    t = trades.iloc[0]
    assert (t["side"], t["exit_reason"], t["entry_index"], t["exit_index"]) == (
        "buy",
        "take_profit",
        1,
        2,
    )
    assert t["entry_price"] == pytest.approx(100.22)  # ask 100.20 + slippage
    assert t["exit_price"] == pytest.approx(101.18)  # TP bid 101.20 - slippage
    assert t["gross_profit"] == pytest.approx(12.0)  # bid 100.00 -> 101.20, 10 oz
    assert t["costs"] == pytest.approx((0.20 + 0.04) * 10 + 0.70)
    assert t["net_profit"] == pytest.approx((101.18 - 100.22) * 10 - 0.70)  # 8.90
    assert t["entry_time"] == pd.Timestamp("2025-01-06 00:05", tz="UTC")
    assert t["exit_time"] == pd.Timestamp("2025-01-06 00:15", tz="UTC")  # bar 2's close


def test_short_stop_loss() -> None:
    rows = [*flat(1), (100.0, 100.9, 99.9, 100.5), *flat(4, 100.5)]
    t = simulate(make_bars(rows), [-1, 0, 0, 0, 0, 0]).iloc[0]
    assert (t["side"], t["exit_reason"], t["exit_index"]) == ("sell", "stop_loss", 1)
    assert t["entry_price"] == pytest.approx(99.98)  # bid 100.00 - slippage
    assert t["exit_price"] == pytest.approx(101.02)  # ask stop 101.00 + slippage
    assert t["gross_profit"] == pytest.approx(-8.0)  # bid 100.00 -> 100.80
    assert t["net_profit"] == pytest.approx(-11.1)


def test_time_exit_and_default_spread_when_missing() -> None:
    bars = make_bars(flat(6), spread_points=[20, None, 20, 20, 20, 20])
    t = simulate(bars, [1, 0, 0, 0, 0, 0], horizon=3, costs=CostModel(default_spread_points=50))
    t = t.iloc[0]
    assert t["exit_reason"] == "time" and t["exit_index"] == 3
    assert t["entry_price"] == pytest.approx(100.52)
    assert t["costs"] == pytest.approx((0.50 + 0.04) * 10 + 0.70)
    assert t["gross_profit"] == pytest.approx(0.0)


def test_signals_while_in_a_trade_are_ignored() -> None:
    trades = simulate(make_bars(flat(10)), [1, 1, 1, 1, -1, 1, -1, 0, 0, 0], horizon=3)
    assert trades["entry_index"].tolist() == [1, 4, 7]  # the exit bar's signal may re-enter
    assert trades["exit_index"].tolist() == [3, 6, 9]
    assert trades["side"].tolist() == ["buy", "buy", "sell"]


def test_signals_without_a_full_horizon_are_not_traded() -> None:
    assert simulate(make_bars(flat(6)), [0, 0, 0, 1, 1, 1], horizon=3).empty
    assert len(simulate(make_bars(flat(6)), [0, 0, 1, 0, 0, 0], horizon=3)) == 1


def test_confidence_is_taken_from_the_signal_bar() -> None:
    trades = simulate(
        make_bars(flat(8)), [0, -1, 0, 0, 0, 0, 0, 0], horizon=2, confidence=np.arange(8) / 10
    )
    assert trades["confidence"].tolist() == [pytest.approx(0.1)]


def test_nan_is_hold_and_bad_signals_are_refused() -> None:
    bars = make_bars(flat(6))
    assert simulate(bars, pd.Series([np.nan, 0, 0, 0, 0, 0])).empty
    for bad, match in (([2, 0, 0, 0, 0, 0], "bar 0"), ([1, 0], "one value per bar")):
        with pytest.raises(BacktestError, match=match):
            simulate(bars, bad)
    with pytest.raises(BacktestError, match="numbers"):
        simulate(bars, ["buy"] * 6)  # type: ignore[list-item]


def test_trades_are_the_labels_trades() -> None:
    bars = generate_bars(start="2025-01-06", n_bars=3000, seed=11)
    rules = {"take_profit": 1.5, "stop_loss": 1.0, "horizon": 8}
    labels = triple_barrier_labels(bars, **rules)
    costs = CostModel(slippage_points=0, commission_per_lot=0)
    for side, column in ((1, "long_return"), (-1, "short_return")):
        trades = simulate_trades(bars, np.full(len(bars), side), costs=costs, **rules)
        t = trades["entry_index"].to_numpy() - 1
        per_oz = trades["net_profit"].to_numpy() / costs.ounces
        np.testing.assert_allclose(per_oz, labels[column].to_numpy()[t], atol=1e-9)


def test_cost_model_matches_the_config_section() -> None:
    assert CostModel.from_mapping(CostsConfig().model_dump()) == CostModel()
    assert CostModel().commission == pytest.approx(0.7)
    with pytest.raises(BacktestError, match="unknown cost keys"):
        CostModel.from_mapping({"spread": 1.0})
    with pytest.raises(BacktestError, match="lot_size"):
        CostModel(lot_size=0)
    trades = simulate(make_bars(flat(6)), [1, 0, 0, 0, 0, 0], costs=CostsConfig().model_dump())
    assert len(trades) == 1


def test_sixty_thousand_bars_simulate_fast() -> None:
    bars = generate_bars(start="2025-01-06", n_bars=60_000, seed=5)
    signals = np.random.default_rng(0).choice([-1, 0, 1], size=len(bars), p=[0.1, 0.8, 0.1])
    start = time.perf_counter()
    trades = simulate_trades(
        bars, signals, take_profit=1.5, stop_loss=1.0, horizon=12, costs=CostModel()
    )
    assert time.perf_counter() - start < 2.0
    assert len(trades) > 1000
    assert (np.diff(trades["entry_index"]) > 0).all()
    assert (trades["entry_index"].to_numpy()[1:] > trades["exit_index"].to_numpy()[:-1]).all()
