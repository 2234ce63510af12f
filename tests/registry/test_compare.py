"""Compare: the better value per metric knows its direction; the winner is best on most rows;
a tie names no winner; the criteria are stated."""

from __future__ import annotations

from typing import Any

import pytest

from engine.registry.compare import best_of, compare
from engine.services import Desk
from tests.conftest import spec


def _versions(desk: Desk, model: Any, *metric_sets: dict[str, float]) -> list[Any]:
    return [desk.registry.register(model, spec(**m)) for m in metric_sets]


def test_lower_drawdown_and_higher_sharpe_win_their_rows(desk: Desk, small_model: Any):
    a, b = _versions(
        desk,
        small_model,
        {"sharpe": 1.2, "max_drawdown_pct": 12.0, "win_rate": 0.55, "trades": 90},
        {"sharpe": 0.8, "max_drawdown_pct": 6.0, "win_rate": 0.50, "trades": 300},
    )
    result = compare([a, b], ["trades", "sharpe", "max_drawdown_pct", "win_rate"])
    best = {row.metric: row.best for row in result.rows}
    assert best == {"trades": b.ref, "sharpe": a.ref, "max_drawdown_pct": b.ref, "win_rate": a.ref}
    assert result.wins == {a.ref: 2, b.ref: 1}  # trade count is shown but never a win
    assert result.winner == a.ref and "trade count excluded" in result.criteria


def test_a_tie_names_no_winner_and_missing_values_do_not_win(desk: Desk, small_model: Any):
    a, b, c = _versions(
        desk,
        small_model,
        {"sharpe": 1.0, "expectancy": 2.0},
        {"sharpe": 1.0, "expectancy": 3.0},
        {"expectancy": 1.0},
    )
    assert best_of("sharpe", [a, b, c]) is None  # 1.0 vs 1.0: a tie
    assert best_of("expectancy", [a, b, c]) == b.ref
    result = compare([a, c], ["sharpe", "expectancy"])
    assert result.wins == {a.ref: 2, c.ref: 0} and result.winner == a.ref
    tied = compare([a, b], ["sharpe"])
    assert tied.winner is None and tied.wins == {a.ref: 0, b.ref: 0}


def test_unknown_metrics_are_refused(desk: Desk, small_model: Any):
    [a] = _versions(desk, small_model, {"sharpe": 1.0})
    with pytest.raises(KeyError, match="unknown metric"):
        compare([a], ["alpha"])
