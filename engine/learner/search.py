"""Hyper-parameter search: the trials (algorithm + parameters) a learning session evaluates.

Every trial is walk-forward evaluated like any candidate, and every trial counts in the deflated
Sharpe ratio's number of trials: searching harder raises the bar a winner has to clear.

A search space maps parameter names to either a list of values (a choice) or a range
``{"low": 0.01, "high": 1.0, "log": true, "integer": false}``. Grid search expands a range into
``GRID_POINTS`` values (log-spaced when ``log``); random search draws from it.
"""

from __future__ import annotations

import itertools
import math
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy loads when trials are made: the config's checks need only the spaces
    import numpy as np

GRID_POINTS = 3
RANGE_KEYS = {"low", "high", "log", "integer"}

DEFAULT_SPACES: dict[str, dict[str, Any]] = {
    "logistic_regression": {"C": {"low": 0.003, "high": 3.0, "log": True}},
    "random_forest": {
        "max_depth": [4, 6, 8, 12],
        "min_samples_leaf": [20, 50, 100, 200],
        "max_features": ["sqrt", 0.5],
    },
    "extra_trees": {"max_depth": [4, 6, 8, 12], "min_samples_leaf": [20, 50, 100, 200]},
    "hist_gradient_boosting": {
        "learning_rate": {"low": 0.02, "high": 0.3, "log": True},
        "max_depth": [3, 4, 6],
        "min_samples_leaf": [50, 100, 200],
        "l2_regularization": [0.0, 1.0, 10.0],
    },
    "lightgbm": {
        "learning_rate": {"low": 0.01, "high": 0.2, "log": True},
        "num_leaves": [7, 15, 31],
        "min_child_samples": [50, 100, 200],
    },
    "xgboost": {
        "learning_rate": {"low": 0.01, "high": 0.2, "log": True},
        "max_depth": [3, 4, 6],
        "subsample": [0.6, 0.8, 1.0],
    },
}


def space_problems(space: dict[str, dict[str, Any]], known: tuple[str, ...]) -> list[str]:
    """What is wrong with a declared search space, each message naming the config key."""
    problems = []
    for algorithm, params in space.items():
        if algorithm not in known:
            problems.append(
                f"learning.search_space names unknown algorithm {algorithm!r}; "
                f"known: {', '.join(known)}"
            )
            continue
        for name, values in params.items():
            where = f"learning.search_space.{algorithm}.{name}"
            if isinstance(values, list):
                if not values:
                    problems.append(f"{where} is an empty list; give at least one value")
                continue
            if not isinstance(values, dict) or not {"low", "high"} <= set(values):
                problems.append(f"{where} must be a list of values or {{'low': …, 'high': …}}")
                continue
            extra = sorted(set(values) - RANGE_KEYS)
            low, high = values.get("low"), values.get("high")
            if extra:
                problems.append(f"{where} has unknown field(s) {', '.join(extra)}")
            elif not all(_is_number(v) for v in (low, high)):
                problems.append(f"{where}: low and high must be numbers")
            elif not low < high:  # type: ignore[operator]
                problems.append(f"{where}: low ({low}) must be below high ({high})")
            elif values.get("log") and low <= 0:  # type: ignore[operator]
                problems.append(f"{where}: a log range needs low > 0 (got {low})")
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _grid_values(values: Any) -> list[Any]:
    import numpy as np

    if isinstance(values, list):
        return list(values)
    low, high = float(values["low"]), float(values["high"])
    if values.get("log"):
        points = np.geomspace(low, high, GRID_POINTS)
    else:
        points = np.linspace(low, high, GRID_POINTS)
    if values.get("integer"):
        return sorted({round(float(p)) for p in points})
    return [float(p) for p in points]


def _draw(values: Any, rng: np.random.Generator) -> Any:
    if isinstance(values, list):
        return _plain(values[int(rng.integers(len(values)))])
    low, high = float(values["low"]), float(values["high"])
    if values.get("log"):
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = float(rng.uniform(low, high))
    return round(value) if values.get("integer") else float(f"{value:.6g}")


def _plain(value: Any) -> Any:
    """JSON-friendly Python scalars (the session record stores every trial's parameters)."""
    import numpy as np

    return value.item() if isinstance(value, np.generic) else value


def trial_params(
    algorithm: str, space: dict[str, Any] | None, *, method: str, budget: int, seed: int
) -> list[dict[str, Any]]:
    """The parameter overrides to try for one algorithm, at most `budget` of them, reproducibly.

    `method` "off" (or an empty space) gives one trial with no overrides; "grid" walks the
    cartesian product (evenly thinned to the budget when larger); "random" draws `budget`
    distinct points from a generator seeded by the seed and the algorithm's name.
    """
    import numpy as np

    if method == "off" or not space:
        return [{}]
    names = list(space)
    if method == "grid":
        grid = list(itertools.product(*(_grid_values(space[n]) for n in names)))
        if len(grid) > budget:
            picks = np.unique(np.linspace(0, len(grid) - 1, budget).round().astype(int))
            grid = [grid[int(i)] for i in picks]
        return [{n: _plain(v) for n, v in zip(names, point, strict=True)} for point in grid]
    rng = np.random.default_rng([seed, zlib.crc32(algorithm.encode())])
    trials: list[dict[str, Any]] = []
    for _ in range(budget * 20):  # small choice spaces have fewer distinct points than budget
        point = {n: _draw(space[n], rng) for n in names}
        if point not in trials:
            trials.append(point)
        if len(trials) == budget:
            break
    return trials
