"""The shadow edge test: a one-sided Welch t-test on per-trade net profits, checked on samples
whose answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from engine.metrics.significance import welch_edge_test


def test_a_hand_worked_example():
    """a = 2, 4, 6 (mean 4, variance 4); b = 1, 1, 3, 3 (mean 2, variance 4/3). The squared
    standard error is 4/3 + 1/3 = 5/3, so t = 2 / sqrt(5/3) = sqrt(2.4) and the Welch degrees of
    freedom are (5/3)^2 / ((4/3)^2 / 2 + (1/3)^2 / 3) = 3. Student's t with 3 degrees of freedom
    has the closed form F(t) = 1/2 + (t / (sqrt(3) (1 + t^2/3)) + atan(t / sqrt(3))) / pi."""
    test = welch_edge_test([2, 4, 6], [1, 1, 3, 3], min_trades=3)
    t = math.sqrt(2.4)
    cdf = 0.5 + (t / (math.sqrt(3) * (1 + t * t / 3)) + math.atan(t / math.sqrt(3))) / math.pi
    assert test.challenger_mean == 4.0 and test.champion_mean == 2.0 and test.edge == 2.0
    assert test.t_stat == pytest.approx(t, rel=1e-12)
    assert test.dof == pytest.approx(3.0, rel=1e-12)
    assert test.p_value == pytest.approx(1 - cdf, rel=1e-9)
    assert test.p_value == pytest.approx(0.109551, abs=1e-6)
    assert (test.challenger_trades, test.champion_trades) == (3, 4)


def test_agrees_with_scipy_on_unequal_samples():
    rng = np.random.default_rng(3)
    a, b = rng.normal(1.5, 8.0, 57), rng.normal(0.0, 3.0, 140)
    test = welch_edge_test(a, b, min_trades=30)
    ref = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    assert test.t_stat == pytest.approx(ref.statistic, rel=1e-12)
    assert test.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_equal_samples_have_no_edge_and_p_one_half():
    same = [5.0, -3.0, 2.0, -1.0]
    test = welch_edge_test(same, same)
    assert test.edge == 0.0 and test.t_stat == 0.0 and test.p_value == pytest.approx(0.5)
    assert not test.significant(0.05)


def test_the_one_sided_p_values_of_the_two_directions_add_up_to_one():
    a, b = [3.0, -1.0, 4.0, 1.0, -5.0, 9.0], [2.0, 6.0, -5.0, 3.0]
    assert welch_edge_test(a, b).p_value + welch_edge_test(b, a).p_value == pytest.approx(1.0)


def test_a_clear_edge_is_significant_and_a_clear_deficit_is_not():
    rng = np.random.default_rng(7)
    noise = rng.normal(0.0, 1.0, 200)
    better = welch_edge_test(noise + 2.0, noise[::-1], min_trades=30)
    assert better.p_value < 1e-12 and better.significant(0.05)
    assert "significant edge (p = 0.000" in better.verdict(0.05)
    worse = welch_edge_test(noise[::-1], noise + 2.0, min_trades=30)
    assert worse.p_value > 1 - 1e-12 and not worse.significant(0.05)
    assert worse.verdict(0.05).startswith("no significant edge (p = 1.000")


def test_below_the_minimum_only_means_are_given():
    test = welch_edge_test([1.0] * 12, [0.0, 2.0] * 20, min_trades=30)
    assert test.challenger_trades == 12 and test.champion_trades == 40
    assert test.edge == 0.0 and math.isnan(test.p_value) and not test.enough
    assert test.verdict(0.05) == "not enough trades (12 vs 40; 30 each needed)"
    empty = welch_edge_test([], [1.0, 2.0])
    assert math.isnan(empty.challenger_mean) and math.isnan(empty.edge)
    assert not empty.significant(0.5)


def test_samples_without_spread():
    assert welch_edge_test([2.0, 2.0], [1.0, 1.0]).p_value == 0.0
    assert welch_edge_test([1.0, 1.0], [2.0, 2.0]).p_value == 1.0
    assert math.isnan(welch_edge_test([1.0, 1.0], [1.0, 1.0]).p_value)


def test_a_minimum_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        welch_edge_test([1.0], [2.0], min_trades=1)
