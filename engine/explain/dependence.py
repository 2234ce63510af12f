"""Partial dependence: the model's average P(long) and P(short) as one feature moves across its
recent range, every other feature kept at its recent values (sklearn's brute-force method)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.learner.signals import BUY, SELL, class_column


@dataclass(frozen=True)
class DependenceCurve:
    """One feature's grid and the average class probabilities along it."""

    feature: str
    grid: list[float]
    p_long: list[float]
    p_short: list[float]


def dependence_curves(
    model: Any, x: np.ndarray, feature_names: list[str], features: list[str], *, points: int = 20
) -> list[DependenceCurve]:
    """Curves for `features` over the rows `x` (raw features, as the pipeline takes them)."""
    from sklearn.inspection import partial_dependence

    classes = np.asarray(model.classes_)
    curves = []
    for name in features:
        result = partial_dependence(
            model,
            x,
            [feature_names.index(name)],
            response_method="predict_proba",
            percentiles=(0.05, 0.95),
            grid_resolution=points,
            kind="average",
        )
        average = np.asarray(result["average"])
        if average.shape[0] == 1 and len(classes) == 2:  # binary: sklearn gives class 1 only
            average = np.vstack([1.0 - average[0], average[0]])
        curves.append(
            DependenceCurve(
                feature=name,
                grid=[float(g) for g in result["grid_values"][0]],
                p_long=_side(average, classes, BUY),
                p_short=_side(average, classes, SELL),
            )
        )
    return curves


def _side(average: np.ndarray, classes: np.ndarray, label: int) -> list[float]:
    col = class_column(classes, label)
    if col is None:
        return [0.0] * average.shape[1]
    return [round(float(p), 6) for p in average[col]]
