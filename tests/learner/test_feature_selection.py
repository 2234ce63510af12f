"""The voting selector keeps the informative columns and is a well-behaved transformer."""

from __future__ import annotations

import numpy as np

from engine.learner.feature_selection import VotingSelector
from engine.learner.signals import BUY, HOLD, SELL, signals_from_proba


def test_voting_keeps_the_columns_that_carry_the_label():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 30))
    score = x[:, 3] + x[:, 7]
    y = np.where(score > 0.5, 1, np.where(score < -0.5, -1, 0))
    selector = VotingSelector(4, random_state=0).fit(x, y)
    kept = set(np.flatnonzero(selector.get_support()))
    assert {3, 7} <= kept and len(kept) == 4
    assert selector.transform(x).shape == (3000, 4)


def test_asking_for_more_features_than_exist_keeps_all():
    x = np.random.default_rng(1).normal(size=(100, 5))
    y = (x[:, 0] > 0).astype(int)
    assert VotingSelector(10).fit(x, y).get_support().all()


def test_signals_need_the_threshold_and_the_larger_side():
    proba = np.array([[0.1, 0.3, 0.6], [0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.46, 0.08, 0.46]])
    sig = signals_from_proba(proba, np.array([-1, 0, 1]), min_confidence=0.45)
    assert list(sig.signal) == [BUY, SELL, HOLD, HOLD]
    assert list(sig.confidence) == [0.6, 0.5, 0.0, 0.0]


def test_a_folds_vote_is_computed_once_for_every_candidate_and_equals_a_fresh_one():
    from concurrent.futures import ThreadPoolExecutor

    from engine.learner.feature_selection import selection_memo

    rng = np.random.default_rng(5)
    x = rng.normal(size=(2500, 25))
    y = np.where(x[:, 2] - x[:, 9] > 0.4, 1, np.where(x[:, 2] - x[:, 9] < -0.4, -1, 0))
    memo = selection_memo()
    memo.clear()
    with ThreadPoolExecutor(3) as pool:  # three candidates fitting the same fold at once
        fits = list(pool.map(lambda _: VotingSelector(6, random_state=3).fit(x, y), range(3)))
    assert (memo.misses, memo.hits) == (1, 2)
    memo.clear()
    fresh = VotingSelector(6, random_state=3).fit(x, y)  # recomputed
    assert memo.misses == 1 and memo.hits == 0
    for fit in fits:
        assert np.array_equal(fit.support_, fresh.support_)
        assert np.array_equal(fit.scores_, fresh.scores_)
    fits[0].support_[:] = False  # a fitted selector's arrays are its own, not the memo's
    assert VotingSelector(6, random_state=3).fit(x, y).support_.sum() == 6
    other_seed = VotingSelector(6, random_state=4).fit(x, y)  # another input: its own vote
    other_rows = VotingSelector(6, random_state=3).fit(x[:-1], y[:-1])
    assert memo.misses == 3
    assert other_seed.support_.sum() == other_rows.support_.sum() == 6


def test_the_vote_does_not_depend_on_numpys_global_random_state():
    """The L1 ranking's solver shuffles rows: with its own seed, whatever drew from numpy's global
    generator before (another test, another session in the process) cannot move the scores.
    Unseeded, they moved by ~1e-5 here and can reorder near-tied ranks."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1500, 12))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=1500) > 0.3, 1, -1)
    scores = []
    for state in (0, 1):
        np.random.seed(state)
        scores.append(VotingSelector(4, random_state=0)._scores(x, y))
    for first, second in zip(*scores, strict=True):
        assert np.array_equal(first, second)
