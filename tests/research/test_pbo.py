"""PBO by combinatorially symmetric cross-validation on matrices whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.metrics.pbo import probability_of_backtest_overfitting as pbo


def test_a_candidate_best_in_every_period_is_never_overfit() -> None:
    rng = np.random.default_rng(1)
    m = rng.normal(0.0, 1.0, size=(12, 8))
    m[:, 3] = m.max(axis=1) + 1.0  # candidate 3 wins every period, hence every block
    result = pbo(m)
    assert result.pbo == 0.0
    assert result.n_groups == 12 and result.n_splits == math.comb(12, 6)
    assert all(x == pytest.approx(math.log(8)) for x in result.logits)  # rank N of N


def test_perfect_anti_persistence_is_always_overfit() -> None:
    # by hand: train on row 0 picks candidate 0, which is the worse of two on row 1 (rank 1,
    # omega 1/3, logit ln 0.5); the other split mirrors it
    result = pbo([[1.0, 0.0], [0.0, 1.0]])
    assert result.pbo == 1.0
    assert result.logits == pytest.approx((math.log(0.5), math.log(0.5)))


def test_hand_computed_four_by_two() -> None:
    # six splits of four one-row blocks; the in-sample winner is worse out-of-sample for
    # {0,1}, {0,2}, {1,3} and {2,3}, better for {0,3} and {1,2}: PBO = 4/6
    m = [[5.0, 0.0], [3.0, 1.0], [0.0, 3.0], [1.0, 7.0]]
    result = pbo(m)
    assert result.pbo == pytest.approx(4 / 6)
    assert sorted(result.logits) == pytest.approx([math.log(0.5)] * 4 + [math.log(2.0)] * 2)


def test_pure_noise_with_many_candidates_is_overfit_about_half_the_time() -> None:
    values = [pbo(np.random.default_rng(seed).normal(size=(16, 100))).pbo for seed in range(4)]
    assert np.mean(values) == pytest.approx(0.5, abs=0.08)


def test_odd_period_counts_drop_the_earliest_rows() -> None:
    # the first row would make candidate 1 the clear winner everywhere; it is dropped
    m = [[0.0, 100.0], [1.0, 0.0], [0.0, 1.0]]
    result = pbo(m)
    assert result.dropped_periods == 1 and result.n_groups == 2
    assert result.pbo == 1.0


def test_bad_matrices_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="N ≥ 2 candidates"):
        pbo([[1.0], [2.0]])
    with pytest.raises(ValueError, match="nan"):
        pbo([[1.0, math.nan], [2.0, 0.0]])
    with pytest.raises(ValueError, match="even"):
        pbo(np.zeros((6, 3)), n_groups=3)


@pytest.mark.parametrize("seed", range(3))
def test_the_vectorized_mean_path_equals_the_split_by_split_one(seed: int) -> None:
    """Integer results make ties (shared out-of-sample ranks, first in-sample best) common."""
    rng = np.random.default_rng(seed)
    m = rng.integers(-3, 4, size=(37, 6)).astype(float)
    fast = pbo(m)
    slow = pbo(m, measure=lambda rows: np.asarray(rows.mean(axis=0), dtype=float))
    assert fast.n_splits == slow.n_splits == 12870 and fast.dropped_periods == 5
    assert fast.pbo == slow.pbo
    assert np.allclose(fast.logits, slow.logits, rtol=0, atol=1e-12)
