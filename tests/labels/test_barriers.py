"""The vectorised first-touch routine agrees with a plain bar-by-bar loop on random bars."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.labels import STOP_LOSS, TAKE_PROFIT, TIME, UNRESOLVED, BarPrices, barrier_trades


def naive(prices: BarPrices, t: int, side: int, tp_d: float, sl_d: float, s: float, h: int):
    """Reference: walk the bars one by one with the documented rules."""
    e = t + 1
    if e + h > len(prices):
        return UNRESOLVED, -1, np.nan
    shift = 0.0 if side > 0 else s
    entry = prices.open[e] + (s if side > 0 else 0.0)
    tp, sl = entry + side * tp_d, entry - side * sl_d
    for k in range(e, e + h):
        hi, lo, op = prices.high[k] + shift, prices.low[k] + shift, prices.open[k] + shift
        tp_hit = hi >= tp if side > 0 else lo <= tp
        sl_hit = lo <= sl if side > 0 else hi >= sl
        if sl_hit:
            return STOP_LOSS, k, min(sl, op) if side > 0 else max(sl, op)
        if tp_hit:
            return TAKE_PROFIT, k, tp
    return TIME, e + h - 1, prices.close[e + h - 1] + shift


def random_prices(seed: int, n: int) -> BarPrices:
    """Random-walk bars with gaps between bars."""
    rng = np.random.default_rng(seed)
    opens = 100 + np.cumsum(rng.normal(0, 0.5, n))
    closes = opens + rng.normal(0, 0.5, n)
    highs = np.maximum(opens, closes) + rng.exponential(0.3, n)
    lows = np.minimum(opens, closes) - rng.exponential(0.3, n)
    return BarPrices(opens, highs, lows, closes)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    horizon=st.integers(1, 8),
    side=st.sampled_from([1, -1]),
    tp_d=st.floats(0.05, 2.0),
    sl_d=st.floats(0.05, 2.0),
    spread=st.floats(0.0, 0.5),
)
def test_vectorised_matches_loop(
    seed: int, n: int, horizon: int, side: int, tp_d: float, sl_d: float, spread: float
) -> None:
    prices = random_prices(seed, n)
    t = np.arange(n)
    got = barrier_trades(
        prices,
        t,
        side,
        tp_distance=np.full(n, tp_d),
        sl_distance=np.full(n, sl_d),
        spread=np.full(n, spread),
        horizon=horizon,
    )
    for i in range(n):
        reason, exit_index, exit_price = naive(prices, i, side, tp_d, sl_d, spread, horizon)
        assert got.reason[i] == reason
        assert got.exit_index[i] == exit_index
        np.testing.assert_allclose(got.exit_price[i], exit_price, equal_nan=True)


def test_non_finite_barriers_are_unresolved() -> None:
    prices = random_prices(1, 10)
    tp = np.full(10, 1.0)
    tp[2] = np.nan
    got = barrier_trades(
        prices, np.arange(5), 1, tp_distance=tp, sl_distance=tp, spread=np.zeros(10), horizon=2
    )
    assert got.reason.tolist()[2] == UNRESOLVED
    assert got.resolved.tolist() == [True, True, False, True, True]
