"""Purged walk-forward splits: fold layout, purge/embargo rules, sklearn compatibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.validation import SplitError, WalkForwardSplit, label_end_positions


def folds(cv: WalkForwardSplit, n: int) -> list[tuple[list[int], list[int]]]:
    """Splits of ``n`` samples as plain lists."""
    return [(tr.tolist(), te.tolist()) for tr, te in cv.split(np.zeros((n, 1)))]


def test_expanding_layout_like_time_series_split() -> None:
    assert folds(WalkForwardSplit(3), 12) == [
        (list(range(3)), [3, 4, 5]),
        (list(range(6)), [6, 7, 8]),
        (list(range(9)), [9, 10, 11]),
    ]


def test_test_size_and_leftover_go_to_the_first_training_window() -> None:
    out = folds(WalkForwardSplit(2, test_size=3), 11)
    assert out == [(list(range(5)), [5, 6, 7]), (list(range(8)), [8, 9, 10])]


def test_purge_drops_samples_right_before_the_test_fold() -> None:
    out = folds(WalkForwardSplit(2, test_size=3, purge=2), 11)
    assert out[0][0] == [0, 1, 2]
    assert out[1][0] == [0, 1, 2, 3, 4, 5]


def test_label_end_purges_labels_reaching_into_the_test_fold() -> None:
    label_end = np.minimum(np.arange(12) + 2, 11)  # each label needs the next two bars
    out = folds(WalkForwardSplit(3, label_end=label_end), 12)
    assert out[0] == ([0], [3, 4, 5])
    assert out[2] == ([0, 1, 2, 3, 4, 5, 6], [9, 10, 11])


def test_rolling_window_with_max_train_size() -> None:
    out = folds(WalkForwardSplit(3, test_size=2, max_train_size=4), 12)
    assert [tr for tr, _ in out] == [[2, 3, 4, 5], [4, 5, 6, 7], [6, 7, 8, 9]]


def test_future_training_with_embargo_and_label_overlap() -> None:
    label_end = np.minimum(np.arange(20) + 2, 19)
    cv = WalkForwardSplit(3, embargo=2, label_end=label_end, allow_future_train=True)
    out = folds(cv, 20)
    assert out[0] == (list(range(10, 20)), [2, 3, 4, 5, 6, 7])  # test labels reach bar 9
    assert out[1] == ([0, 1, 2, 3, 4, 5, 16, 17, 18, 19], list(range(8, 14)))
    without = folds(WalkForwardSplit(3, embargo=2, allow_future_train=True), 20)
    assert without[1][0] == [*range(8), 16, 17, 18, 19]


def test_embargo_has_no_effect_on_a_forward_walk() -> None:
    assert folds(WalkForwardSplit(3, embargo=5), 20) == folds(WalkForwardSplit(3), 20)


def test_a_forward_walk_keeps_the_bars_after_earlier_test_windows_and_still_purges() -> None:
    """Bars 10-11 follow the first test window: they open the second one and are plain past
    data for the third fold, whose own test window starts at 15; only purging touches them."""
    label_end = np.minimum(np.arange(20) + 1, 19)
    cv = WalkForwardSplit(3, test_size=5, purge=2, embargo=2, label_end=label_end)
    assert folds(cv, 20) == [
        ([0, 1, 2], [5, 6, 7, 8, 9]),
        (list(range(8)), [10, 11, 12, 13, 14]),
        (list(range(13)), [15, 16, 17, 18, 19]),
    ]
    no_purge = WalkForwardSplit(3, test_size=5, embargo=2, label_end=label_end)
    assert folds(no_purge, 20)[2][0] == list(range(14))  # label of bar 14 ends at 15: purged


@pytest.mark.parametrize(
    ("cv", "n", "match"),
    [
        (WalkForwardSplit(5), 5, "too few samples"),
        (WalkForwardSplit(3, test_size=5), 15, "fold 1 of 3 has 0 training"),
        (WalkForwardSplit(3, min_train_size=10), 20, "fewer than the 10 required"),
        (WalkForwardSplit(0), 20, "n_splits"),
        (WalkForwardSplit(2, purge=-1), 20, "purge"),
        (WalkForwardSplit(2, test_size=2.5), 20, "test_size"),  # type: ignore[arg-type]
        (WalkForwardSplit(2, label_end=np.arange(5)), 20, "one entry per sample"),
        (WalkForwardSplit(2, label_end=np.arange(20) - 1), 20, r"label_end\[0\] = -1"),
        (WalkForwardSplit(2, max_train_size=5, allow_future_train=True), 20, "forward"),
    ],
)
def test_bad_parameters_are_refused(cv: WalkForwardSplit, n: int, match: str) -> None:
    with pytest.raises(SplitError, match=match):
        folds(cv, n)
    assert issubclass(SplitError, ValueError)


def test_label_end_positions_converts_bar_indices() -> None:
    bars = np.array([3, 4, 5, 7, 8])
    ends = np.array([5, 6, 7, 9, 8])
    assert label_end_positions(bars, ends).tolist() == [2, 2, 3, 4, 4]
    with pytest.raises(SplitError):
        label_end_positions(bars, ends - 3)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 120),
    n_splits=st.integers(1, 6),
    purge=st.integers(0, 10),
    embargo=st.integers(0, 10),
    future=st.booleans(),
    max_train=st.one_of(st.none(), st.integers(1, 50)),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_label_window_touches_its_test_fold(
    n: int,
    n_splits: int,
    purge: int,
    embargo: int,
    future: bool,
    max_train: int | None,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    label_end = np.minimum(np.arange(n) + rng.integers(0, 15, n), n - 1)
    cv = WalkForwardSplit(
        n_splits,
        purge=purge,
        embargo=embargo,
        label_end=label_end,
        allow_future_train=future,
        max_train_size=None if future else max_train,
    )
    try:
        out = list(cv.split(np.zeros((n, 2))))
    except SplitError:
        assume(False)
        return
    assert len(out) == cv.get_n_splits() == n_splits
    previous_end = -1
    for train, test in out:
        start, stop = int(test[0]), int(test[-1])
        assert np.array_equal(test, np.arange(start, stop + 1))
        assert start > previous_end
        previous_end = stop
        assert train.size > 0 and np.intersect1d(train, test).size == 0
        assert not np.any((train <= stop) & (label_end[train] >= start))
        assert not np.any((train < start) & (train >= start - purge))
        if future:
            assert not np.any((train > stop) & (train <= stop + embargo))
        else:
            assert np.all(train < start)
            if max_train is not None:
                assert train.size <= max_train


def test_works_in_cross_val_score_and_cross_validate(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    label_end = np.minimum(np.arange(len(y)) + 5, len(y) - 1)
    cv = WalkForwardSplit(4, purge=3, label_end=label_end)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    scores = cross_val_score(pipe, x, y, cv=cv)
    assert scores.shape == (4,) and np.all(scores > 0.6)
    result = cross_validate(pipe, x, y, cv=cv, return_indices=True)
    for train, test in zip(result["indices"]["train"], result["indices"]["test"], strict=True):
        assert train.max() < test.min() - 3


def test_repr_shows_parameters() -> None:
    text = repr(WalkForwardSplit(3, purge=2, label_end=np.arange(7)))
    assert text.startswith("WalkForwardSplit(n_splits=3")
    assert "purge=2" in text and "label_end=<7 label ends>" in text
