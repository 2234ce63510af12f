"""Lot sizes with known answers: risk percent of the balance at the stop, rounding down to the
lot step, the min/max clamps, the below-minimum HOLD and the open-risk cap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.backtest import simulate_trades
from engine.config.risk import RiskConfig
from engine.config.schema import CostsConfig, Phase3Config
from engine.controls.sizing import Balance, position_size, risk_per_lot, round_down
from engine.errors import ConfigError

NO_COSTS = CostsConfig(slippage_points=0.0, commission_per_lot=0.0)
PERCENT = RiskConfig(sizing="risk_percent", risk_percent=1.0, max_lots=1.0)


def size(
    stop: float | None = 3.20,
    balance: float = 10_000.0,
    *,
    risk: RiskConfig = PERCENT,
    costs: CostsConfig = NO_COSTS,
    open_risk: float | None = None,
):
    return position_size(
        stop_distance=stop,
        balance=Balance(balance, "reported"),
        open_risk=open_risk,
        risk=risk,
        costs=costs,
    )


def test_one_percent_of_ten_thousand_at_a_320_dollar_lot_is_031_lots():
    got = size()  # 100 / (3.20 x 100 oz) = 0.3125 lots, rounded down to the 0.01 step
    assert (got.lots, got.risk_money, got.hold) == (0.31, 99.2, False)
    assert got.note == (
        "1% of balance $10,000.00 (reported) = $100.00 at $320.00 per lot → 0.31 lots"
    )


def test_the_risk_per_lot_includes_slippage_both_ways_and_commission():
    costs = CostsConfig(slippage_points=2.0, commission_per_lot=7.0)
    assert risk_per_lot(3.20, costs) == pytest.approx((3.20 + 0.04) * 100 + 7.0)  # 331
    got = size(costs=costs)  # 100 / 331 = 0.302 → 0.30 lots, 0.30 x 331 = 99.30
    assert (got.lots, got.risk_money) == (0.3, 99.3)


def test_risk_money_equals_the_backtest_loss_of_a_trade_stopped_out_at_that_size():
    """A BUY whose stop is hit: the backtest books exactly the risk per lot x lots."""
    costs = CostsConfig(slippage_points=2.0, commission_per_lot=7.0, lot_size=0.3)
    bars = pd.DataFrame(
        {
            "time": pd.date_range("2026-03-02 10:00", periods=4, freq="5min", tz="UTC"),
            "open": [2000.0, 2000.0, 1999.5, 1996.0],
            "high": [2000.5, 2000.4, 1999.8, 1996.5],
            "low": [1999.5, 1999.6, 1996.0, 1995.0],  # bar 2 trades through the stop
            "close": [2000.0, 1999.8, 1996.5, 1996.2],
            "spread_points": [20, 20, 20, 20],
        }
    )
    trades = simulate_trades(
        bars,
        np.array([1, 0, 0, 0]),
        take_profit=5.0,
        stop_loss=3.0,
        horizon=2,
        costs=costs.model_dump(),
        unit="usd",
    )
    assert list(trades["exit_reason"]) == ["stop_loss"]
    # the fill is the ask (open 2000 + 0.20 spread); the stop is 3.00 below it: distance 3.00
    assert trades["net_profit"].iloc[0] == pytest.approx(-risk_per_lot(3.0, costs) * 0.3)


@pytest.mark.parametrize(
    ("lots", "step", "want"),
    [(0.3125, 0.01, 0.31), (0.3, 0.1, 0.3), (0.29, 0.1, 0.2), (0.07, 0.01, 0.07), (1.0, 0.01, 1.0)],
)
def test_sizes_round_down_to_the_lot_step(lots: float, step: float, want: float):
    assert round_down(lots, step) == want


def test_a_size_above_the_maximum_is_cut_to_it():
    got = size(balance=1_000_000.0)  # 10,000 / 320 = 31.25 lots
    assert (got.lots, got.risk_money) == (1.0, 320.0)
    assert "capped at risk.max_lots 1" in got.note


def test_exactly_the_minimum_lot_trades_and_just_below_it_is_hold():
    at_min = size(balance=320.0)  # 3.20 / 320 = 0.01 lots exactly
    assert (at_min.lots, at_min.risk_money, at_min.hold) == (0.01, 3.2, False)
    below = size(balance=300.0)  # 3.00 / 320 = 0.0094 lots
    assert (below.lots, below.risk_money, below.hold) == (0.0, 0.0, True)
    assert below.note == (
        "HOLD: 1% of balance $300.00 (reported) = $3.00 at $320.00 per lot gives 0.0094 lots, "
        "below the minimum risk.min_lots 0.01"
    )


def test_fixed_lots_ignore_the_balance_and_carry_their_risk():
    risk = RiskConfig(sizing="fixed_lots", fixed_lots=0.5)
    got = size(balance=1.0, risk=risk)
    assert (got.lots, got.risk_money, got.note) == (0.5, 160.0, "fixed 0.5 lots → 0.5 lots")


def test_the_open_risk_cap_cuts_the_size_to_what_is_left():
    risk = PERCENT.model_copy(update={"max_open_risk_percent": 2.0})  # 200 of 10,000
    cut = size(risk=risk, open_risk=150.0)  # 50 left: 50 / 320 = 0.156 → 0.15
    assert (cut.lots, cut.risk_money) == (0.15, 48.0)
    assert "cut to the $50.00 left under risk.max_open_risk_percent" in cut.note
    free = size(risk=risk, open_risk=0.0)  # 200 left: the 1% budget (0.31 lots) fits
    assert free.lots == 0.31
    smallest = size(risk=risk, open_risk=196.8)  # 3.20 left: one minimum lot
    assert (smallest.lots, smallest.risk_money) == (0.01, 3.2)
    too_little = size(risk=risk, open_risk=197.0)  # 3.00 left: below the minimum
    assert too_little.hold and "below the minimum" in too_little.note
    full = size(risk=risk, open_risk=200.0)
    assert full.hold and full.note == (
        "HOLD: open risk $200.00 already uses the limit $200.00 "
        "(risk.max_open_risk_percent 2% of $10,000.00)"
    )
    unknown = size(risk=risk, open_risk=None)
    assert unknown.hold and "account.open_risk" in unknown.note


def test_the_cap_also_cuts_fixed_lots():
    risk = RiskConfig(sizing="fixed_lots", fixed_lots=0.5, max_open_risk_percent=2.0)
    got = size(risk=risk, open_risk=100.0)  # 100 left: 0.3125 → 0.31 instead of 0.5
    assert (got.lots, got.risk_money) == (0.31, 99.2)


def test_a_signal_without_a_stop_trades_fixed_lots_only():
    fixed = size(stop=None, risk=RiskConfig())
    assert (fixed.lots, fixed.risk_money, fixed.hold) == (0.1, None, False)
    held = size(stop=None)
    assert held.hold and "no stop-loss" in held.note


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"min_lots": 2.0, "max_lots": 1.0}, "risk.min_lots must not exceed risk.max_lots"),
        ({"fixed_lots": 0.015}, "risk.fixed_lots must be a whole number of risk.lot_step"),
        ({"min_lots": 0.05, "lot_step": 0.02}, "risk.min_lots must be a whole number"),
        ({"fixed_lots": 2.0}, "risk.fixed_lots must lie between risk.min_lots and risk.max_lots"),
    ],
)
def test_inconsistent_risk_keys_are_refused_naming_them(values: dict, message: str):
    from engine.config.store import validate

    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        validate({"risk": values}, source="test")
    assert Phase3Config().risk.sizing == "fixed_lots"  # the default trades what backtests do


def test_money_in_the_reasons_is_in_the_account_currency():
    risk = PERCENT.model_copy(update={"max_open_risk_percent": 2.0})
    got = position_size(
        stop_distance=3.20,
        balance=Balance(10_000.0, "reported"),
        open_risk=150.0,
        risk=risk,
        costs=NO_COSTS,
        currency="EUR",
    )
    assert got.note == (
        "1% of balance €10,000.00 (reported) = €100.00 at €320.00 per lot; cut to the €50.00 "
        "left under risk.max_open_risk_percent → 0.15 lots"
    )
