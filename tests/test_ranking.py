"""Leaderboard ranking: direction-aware percentile scores and the eligibility gate."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.ranking import percentile_ranks, rank_versions
from engine.registry.types import VersionInfo
from tests.conftest import spec

SEL = SimpleNamespace(
    min_trades=30,
    weight_sharpe=2.0,
    weight_profit_factor=0.0,
    weight_win_rate=0.0,
    weight_expectancy=0.0,
    weight_max_drawdown=1.0,
)


def version(vid: int, trades: int, **metrics: float) -> VersionInfo:
    return VersionInfo(
        id=vid,
        lineage="L",
        symbol="XAUUSD",
        timeframe="M5",
        version=vid,
        algorithm="lr",
        params={},
        features=[],
        train_start=None,
        train_end=None,
        data_hash="",
        library_versions={},
        artifact_path="x",
        artifact_format="skops",
        artifact_size=1,
        artifact_sha256="",
        status="candidate",
        pinned=False,
        notes="",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        metrics=dict(metrics),
        metrics_source="backtest",
        metrics_trades=trades,
    )


def test_percentile_ranks_respect_direction_ties_and_missing_values():
    assert percentile_ranks([1.0, 3.0, 2.0], True) == [0.0, 1.0, 0.5]
    assert percentile_ranks([1.0, 3.0, 2.0], False) == [1.0, 0.0, 0.5]
    assert percentile_ranks([math.inf, 2.0, None], True) == [1.0, 0.5, 0.0]
    assert percentile_ranks([2.0, 2.0, 1.0], True) == [0.75, 0.75, 0.0]


def _reference_ranks(values: list[float | None], higher_is_better: bool) -> list[float]:
    """The definition, written the slow and obvious way: average position among the known
    values (sorted worst to best) over n - 1; unknown values rank 0."""
    n = len(values)
    sign = 1.0 if higher_is_better else -1.0
    keys = [-math.inf if v is None or math.isnan(v) else sign * v for v in values]  # -inf: worst
    if n == 1:
        return [0.0 if values[0] is None or math.isnan(values[0]) else 1.0]
    ranks = []
    for key in keys:
        below = sum(k < key for k in keys)
        ties = sum(k == key for k in keys)
        ranks.append(0.0 if key == -math.inf else (below + (ties - 1) / 2) / (n - 1))
    return ranks


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from([0.0, 1.0, -2.5, math.inf, -math.inf, math.nan]),
            st.floats(-1e6, 1e6),
        ),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_percentile_ranks_match_their_definition(values: list[float | None], higher: bool):
    assert percentile_ranks(values, higher) == _reference_ranks(values, higher)


def test_weighted_score_orders_versions_and_gates_thin_evidence():
    board = rank_versions(
        [
            version(1, 100, sharpe=1.0, max_drawdown_pct=5.0),  # good sharpe, mid drawdown
            version(2, 100, sharpe=2.0, max_drawdown_pct=9.0),  # best sharpe, worst drawdown
            version(3, 100, sharpe=0.5, max_drawdown_pct=2.0),  # worst sharpe, best drawdown
            version(4, 10, sharpe=9.0, max_drawdown_pct=1.0),  # too few trades
        ],
        SEL,
    )
    # sharpe ranks v3 0, v1 0.5, v2 1; drawdown ranks v2 0, v1 0.5, v3 1; weights 2:1
    assert [v.id for v in board] == [2, 1, 3, 4]
    assert [v.score for v in board[:3]] == [0.6667, 0.5, 0.3333]
    assert board[-1].id == 4 and not board[-1].eligible and board[-1].score is None
    assert "fewer than 30 trades" in board[-1].ineligible_reason


def test_the_leaderboard_uses_live_numbers_once_a_version_has_enough_live_trades(
    desk: Any, small_model: Any
):
    """A's backtest is the better one, but 40 live losing trades replace it (and the table
    says "live"); B has 10 live trades, fewer than selection.min_live_trades, so it is still
    judged on its backtest. On live numbers B ranks first."""
    from dashboard.leaderboard_table import leaderboard_frame

    a = desk.registry.register(small_model, spec(sharpe=3.0, win_rate=0.7, profit_factor=2.0))
    b = desk.registry.register(small_model, spec(sharpe=1.0, win_rate=0.5, profit_factor=1.2))
    assert [v.id for v in desk.leaderboard()] == [a.id, b.id]  # both on backtest numbers
    desk.log_trades(daily_trades(a.id, [-10.0, -5.0] * 20, "A"))
    desk.log_trades(daily_trades(b.id, [-10.0, -5.0] * 5, "B"))
    desk.refresh_live_metrics(a.id)
    desk.refresh_live_metrics(b.id)

    board = {v.id: v for v in desk.leaderboard()}
    assert (board[a.id].metrics_source, board[a.id].metrics_trades) == ("live", 40)
    assert board[a.id].metrics["win_rate"] == 0.0 and board[a.id].metrics["sharpe"] < 0
    assert (board[b.id].metrics_source, board[b.id].metrics_trades) == ("backtest", 100)
    assert board[b.id].metrics["win_rate"] == 0.5
    ranked = desk.leaderboard()
    assert [v.id for v in ranked] == [b.id, a.id]
    figures = {
        source: {
            v.id: (v.metrics, v.metrics_trades) for v in desk.registry.list_versions(source=source)
        }
        for source in ("backtest", "live")
    }
    table = leaderboard_frame(ranked, figures["backtest"], figures["live"])
    assert table[["version", "source", "backtest trades", "live trades"]].values.tolist() == [
        [b.ref, "backtest", 100, 10],
        [a.ref, "live", 100, 40],
    ]
    assert table.loc[1, "backtest Sharpe"] == 3.0 and table.loc[1, "live Sharpe"] < 0

    desk.set_config("selection.min_live_trades", "50", actor="t")  # 40 is no longer enough
    again = desk.leaderboard()
    assert [(v.id, v.metrics_source) for v in again] == [(a.id, "backtest"), (b.id, "backtest")]


def daily_trades(version_id: int, profits: list[float], tag: str) -> list[dict[str, Any]]:
    t0 = datetime(2025, 2, 3, 9, tzinfo=UTC)
    return [
        {
            "ticket": f"{tag}{k}",
            "side": "sell",
            "open_time": t0 + timedelta(days=k),
            "close_time": t0 + timedelta(days=k, minutes=30),
            "volume": 0.1,
            "profit": profit,
            "version_id": version_id,
        }
        for k, profit in enumerate(profits)
    ]
