"""Bootstrap confidence intervals: how sure we are of a metric measured on few trades.

Percentile bootstrap, seeded so the same trades always give the same interval. Trades (or days)
are resampled independently, which ignores streaks; the interval is a guide, not a guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.metrics.trading import Numbers, as_float_array

RESAMPLES = 2000


@dataclass(frozen=True)
class ConfidenceInterval:
    """A statistic on the data (`estimate`) and its bootstrap interval [low, high]."""

    estimate: float
    low: float
    high: float
    confidence: float
    resamples: int


def bootstrap_ci(
    values: Numbers,
    statistic: Callable[[np.ndarray], float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> ConfidenceInterval:
    """Percentile interval of `statistic` over `resamples` draws with replacement of `values`.

    Resamples whose statistic is nan are left out; an infinite one (a profit factor without
    losses) counts as the largest. Fewer than 2 values: the interval is nan.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    x = as_float_array(values)
    estimate = float(statistic(x)) if x.size else math.nan
    if x.size < 2:
        return ConfidenceInterval(estimate, math.nan, math.nan, confidence, resamples)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, x.size, size=(resamples, x.size))
    stats = np.array([statistic(x[row]) for row in draws], dtype=float)
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return ConfidenceInterval(estimate, math.nan, math.nan, confidence, resamples)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [tail, 1.0 - tail], method="inverted_cdf")
    return ConfidenceInterval(estimate, float(low), float(high), confidence, resamples)
