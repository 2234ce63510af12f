"""Every baseline at the model's entry bars: 50/50, the model's own side mix, always long, always
short; a model beats "the baseline" only when it beats the strongest of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.backtest import (
    BASELINES,
    CostModel,
    compare_with_baselines,
    prepare_market,
    simulate_on,
)
from engine.backtest.simulate import trade_frame
from tests.labels.bars import make_bars

RULES = {"take_profit": 1.0, "stop_loss": 1.0, "horizon": 20, "unit": "usd"}


def drifting_bars(n_bars: int, *, drift_per_tick: float, seed: int) -> pd.DataFrame:
    """A tick random walk with a drift, sampled into 5-minute bars."""
    rng = np.random.default_rng(seed)
    ticks = 20
    steps = rng.normal(drift_per_tick, 0.05, n_bars * ticks)
    path = 2000.0 + np.concatenate([[0.0], np.cumsum(steps)])
    segments = np.lib.stride_tricks.sliding_window_view(path, ticks + 1)[::ticks]
    rows = list(zip(segments[:, 0], segments.max(1), segments.min(1), segments[:, -1], strict=True))
    return make_bars(rows, 20)


def biased_signals(n: int, *, short_share: float, every: int, seed: int) -> np.ndarray:
    """A signal every `every` bars, short with probability `short_share`: no skill, a bias."""
    rng = np.random.default_rng(seed)
    signals = np.zeros(n, dtype=np.int64)
    signals[::every] = np.where(rng.random(len(signals[::every])) < short_share, -1, 1)
    return signals


@pytest.fixture(scope="module")
def falling() -> pd.DataFrame:
    return drifting_bars(12_000, drift_per_tick=-0.004, seed=5)


def test_a_short_biased_model_on_a_falling_market_does_not_beat_the_side_matched_baseline(
    falling: pd.DataFrame,
) -> None:
    costs = CostModel()
    market = prepare_market(falling, costs=costs, **RULES)
    model = simulate_on(
        market, biased_signals(len(falling), short_share=0.9, every=7, seed=1), costs
    )
    comp = compare_with_baselines(market, model, costs, seeds=20, initial_equity=10_000.0)
    by_name = {b.name: b for b in comp.baselines}
    assert list(by_name) == list(BASELINES)
    assert comp.trades == len(model) > 300
    assert comp.long_share == pytest.approx(float((model["side"] == "buy").mean()))
    # its bias alone beats coin flips in every seed ...
    assert comp.model_net_profit > 0
    assert by_name["random"].share_at_least_model == 0.0
    # ... but not the same bias at random, nor shorting everything
    assert comp.model_net_profit < by_name["always_short"].mean_net_profit
    assert 0.05 < by_name["side_matched"].share_at_least_model < 0.95
    assert comp.strongest is not None and comp.strongest.name == "always_short"
    assert not comp.beaten
    assert by_name["always_long"].mean_net_profit < 0 < by_name["always_short"].mean_net_profit
    records = comp.records()
    assert [r["strongest"] for r in records] == [False, False, False, True]


def test_side_matched_runs_keep_the_models_long_short_counts(falling: pd.DataFrame) -> None:
    costs = CostModel()
    market = prepare_market(falling, costs=costs, **RULES)
    model = simulate_on(
        market, biased_signals(len(falling), short_share=0.7, every=9, seed=2), costs
    )
    sides = np.where(model["side"] == "buy", 1, -1)
    run = np.random.default_rng((1, 0)).permutation(sides)
    trades = trade_frame(market, market.resolve(model["entry_index"].to_numpy() - 1, run), costs)
    assert (trades["side"] == "buy").sum() == (model["side"] == "buy").sum()
    assert trades["entry_index"].tolist() == model["entry_index"].tolist()


def test_a_model_that_sees_the_future_beats_every_baseline() -> None:
    bars = drifting_bars(6000, drift_per_tick=0.0, seed=9)
    close = bars["close"].to_numpy()
    ahead = np.roll(close, -20) - close
    signals = np.zeros(len(bars), dtype=np.int64)
    signals[::5] = np.where(ahead[::5] > 0, 1, -1)
    signals[-25:] = 0
    costs = CostModel()
    market = prepare_market(bars, costs=costs, **RULES)
    model = simulate_on(market, signals, costs)
    comp = compare_with_baselines(market, model, costs, seeds=5, initial_equity=10_000.0)
    assert comp.beaten
    assert all(b.share_at_least_model == 0.0 for b in comp.baselines)
