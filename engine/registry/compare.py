"""Side-by-side comparison of versions; metrics know their direction (lower drawdown wins)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.metrics.catalog import METRICS, is_better
from engine.registry.types import Comparison, ComparisonRow, VersionInfo

DEFAULT_COMPARE = (
    "trades",
    "win_rate",
    "profit_factor",
    "expectancy",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_pct",
    "psr",
)


def _value(version: VersionInfo, metric: str) -> float:
    value = version.metrics.get(metric)
    return math.nan if value is None else float(value)


def best_of(metric: str, versions: Sequence[VersionInfo]) -> str | None:
    """The ref with the strictly best value, or None on a tie or when nobody has a value."""
    best: VersionInfo | None = None
    tie = False
    for version in versions:
        if best is None:
            best = version if not math.isnan(_value(version, metric)) else None
            continue
        a, b = _value(version, metric), _value(best, metric)
        if is_better(metric, a, b):
            best, tie = version, False
        elif not math.isnan(a) and not is_better(metric, b, a):
            tie = True
    return None if best is None or tie else best.ref


def compare(
    versions: Sequence[VersionInfo], metrics: Sequence[str] = DEFAULT_COMPARE
) -> Comparison:
    """One row per metric with the better value marked; the winner is best on most rows."""
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise KeyError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    refs = [v.ref for v in versions]
    wins = dict.fromkeys(refs, 0)
    rows = []
    for metric in metrics:
        spec = METRICS[metric]
        best = best_of(metric, versions)
        if best is not None and metric != "trades":
            wins[best] += 1
        rows.append(
            ComparisonRow(
                metric,
                spec.label,
                spec.higher_is_better,
                {v.ref: v.metrics.get(metric) for v in versions},
                best,
            )
        )
    ranked = sorted(wins.items(), key=lambda kv: kv[1], reverse=True)
    winner = None
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        winner = ranked[0][0]
    criteria = (
        "winner = best value on the most metrics (trade count excluded); higher is better except "
        "max drawdown; a tie names no winner"
    )
    return Comparison(refs, rows, winner, criteria, wins)
