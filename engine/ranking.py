"""The leaderboard ranking: a configurable weighted score over metrics that know their direction,
with an eligibility gate (enough trades). Percentile ranks make metrics on different scales
comparable; +inf profit factors rank as the best, missing values as the worst."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from engine.metrics.catalog import METRICS
from engine.registry.types import VersionInfo

WEIGHTS = {
    "sharpe": "weight_sharpe",
    "profit_factor": "weight_profit_factor",
    "win_rate": "weight_win_rate",
    "expectancy": "weight_expectancy",
    "max_drawdown_pct": "weight_max_drawdown",
}


def percentile_ranks(values: Sequence[float | None], higher_is_better: bool) -> list[float]:
    """0 = worst, 1 = best; ties share their average rank; None/nan count as the worst."""
    n = len(values)
    if n == 1:
        return [1.0 if _known(values[0]) else 0.0]
    sign = 1.0 if higher_is_better else -1.0
    keyed = [
        (sign * v if v is not None and _known(v) else -math.inf, i) for i, v in enumerate(values)
    ]
    keyed.sort()
    ranks = [0.0] * n
    start = 0
    while start < n:
        end = start
        while end + 1 < n and keyed[end + 1][0] == keyed[start][0]:
            end += 1
        shared = (start + end) / 2 / (n - 1)
        for k in range(start, end + 1):
            ranks[keyed[k][1]] = 0.0 if keyed[k][0] == -math.inf else shared
        start = end + 1
    return ranks


def _known(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def rank_versions(versions: Sequence[VersionInfo], selection: Any) -> list[VersionInfo]:
    """Score eligible versions, best first; ineligible ones follow, newest first."""
    eligible = [v for v in versions if v.metrics_trades >= selection.min_trades and v.metrics]
    chosen = {v.id for v in eligible}
    others = [v for v in versions if v.id not in chosen]
    weights = {m: float(getattr(selection, attr)) for m, attr in WEIGHTS.items()}
    total = sum(weights.values()) or 1.0
    scores = [0.0] * len(eligible)
    for metric, weight in weights.items():
        if not weight:
            continue
        ranks = percentile_ranks(
            [v.metrics.get(metric) for v in eligible], METRICS[metric].higher_is_better
        )
        scores = [s + weight * r / total for s, r in zip(scores, ranks, strict=True)]
    scored = [
        dataclasses.replace(v, score=round(s, 4), eligible=True)
        for v, s in zip(eligible, scores, strict=True)
    ]
    scored.sort(key=lambda v: (-(v.score or 0.0), -v.id))
    reason = f"fewer than {selection.min_trades} trades"
    rest = [
        dataclasses.replace(v, score=None, eligible=False, ineligible_reason=reason)
        for v in sorted(others, key=lambda v: -v.id)
    ]
    return scored + rest
