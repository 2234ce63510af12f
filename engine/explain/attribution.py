"""Per-row feature attributions of a fitted pipeline's final estimator.

Tree models get SHAP values (shap's TreeExplainer, exact for trees); a linear model gets its exact
linear attribution, coefficient × standardized value. Both are computed on the features the final
estimator sees (after the pipeline's selection and scaling), named back through the selector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.learner.signals import BUY, SELL
from engine.learner.signals import class_column as _column

OUTPUT_UNITS = {
    "probability": "probability",
    "log_odds": "log-odds (raw score before softmax)",
    "linear": "log-odds (linear score before softmax)",
}


@dataclass(frozen=True)
class RowAttributions:
    """Attributions of rows × model inputs toward P(long) and P(short), with their baselines.

    For every row: base + sum(values) equals the model's output for that class, in `output` units.
    """

    method: str  # "shap-tree", "linear" or "none"
    output: str
    note: str
    features: list[str]
    base: dict[str, float]
    values: dict[str, np.ndarray]  # "long" / "short" -> (rows, features)


def model_inputs(
    model: Any, feature_names: list[str], x: np.ndarray
) -> tuple[Any, np.ndarray, list[str]]:
    """The final estimator, `x` transformed as the pipeline transforms it, and the names of
    the columns it sees (the selector's kept features)."""
    steps = getattr(model, "named_steps", None)
    if steps is None:
        return model, x, list(feature_names)
    selector = steps.get("select")
    kept = np.flatnonzero(selector.support_) if selector is not None else np.arange(x.shape[1])
    return model.steps[-1][1], model[:-1].transform(x), [feature_names[j] for j in kept]


def attributions(model: Any, feature_names: list[str], x: np.ndarray) -> RowAttributions:
    """SHAP for trees, coefficient × value for linear models; "none" (with why) otherwise."""
    members = getattr(model, "members_", None)
    if members is not None:
        return _none(
            list(feature_names),
            f"An ensemble of {len(members)} models ({getattr(model, 'method', '')}): its members' "
            "outputs are combined after each one's own probabilities, so per-signal attributions "
            "would not add up to its output. Permutation importance and partial dependence "
            "below are the ensemble's as a whole.",
        )
    estimator, xt, names = model_inputs(model, feature_names, x)
    classes = np.asarray(model.classes_)
    if hasattr(estimator, "coef_"):
        return _linear(estimator, xt, names, classes)
    try:
        import shap
    except ImportError:
        return _none(names, "SHAP needs the `explain` extra: pip install -e '.[explain]'")
    try:
        explainer = shap.TreeExplainer(estimator)
        raw = explainer.shap_values(xt)
    except Exception as exc:  # shap raises its own InvalidModelError and plain Exceptions
        kind = type(estimator).__name__
        return _none(names, f"SHAP's TreeExplainer does not support {kind} ({exc})")
    output = str(getattr(explainer.model, "tree_output", "log_odds"))
    values, base = _per_class(np.asarray(raw), np.atleast_1d(explainer.expected_value), classes)
    return _sides("shap-tree", OUTPUT_UNITS.get(output, output), names, classes, values, base)


def _linear(
    estimator: Any, xt: np.ndarray, names: list[str], classes: np.ndarray
) -> RowAttributions:
    coef, intercept = np.asarray(estimator.coef_), np.atleast_1d(estimator.intercept_)
    raw = xt[:, :, None] * coef.T[None, :, :]  # (rows, features, classes or 1)
    values, base = _per_class(raw, intercept, classes)
    note = (
        "Linear model: each bar is coefficient × standardized feature value, the exact "
        "attribution relative to the training mean (SHAP's TreeExplainer is for tree models)."
    )
    return _sides("linear", OUTPUT_UNITS["linear"], names, classes, values, base, note=note)


def _per_class(
    raw: np.ndarray, expected: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, features, classes) and (classes,): a binary model's single output is class 1's;
    class 0 then gets its negation (log-odds) so both sides can be shown."""
    if raw.ndim == 2:
        raw = raw[:, :, None]
    if raw.shape[2] == 1 and len(classes) == 2:
        raw = np.concatenate([-raw, raw], axis=2)
        expected = np.array([-expected[0], expected[0]])
    return raw, expected


def _sides(
    method: str,
    output: str,
    names: list[str],
    classes: np.ndarray,
    values: np.ndarray,
    base: np.ndarray,
    *,
    note: str = "",
) -> RowAttributions:
    out_values: dict[str, np.ndarray] = {}
    out_base: dict[str, float] = {}
    for side, label in (("long", BUY), ("short", SELL)):
        col = _column(classes, label)
        if col is not None:
            out_values[side] = values[:, :, col]
            out_base[side] = float(base[col])
    return RowAttributions(method, output, note, names, out_base, out_values)


def _none(names: list[str], note: str) -> RowAttributions:
    return RowAttributions("none", "", note, names, {}, {})
