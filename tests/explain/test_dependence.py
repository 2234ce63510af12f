"""Partial dependence on constructed data: a monotone relation gives a monotone curve."""

from __future__ import annotations

import numpy as np

from engine.explain.dependence import dependence_curves
from tests.explain.conftest import NAMES, fitted


def test_partial_dependence_of_a_monotone_relation_is_monotone():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, len(NAMES)))
    p_long = 1 / (1 + np.exp(-2.5 * x[:, 0]))  # the higher the decider, the likelier long wins
    y = np.where(rng.random(4000) < p_long, 1, -1)
    model = fitted("logistic_regression", x, y)
    (curve,) = dependence_curves(model, x[:400], NAMES, ["decider"], points=15)
    assert curve.feature == "decider" and len(curve.grid) == 15
    assert np.all(np.diff(curve.grid) > 0)
    assert np.all(np.diff(curve.p_long) > 0) and np.all(np.diff(curve.p_short) < 0)
    np.testing.assert_allclose(np.add(curve.p_long, curve.p_short), 1.0, atol=1e-9)
    assert curve.p_long[0] < 0.25 and curve.p_long[-1] > 0.75


def test_a_tree_model_follows_the_same_monotone_relation():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4000, len(NAMES)))
    y = np.where(x[:, 0] > 0.4, 1, np.where(x[:, 0] < -0.4, -1, 0))
    model = fitted("hist_gradient_boosting", x, y)
    (curve,) = dependence_curves(model, x[:400], NAMES, ["decider"], points=12)
    assert curve.p_long[-1] - curve.p_long[0] > 0.8
    assert curve.p_short[0] - curve.p_short[-1] > 0.8
    assert np.all(np.diff(curve.p_long) > -0.02)  # monotone up to the trees' steps
