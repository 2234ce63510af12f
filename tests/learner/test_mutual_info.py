"""The feature selection's mutual information equals scikit-learn's bit for bit, only faster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_selection import mutual_info_classif as sklearn_mi

from engine.learner.mutual_info import _tree_path, mutual_info_classif
from tests.conftest import SHARED_DATA

REAL_M5 = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    rows=st.integers(12, 1500),
    columns=st.integers(1, 6),
    scale=st.sampled_from([1e-4, 1.0, 1e4]),
    decimals=st.sampled_from([None, 0, 1, 2]),
    classes=st.sampled_from([(0, 1), (-1, 0, 1), (-1, 1)]),
    n_neighbors=st.sampled_from([1, 2, 3, 5]),
)
def test_equals_scikit_learn_on_any_columns_ties_and_labels(
    seed: int,
    rows: int,
    columns: int,
    scale: float,
    decimals: int | None,
    classes: tuple[int, ...],
    n_neighbors: int,
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_t(3, size=(rows, columns)) * scale
    if decimals is not None:  # prices on a tick grid: many equal values
        x = np.round(x, decimals)
    if columns > 1:
        x[:, -1] = 7.0  # a constant column
    y = rng.choice(np.array(classes), size=rows)
    ours = mutual_info_classif(x, y, n_neighbors=n_neighbors, random_state=seed)
    theirs = sklearn_mi(x, y, n_neighbors=n_neighbors, random_state=seed)
    assert ours.dtype == theirs.dtype  # all-zero answers are integers in both
    np.testing.assert_array_equal(ours, theirs)


def test_a_class_too_small_for_the_tree_takes_scikit_learns_own_path() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    y = np.r_[np.zeros(195, dtype=int), np.ones(5, dtype=int)]  # 5 rows: k=3 >= 5 // 2
    assert not _tree_path(y, 3) and _tree_path(y, 1)
    for k in (1, 3):
        np.testing.assert_array_equal(
            mutual_info_classif(x, y, n_neighbors=k, random_state=0),
            sklearn_mi(x, y, n_neighbors=k, random_state=0),
        )


def test_a_column_that_carries_the_label_scores_above_noise() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3000, 3))
    y = (x[:, 1] + 0.3 * rng.normal(size=3000) > 0).astype(int)
    mi = mutual_info_classif(x, y, random_state=0)
    assert mi[1] > 0.3 and mi[0] < 0.02 and mi[2] < 0.02


@pytest.mark.realdata
def test_equals_scikit_learn_on_features_of_the_real_m5_file() -> None:
    if not REAL_M5.exists():
        pytest.skip(f"real data not found at {REAL_M5} (a user's clone has no ../shared)")
    import pandas as pd

    bars = pd.read_csv(REAL_M5, sep="\t", nrows=6000)
    close = bars["<CLOSE>"].to_numpy(dtype=float)
    spread = bars["<SPREAD>"].to_numpy(dtype=float)
    rows = slice(60, len(close) - 12)
    returns = [close[rows] - close[rows.start - lag : rows.stop - lag] for lag in (1, 3, 12, 48)]
    forward = close[rows.start + 12 : rows.stop + 12] - close[rows]
    y = np.where(forward > 1.0, 1, np.where(forward < -1.0, -1, 0))
    x = np.column_stack([*returns, spread[rows], bars["<TICKVOL>"].to_numpy(float)[rows]])
    np.testing.assert_array_equal(
        mutual_info_classif(x, y, n_neighbors=3, random_state=42),
        sklearn_mi(x, y, n_neighbors=3, random_state=42),
    )
