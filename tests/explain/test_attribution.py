"""Attributions on constructed data: the deciding feature leads, and they add up exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from engine.explain.attribution import attributions, model_inputs
from engine.learner.signals import BUY, SELL, class_column
from tests.explain.conftest import NAMES, decided_by_first, fitted

TREES = ["random_forest", "extra_trees", "hist_gradient_boosting", "lightgbm", "xgboost"]


@pytest.mark.parametrize("algorithm", TREES)
def test_the_deciding_feature_gets_the_largest_shap_values(algorithm: str):
    pytest.importorskip("shap")
    if algorithm in ("lightgbm", "xgboost"):
        pytest.importorskip(algorithm)
    x, y = decided_by_first()
    model = fitted(algorithm, x, y)
    attr = attributions(model, NAMES, x[:200])
    assert attr.method == "shap-tree"
    for side in ("long", "short"):
        strength = np.abs(attr.values[side]).mean(axis=0)
        assert attr.features[int(np.argmax(strength))] == "decider"
        assert strength.max() > 5 * np.sort(strength)[-2]


@pytest.mark.parametrize("algorithm", ["random_forest", "hist_gradient_boosting"])
def test_shap_values_and_the_expected_value_add_up_to_the_model_output(algorithm: str):
    pytest.importorskip("shap")
    x, y = decided_by_first()
    model = fitted(algorithm, x, y)
    rows = x[-50:]
    attr = attributions(model, NAMES, rows)
    out = (
        model.predict_proba(rows) if algorithm == "random_forest" else model.decision_function(rows)
    )
    assert attr.output.startswith("probability" if algorithm == "random_forest" else "log-odds")
    for side, label in (("long", BUY), ("short", SELL)):
        col = class_column(model.classes_, label)
        total = attr.base[side] + attr.values[side].sum(axis=1)
        np.testing.assert_allclose(total, out[:, col], atol=1e-6)


def test_a_linear_model_is_explained_by_coefficient_times_standardized_value():
    x, y = decided_by_first()
    model = fitted("logistic_regression", x, y)
    rows = x[:40]
    attr = attributions(model, NAMES, rows)
    assert attr.method == "linear" and "coefficient" in attr.note
    _, scaled, _ = model_inputs(model, NAMES, rows)
    lr = model.steps[-1][1]
    col = class_column(model.classes_, BUY)
    np.testing.assert_allclose(attr.values["long"], scaled * lr.coef_[col], atol=1e-12)
    total = attr.base["long"] + attr.values["long"].sum(axis=1)
    np.testing.assert_allclose(total, model.decision_function(rows)[:, col], atol=1e-9)
    strength = np.abs(attr.values["long"]).mean(axis=0)
    assert attr.features[int(np.argmax(strength))] == "decider"


def test_names_come_back_through_the_pipelines_selection():
    x, y = decided_by_first()
    model = fitted("hist_gradient_boosting", x, y, max_features=3)
    _, scaled, names = model_inputs(model, NAMES, x[:10])
    support = model.named_steps["select"].support_
    assert names == [n for n, keep in zip(NAMES, support, strict=True) if keep]
    assert len(names) == 3 and "decider" in names and scaled.shape == (10, 3)


def test_a_model_shap_cannot_explain_says_so():
    x, y = decided_by_first(600)
    model = Pipeline([("scale", StandardScaler()), ("model", KNeighborsClassifier())]).fit(x, y)
    attr = attributions(model, NAMES, x[:5])
    assert attr.method == "none" and attr.values == {}
    assert "does not support KNeighborsClassifier" in attr.note


def test_the_deciding_feature_gets_the_top_permutation_importance():
    """The learner's out-of-sample importance (what the Models page charts) on constructed data."""
    from engine.learner.evaluate import CandidateResult, Dataset
    from engine.learner.report import importance

    x, y = decided_by_first(4000)
    train, test = np.arange(3000), np.arange(3000, 4000)
    model = fitted("random_forest", x[train], y[train])
    winner = CandidateResult("random_forest", {}, last_fold_model=model, last_fold_test=test)
    data = Dataset(None, x, y, np.arange(4000), np.arange(4000), NAMES, None, None)  # type: ignore[arg-type]
    scores = importance(winner, data, seed=0)
    assert next(iter(scores)) == "decider"
    assert scores["decider"] > 0.3  # log-loss increase when the decider is shuffled
    assert all(abs(scores[n]) < 0.02 for n in NAMES[1:])
