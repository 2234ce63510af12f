"""The leaderboard ranking: a configurable weighted score over metrics that know their direction,
with an eligibility gate (enough trades). Percentile ranks make metrics on different scales
comparable; +inf profit factors rank as the best, missing values as the worst."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

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
    return _ranks(values, higher_is_better).tolist()


def _ranks(values: Sequence[float | None], higher_is_better: bool) -> np.ndarray:
    """`percentile_ranks` for two or more values, as an array."""
    n = len(values)
    try:
        keys = np.array(values, dtype=float)
    except TypeError:  # None among them
        keys = np.array([math.nan if v is None else v for v in values], dtype=float)
    if not higher_is_better:
        keys = -keys
    keys[np.isnan(keys)] = -math.inf
    order = np.argsort(keys)  # ties get one shared rank: their order does not matter
    ordered = keys[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], n) - 1
    shared = (starts + ends) / 2 / (n - 1)
    ranks = np.empty(n)
    ranks[order] = np.repeat(shared, ends - starts + 1)
    ranks[keys == -math.inf] = 0.0
    return ranks


def _known(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def board_order(
    ids: Sequence[int],
    metrics: Sequence[Mapping[str, float | None]],
    trades: Sequence[int],
    selection: Any,
) -> list[tuple[int, float | None]]:
    """(position, score) in leaderboard order: eligible entries by score, best first (ties:
    newest first), then the ineligible ones (score None), newest first."""
    least = selection.min_trades
    eligible = [i for i, (t, m) in enumerate(zip(trades, metrics, strict=True)) if t >= least and m]
    chosen = [metrics[i] for i in eligible]
    weights = {m: float(getattr(selection, attr)) for m, attr in WEIGHTS.items()}
    total = sum(weights.values()) or 1.0
    scores = np.zeros(len(eligible))
    for metric, weight in weights.items():
        if weight and len(chosen) == 1:
            ranks = np.array(percentile_ranks([chosen[0].get(metric)], True))
        elif weight and chosen:
            ranks = _ranks([m.get(metric) for m in chosen], METRICS[metric].higher_is_better)
        else:
            continue
        scores = scores + weight * ranks / total
    rounded = [round(s, 4) for s in scores.tolist()]
    best_first = np.lexsort((-np.array([ids[i] for i in eligible]), -np.array(rounded)))
    scored = [(eligible[k], rounded[k]) for k in best_first.tolist()]
    taken = set(eligible)
    rest = sorted((i for i in range(len(ids)) if i not in taken), key=lambda i: -ids[i])
    return [*scored, *((i, None) for i in rest)]


def ineligible_reason(selection: Any) -> str:
    return f"fewer than {selection.min_trades} trades"


def rank_versions(versions: Sequence[VersionInfo], selection: Any) -> list[VersionInfo]:
    """Score eligible versions, best first; ineligible ones follow, newest first."""
    order = board_order(
        [v.id for v in versions],
        [v.metrics for v in versions],
        [v.metrics_trades for v in versions],
        selection,
    )
    reason = ineligible_reason(selection)
    return [
        versions[i].with_rank(score=score, eligible=True)
        if score is not None
        else versions[i].with_rank(score=None, eligible=False, ineligible_reason=reason)
        for i, score in order
    ]


def rank_fields(board: list[dict[str, Any]], selection: Any) -> list[dict[str, Any]]:
    """`rank_versions` for the field dicts of a listing (VersionInfo not built yet): the same
    order and verdicts, set in the dicts themselves."""
    order = board_order(
        [f["id"] for f in board],
        [f["metrics"] for f in board],
        [f["metrics_trades"] for f in board],
        selection,
    )
    reason = ineligible_reason(selection)
    ranked = []
    for i, score in order:
        fields = board[i]
        if score is None:
            fields.update(score=None, eligible=False, ineligible_reason=reason)
        else:
            fields.update(score=score, eligible=True)
        ranked.append(fields)
    return ranked
