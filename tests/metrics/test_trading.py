"""Trade-level metrics against values worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.metrics import (
    average_loss,
    average_win,
    drawdown_series,
    equity_curve,
    expectancy,
    max_drawdown,
    net_profit,
    payoff_ratio,
    profit_factor,
    win_rate,
)
from engine.metrics.trading import rolling_win_rate_and_profit_factor

PROFITS = [100.0, -50.0, -100.0, 200.0, -20.0]


def test_equity_curve_starts_at_initial_and_has_n_plus_one_points() -> None:
    # 1000 -> +100 = 1100 -> -50 = 1050 -> -100 = 950 -> +200 = 1150 -> -20 = 1130
    curve = equity_curve(PROFITS, initial_equity=1000.0)
    assert curve.tolist() == [1000.0, 1100.0, 1050.0, 950.0, 1150.0, 1130.0]
    assert equity_curve([]).tolist() == [0.0]


def test_drawdown_series_is_equity_minus_running_peak() -> None:
    # running peak: 1000, 1100, 1100, 1100, 1150, 1150
    dd = drawdown_series([1000.0, 1100.0, 1050.0, 950.0, 1150.0, 1130.0])
    assert dd.tolist() == [0.0, 0.0, -50.0, -150.0, 0.0, -20.0]
    assert drawdown_series([]).size == 0


def test_max_drawdown_on_hand_made_series() -> None:
    # Peak 1100 at index 1, valley 950 at index 3: 150 lost = 150 / 1100 = 13.6363...%;
    # equity is back at >= 1100 at index 4 (1150).
    dd = max_drawdown(PROFITS, initial_equity=1000.0)
    assert dd.amount == 150.0
    assert dd.percent == pytest.approx(13.636363636, abs=1e-8)
    assert (dd.peak_index, dd.valley_index, dd.recovery_index) == (1, 3, 4)
    assert (dd.peak_equity, dd.valley_equity) == (1100.0, 950.0)


def test_max_drawdown_never_recovered_and_peak_is_last_touch() -> None:
    # equity 0, 10, 10, 10, 5, 0: peak 10 last touched at index 3, valley 0 at index 5.
    dd = max_drawdown([10.0, 0.0, 0.0, -5.0, -5.0])
    assert (dd.amount, dd.peak_index, dd.valley_index, dd.recovery_index) == (10.0, 3, 5, None)
    assert dd.percent == 100.0


def test_max_drawdown_percent_zero_when_peak_not_positive() -> None:
    # equity 0, -10, -30: peak 0 at start, so percent is defined as 0.
    dd = max_drawdown([-10.0, -20.0])
    assert (dd.amount, dd.percent, dd.peak_index, dd.valley_index) == (30.0, 0.0, 0, 2)


def test_max_drawdown_empty_and_rising() -> None:
    empty = max_drawdown([], initial_equity=0.0)
    assert (empty.amount, empty.percent, empty.peak_index, empty.valley_index) == (0.0, 0.0, 0, 0)
    assert empty.recovery_index is None
    assert (empty.peak_equity, empty.valley_equity) == (0.0, 0.0)
    rising = max_drawdown([1.0, 2.0], initial_equity=100.0)
    assert (rising.amount, rising.recovery_index, rising.peak_equity) == (0.0, None, 100.0)


def test_wilson_interval_seven_of_ten() -> None:
    # z = 1.959964, z² = 3.841459, n = 10, p = 0.7
    # centre = (0.7 + 3.841459/20) / (1 + 3.841459/10) = 0.892073 / 1.384146 = 0.644490
    # half = 1.959964/1.384146 * sqrt(0.021 + 3.841459/400) = 1.415999 * 0.174939 = 0.247714
    # -> [0.3968, 0.8922] (the textbook value for 7 of 10)
    wr = win_rate([1.0] * 7 + [-1.0] * 3)
    assert (wr.wins, wr.trades, wr.rate) == (7, 10, 0.7)
    assert wr.low == pytest.approx(0.3968, abs=1e-4)
    assert wr.high == pytest.approx(0.8922, abs=1e-4)
    assert wr.low + wr.high == pytest.approx(2 * 0.644490, abs=1e-5)


def test_win_rate_zero_trades_and_zero_profit_is_not_a_win() -> None:
    wr = win_rate([])
    assert math.isnan(wr.rate)
    assert (wr.low, wr.high, wr.wins, wr.trades) == (0.0, 1.0, 0, 0)
    flat = win_rate([0.0, 5.0])
    assert (flat.wins, flat.trades, flat.rate) == (1, 2, 0.5)


def test_win_rate_interval_widens_with_confidence_and_stays_in_unit_range() -> None:
    narrow, wide = win_rate([1.0] * 10, confidence=0.8), win_rate([1.0] * 10, confidence=0.99)
    assert wide.low < narrow.low <= narrow.high == wide.high == 1.0
    assert win_rate([-1.0] * 4).low == 0.0
    with pytest.raises(ValueError, match="confidence"):
        win_rate([1.0], confidence=1.0)


def test_profit_factor() -> None:
    # gross profit 300, gross loss 170 -> 1.7647...
    assert profit_factor(PROFITS) == pytest.approx(300.0 / 170.0)
    assert profit_factor([5.0, 0.0, 3.0]) == math.inf
    assert math.isnan(profit_factor([]))
    assert math.isnan(profit_factor([0.0, 0.0]))
    assert profit_factor([-1.0]) == 0.0


def test_rolling_win_rate_and_profit_factor_equal_the_one_window_metrics() -> None:
    profits = [10.0, -5.0, 0.0, 3.0, -1.0, 7.0, 2.0, 4.0, -2.0]
    ends = np.array([3, 5, 8, 9])
    rates, factors = rolling_win_rate_and_profit_factor(profits, window=3, ends=ends)
    assert list(rates) == [win_rate(profits[e - 3 : e]).rate for e in ends]
    assert list(factors) == pytest.approx([profit_factor(profits[e - 3 : e]) for e in ends])
    assert math.isinf(factors[2])  # [7, 2, 4]: no loss
    # as profit_factor: a window without a loss is inf, one with neither gain nor loss nan
    wins, inf = rolling_win_rate_and_profit_factor([1.0, 2.0], window=2, ends=np.array([2]))
    _, flat = rolling_win_rate_and_profit_factor([0.0, 0.0], window=2, ends=np.array([2]))
    assert list(wins) == [1.0] and math.isinf(inf[0]) and math.isnan(flat[0])


def test_expectancy_and_averages() -> None:
    # sum 130 over 5 trades = 26; wins 100, 200 -> 150; losses -50, -100, -20 -> -56.666...
    assert expectancy(PROFITS) == pytest.approx(26.0)
    assert net_profit(PROFITS) == 130.0
    assert average_win(PROFITS) == 150.0
    assert average_loss(PROFITS) == pytest.approx(-170.0 / 3.0)
    assert payoff_ratio(PROFITS) == pytest.approx(150.0 / (170.0 / 3.0))
    for fn in (expectancy, average_win, average_loss, payoff_ratio):
        assert math.isnan(fn([]))
    assert math.isnan(average_loss([1.0])) and math.isnan(payoff_ratio([1.0]))
    assert net_profit([]) == 0.0


def test_rejects_two_dimensional_input() -> None:
    with pytest.raises(ValueError, match="1-D"):
        expectancy(np.ones((2, 2)))


money = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(money, max_size=60), st.floats(min_value=0.0, max_value=1e6))
def test_drawdown_properties(profits: list[float], cushion: float) -> None:
    # Start above the worst cumulative loss, so equity stays positive and percent <= 100.
    worst = max(0.0, -min(np.cumsum([0.0, *profits])))
    initial = worst + cushion + 1.0
    dd = max_drawdown(profits, initial_equity=initial)
    curve = equity_curve(profits, initial_equity=initial)
    assert dd.amount >= 0.0
    assert 0.0 <= dd.percent <= 100.0
    assert curve[-1] == pytest.approx(initial + math.fsum(profits), rel=1e-9, abs=1e-6)
    assert dd.peak_index <= dd.valley_index
    assert dd.recovery_index is None or dd.recovery_index > dd.valley_index
