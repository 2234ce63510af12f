"""The random-direction baseline: reproducible, same timing as the model, loses the costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.backtest import (
    BacktestError,
    CostModel,
    baseline_summary,
    random_baseline,
    simulate_trades,
)
from tests.labels.bars import random_walk_bars

RULES = {"take_profit": 1.0, "stop_loss": 1.0, "horizon": 20, "unit": "usd"}


@pytest.fixture(scope="module")
def walk() -> pd.DataFrame:
    return random_walk_bars(60_000, seed=3)


@pytest.fixture(scope="module")
def signals(walk: pd.DataFrame) -> np.ndarray:
    return np.random.default_rng(1).choice([-1, 0, 1], size=len(walk), p=[0.3, 0.4, 0.3])


def test_same_seed_same_trades_and_the_models_timing(
    walk: pd.DataFrame, signals: np.ndarray
) -> None:
    bars = walk.iloc[:3000].reset_index(drop=True)
    sig = signals[:3000]
    one = random_baseline(bars, sig, seed=7, costs=CostModel(), **RULES)
    again = random_baseline(bars, sig, seed=7, costs=CostModel(), **RULES)
    other = random_baseline(bars, sig, seed=8, costs=CostModel(), **RULES)
    pd.testing.assert_frame_equal(one, again)
    assert not one["side"].equals(other["side"])
    model = simulate_trades(bars, sig, costs=CostModel(), **RULES)
    assert one["entry_index"].tolist() == model["entry_index"].tolist()


def test_driftless_expectancy_is_minus_the_costs(walk: pd.DataFrame, signals: np.ndarray) -> None:
    trades = random_baseline(walk, signals, seed=0, costs=CostModel(), **RULES)
    cost = (0.20 + 0.04) * 10 + 0.70
    assert trades["costs"].to_numpy() == pytest.approx(np.full(len(trades), cost))
    se = trades["net_profit"].std() / np.sqrt(len(trades))
    assert len(trades) > 2000
    assert abs(trades["net_profit"].mean() + cost) < 4 * se
    assert trades["net_profit"].mean() < 0


def test_summary_over_seeds(walk: pd.DataFrame, signals: np.ndarray) -> None:
    bars = walk.iloc[:5000].reset_index(drop=True)
    sig = signals[:5000]
    summary = baseline_summary(bars, sig, seeds=5, costs=CostModel(), **RULES)
    model = simulate_trades(bars, sig, costs=CostModel(), **RULES)
    assert summary.seeds == 5 and summary.trades == len(model)
    assert summary.model_net_profit == pytest.approx(model["net_profit"].sum())
    assert summary.mean_expectancy < 0
    assert 0.0 <= summary.share_at_least_model <= 1.0
    assert summary == baseline_summary(bars, sig, seeds=range(5), costs=CostModel(), **RULES)
    with pytest.raises(BacktestError, match="seed"):
        baseline_summary(bars, sig, seeds=[], costs=CostModel(), **RULES)
