"""The flat one-row walk of a histogram gradient boosting model gives scikit-learn's
probabilities bit for bit, and anything it does not cover goes to scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from engine.learner.candidates import hyperparameters, make_pipeline
from engine.learner.flat_trees import FlatTrees
from engine.learner.row_proba import row_predictor


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 12))
    score = x[:, 0] - 0.5 * x[:, 3] + 0.3 * x[:, 5] * x[:, 7] + rng.normal(scale=0.7, size=3000)
    y = np.where(score > 0.6, 1, np.where(score < -0.6, -1, 0))  # like triple-barrier labels
    return x, y


def rows(x: np.ndarray) -> list[np.ndarray]:
    extremes = [np.full((1, x.shape[1]), v) for v in (-1e6, -3.0, 0.0, 3.0, 1e6)]
    return [x[[i]] for i in range(0, len(x), 25)] + extremes


def test_the_learner_pipeline_gives_identical_probabilities(data: tuple[np.ndarray, np.ndarray]):
    x, y = data
    params = hyperparameters("hist_gradient_boosting", None, 42)
    model = make_pipeline("hist_gradient_boosting", params, max_features=8, seed=42).fit(x, y)
    predict = row_predictor(model)
    assert predict != model.predict_proba  # the flat walk is used
    for row in rows(x):
        np.testing.assert_array_equal(predict(row), model.predict_proba(row))


@pytest.mark.parametrize(
    "params",
    [
        {"max_iter": 40, "max_depth": None, "max_leaf_nodes": 31},  # deep, uneven trees
        {"max_iter": 1, "max_depth": 1},  # a single stump per class
    ],
)
def test_a_bare_booster_and_two_classes(data: tuple[np.ndarray, np.ndarray], params: dict):
    x, y = data
    for labels in (y, (y > 0).astype(int)):
        model = HistGradientBoostingClassifier(random_state=0, **params).fit(x, labels)
        predict = row_predictor(model)
        for row in rows(x):
            np.testing.assert_array_equal(predict(row), model.predict_proba(row))


def test_what_it_does_not_cover_goes_to_scikit_learn(data: tuple[np.ndarray, np.ndarray]):
    x, y = data
    levels = (x[:, 0] > -0.5).astype(int) + (x[:, 0] > 0.5)  # a strong categorical feature
    booster = HistGradientBoostingClassifier(
        max_iter=20, categorical_features=[4], random_state=0
    ).fit(np.column_stack([x[:, 1:5], levels]), y)
    with pytest.raises(ValueError, match="numeric splits"):
        FlatTrees(booster)
    assert row_predictor(booster).__qualname__.startswith("_checked")
    flat = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    gap = x[[0]].copy()
    gap[0, 0] = np.nan  # scikit-learn's missing-value rule decides this row
    np.testing.assert_array_equal(row_predictor(flat)(gap), flat.predict_proba(gap))
