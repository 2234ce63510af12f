"""Candidate models: one pipeline per algorithm (selection → scaling → estimator), cheap defaults.

Defaults are chosen so that a default session (3 algorithms × 5 folds on ~60k M5 bars) stays
within about a minute on 2 cores; see docs/LEARNING.md for what each costs.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from engine.errors import ConfigError
from engine.learner.feature_selection import VotingSelector

DEFAULTS: dict[str, dict[str, Any]] = {
    "logistic_regression": {"C": 0.1, "max_iter": 300},
    "random_forest": {
        "n_estimators": 80,
        "max_depth": 8,
        "min_samples_leaf": 50,
        "max_samples": 0.5,
        "max_features": "sqrt",
        "n_jobs": 2,
    },
    "extra_trees": {"n_estimators": 100, "max_depth": 8, "min_samples_leaf": 50, "n_jobs": 2},
    "hist_gradient_boosting": {
        "max_iter": 80,
        "learning_rate": 0.1,
        "max_depth": 4,
        "min_samples_leaf": 100,
        "l2_regularization": 1.0,
    },
    "lightgbm": {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_child_samples": 100,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.8,
        "verbose": -1,
        "n_jobs": 2,
    },
    "xgboost": {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "max_depth": 4,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "tree_method": "hist",
        "n_jobs": 2,
    },
}
NEEDS_EXTRA = {"lightgbm": "lightgbm", "xgboost": "xgboost"}


def available(algorithm: str) -> bool:
    module = NEEDS_EXTRA.get(algorithm)
    return module is None or find_spec(module) is not None


def hyperparameters(algorithm: str, overrides: dict[str, Any] | None, seed: int) -> dict[str, Any]:
    params = {**DEFAULTS[algorithm], **(overrides or {})}
    if algorithm != "logistic_regression":
        params.setdefault("random_state", seed)
    return params


def make_estimator(algorithm: str, params: dict[str, Any]) -> Any:
    """The bare estimator for `algorithm` with `params` (unknown names are refused by sklearn)."""
    if algorithm not in DEFAULTS:
        raise ConfigError(f"unknown algorithm {algorithm!r}; known: {', '.join(DEFAULTS)}")
    if not available(algorithm):
        raise ConfigError(
            f"{algorithm} needs the `boost` extra: pip install -e '.[boost]' (or remove it from "
            "learning.algorithms)"
        )
    if algorithm == "logistic_regression":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(**params)
    if algorithm == "random_forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(**params)
    if algorithm == "extra_trees":
        from sklearn.ensemble import ExtraTreesClassifier

        return ExtraTreesClassifier(**params)
    if algorithm == "hist_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(**params)
    if algorithm == "lightgbm":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(**params)
    from engine.learner.xgb import XGBLabelClassifier

    return XGBLabelClassifier(**params)


def single_threaded(model: Any) -> Any:
    """Predict with one thread: a forest's `predict_proba` adds its trees' votes in whichever
    order its threads finish, so with n_jobs > 1 the sums (and a signal sitting exactly at the
    confidence threshold) can differ from run to run. Fitting stays parallel (deterministic for a
    fixed random_state). Also what serving wants: thread pools only add latency for one row.
    An ensemble's members are each made single-threaded."""
    for member in getattr(model, "members_", []):
        single_threaded(member)
    steps = getattr(model, "named_steps", {}).values() or [model]
    for step in steps:
        if hasattr(step, "n_jobs"):
            step.n_jobs = 1
    return model


def make_pipeline(
    algorithm: str, params: dict[str, Any], *, max_features: int, seed: int
) -> Pipeline:
    """Selection and scaling are steps, so they are fitted inside each training fold only."""
    return Pipeline(
        [
            ("select", VotingSelector(max_features, random_state=seed)),
            ("scale", StandardScaler()),
            ("model", make_estimator(algorithm, params)),
        ]
    )
