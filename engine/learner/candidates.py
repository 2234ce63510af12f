"""Candidate models: one pipeline per algorithm (selection → scaling → estimator), cheap defaults.

Defaults are chosen so that a default session (3 algorithms × 5 folds on ~60k M5 bars) stays
within about a minute on 2 cores; see docs/LEARNING.md for what each costs. Every fit runs on
one thread (`one_thread`): a session runs fits side by side instead (`learning.n_jobs`), which a
busy machine slows in proportion, where OpenMP teams spinning against each other stall it.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

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
    },
    "extra_trees": {"n_estimators": 100, "max_depth": 8, "min_samples_leaf": 50},
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
    },
    "xgboost": {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "max_depth": 4,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "tree_method": "hist",
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


def one_thread() -> Any:
    """A context in which OpenMP and BLAS run one thread (in the calling thread): every fit and
    prediction of a session runs inside it. Measured on 2 cores with one busy process beside it:
    a gradient-boosting fit took 2.7 s on one thread and 29-132 s on two, whose OpenMP team
    spins waiting for the thread the other process holds."""
    return threadpool_limits(limits=1)


def single_threaded(model: Any) -> Any:
    """Set every step's `n_jobs` to 1: a forest's `predict_proba` adds its trees' votes in
    whichever order its threads finish, so with n_jobs > 1 the sums (and a signal sitting exactly
    at the confidence threshold) can differ from run to run; boosters' own `n_jobs` overrides the
    OpenMP limit of `one_thread`. Serving wants it too: thread pools only add latency for one row.
    An ensemble's members are each made single-threaded."""
    for member in getattr(model, "members_", []):
        single_threaded(member)
    steps = getattr(model, "named_steps", {}).values() or [model]
    for step in steps:
        if getattr(step, "n_jobs", None) not in (None, 1):  # None is one thread already
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
