"""One row's probabilities without scikit-learn's per-call checks, for the serving path.

`Pipeline.predict_proba` validates the row again in every step (shapes, dtypes, feature names,
fitted state, array namespaces): most of a signal's model time, while the arithmetic is a few
microseconds. The steps the learner builds (`VotingSelector`, `StandardScaler`, then a
`LogisticRegression` of three or more classes or a `HistGradientBoostingClassifier`) are applied
here with the same numpy operations in the same order, so the probabilities are the same bit
for bit (tests hold them equal on many rows). Any other step, estimator or row (not one finite
row of the fitted width) goes to scikit-learn, with its checks, on one OpenMP thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.learner.feature_selection import VotingSelector
from engine.learner.flat_trees import FlatTrees

RowProba = Callable[[np.ndarray], np.ndarray]
Step = Callable[[np.ndarray], np.ndarray]


def row_predictor(model: Any) -> RowProba:
    """`model.predict_proba` for one (1, n) row: the quick path where every step allows it."""
    from sklearn.pipeline import Pipeline

    steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
    head = [_quick_step(step) for step in steps[:-1]]
    last = _quick_last(steps[-1])
    checked = _checked(model.predict_proba)
    if last is None or any(step is None for step in head):
        return checked
    width = int(getattr(model, "n_features_in_", -1))

    def predict_proba(row: np.ndarray) -> np.ndarray:
        if row.shape != (1, width) or row.dtype != np.float64 or not np.isfinite(row).all():
            return checked(row)
        x = row
        for step in head:
            x = step(x)  # type: ignore[misc]
        if not np.isfinite(x).all():  # scaling overflowed: scikit-learn's rules decide
            return checked(row)
        return last(x)

    return predict_proba


def _checked(predict_proba: RowProba) -> RowProba:
    """scikit-learn's own path, its OpenMP threads limited to one (a single row only pays for
    their wake-ups: on a busy machine a boosting model's p99 reached a second)."""
    import sklearn
    from threadpoolctl import ThreadpoolController

    openmp = ThreadpoolController().select(user_api="openmp")

    def run(row: np.ndarray) -> np.ndarray:
        with sklearn.config_context(assume_finite=True), openmp.limit(limits=1):
            return np.asarray(predict_proba(row))

    return run


def _quick_step(step: Any) -> Step | None:
    """A head step's `transform` without its checks (None: not one this module knows)."""
    from sklearn.preprocessing import StandardScaler

    if type(step) is VotingSelector and hasattr(step, "support_"):
        support = step.support_
        return lambda x: x[:, support]
    if type(step) is StandardScaler and hasattr(step, "n_features_in_"):
        mean = step.mean_ if step.with_mean else None
        scale = step.scale_ if step.with_std else None

        def scaled(x: np.ndarray) -> np.ndarray:
            x = np.array(x, dtype=np.float64, copy=True)  # transform works on a copy
            if mean is not None:
                x -= mean.astype(x.dtype)
            if scale is not None:
                x /= scale.astype(x.dtype)
            return x

        return scaled
    return None


def _quick_last(estimator: Any) -> Step | None:
    """The final estimator's `predict_proba` for one checked row (None: not covered)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    if type(estimator) is HistGradientBoostingClassifier:
        try:
            flat = FlatTrees(estimator)
        except (AttributeError, KeyError, ValueError):  # another scikit-learn layout: do not guess
            return None
        return lambda x: flat.predict_proba(x[0])
    if type(estimator) is LogisticRegression and np.size(estimator.classes_) > 2:
        from sklearn.utils.extmath import softmax

        coef_t = estimator.coef_.T
        intercept = estimator.intercept_
        return lambda x: softmax(x @ coef_t + intercept, copy=False)  # as decision_function
    return None
