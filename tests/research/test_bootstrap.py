"""Bootstrap confidence intervals on data whose interval is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.metrics.bootstrap import bootstrap_ci
from engine.metrics.trading import profit_factor


def test_the_mean_of_normal_trades_matches_the_textbook_interval() -> None:
    x = np.random.default_rng(7).normal(2.0, 10.0, size=900)
    ci = bootstrap_ci(x, np.mean, resamples=2000, seed=3)
    half = 1.96 * x.std(ddof=1) / math.sqrt(x.size)  # about 0.65
    assert ci.estimate == pytest.approx(x.mean())
    assert ci.low == pytest.approx(x.mean() - half, abs=0.08)
    assert ci.high == pytest.approx(x.mean() + half, abs=0.08)


def test_identical_trades_give_a_point_interval() -> None:
    ci = bootstrap_ci([5.0] * 30, np.sum)
    assert (ci.estimate, ci.low, ci.high) == (150.0, 150.0, 150.0)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another() -> None:
    x = np.random.default_rng(0).normal(size=200)
    a, b = bootstrap_ci(x, np.mean, seed=11), bootstrap_ci(x, np.mean, seed=11)
    assert (a.low, a.high) == (b.low, b.high)
    assert bootstrap_ci(x, np.mean, seed=12).low != a.low


def test_win_rate_interval_brackets_the_rate_and_stays_in_unit_range() -> None:
    x = np.array([1.0] * 60 + [-1.0] * 40)
    ci = bootstrap_ci(x, lambda p: float((p > 0).mean()))
    assert ci.estimate == 0.6
    assert 0.48 <= ci.low < 0.6 < ci.high <= 0.72  # ±1.96·sqrt(.24/100) ≈ ±0.096


def test_a_profit_factor_without_losses_counts_as_the_largest() -> None:
    ci = bootstrap_ci([3.0, 1.0, 2.0, -1.0], profit_factor, resamples=500)
    assert ci.estimate == 6.0 and ci.high == math.inf and ci.low < 6.0


def test_too_few_values_give_no_interval() -> None:
    ci = bootstrap_ci([4.0], np.mean)
    assert ci.estimate == 4.0 and math.isnan(ci.low) and math.isnan(ci.high)
