"""The version listing: one query, memoised metrics, VersionInfo built without __init__."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from engine.ranking import rank_versions
from engine.registry.listing import JsonMemo
from engine.registry.types import VersionInfo
from engine.services import Desk
from tests.conftest import spec

SELECTION = SimpleNamespace(
    min_trades=90,
    weight_sharpe=1.0,
    weight_profit_factor=1.0,
    weight_win_rate=0.0,
    weight_expectancy=0.0,
    weight_max_drawdown=1.0,
)


def _desk_with_history(desk: Desk, model: Any) -> list[int]:
    """Two lineages; active, archived, pinned and cleaned versions; live metrics on two."""
    reg = desk.registry
    ids = [
        reg.register(model, spec(sharpe=1.0 + k / 4, max_drawdown_pct=9.0 - k)).id for k in range(6)
    ]
    m1 = dataclasses.replace(
        spec(lineage="XAUUSD-M1-scalper", sharpe=0.2),
        train_start=datetime(2025, 1, 2, tzinfo=UTC),
        train_end=datetime(2025, 3, 1, tzinfo=UTC),
    )
    ids.append(reg.register(model, m1).id)
    reg.activate(ids[0], actor="t")
    reg.activate(ids[1], actor="t")  # ids[0] archived, and the rollback target
    reg.set_pinned(ids[2], True)
    desk.cleanup(2, actor="t")  # keeps ids[4], ids[5] and the protected: cleans ids[3]
    reg.record_metrics(ids[4], {"sharpe": -1.0, "win_rate": 0.3}, source="live", trades=80)
    reg.record_metrics(ids[5], {"sharpe": 5.0}, source="live", trades=5)
    return ids


@pytest.mark.parametrize("live_from", [None, 50])
def test_the_listing_holds_what_reading_each_version_gives(
    desk: Desk, small_model: Any, live_from: int | None
):
    ids = _desk_with_history(desk, small_model)
    listed = desk.registry.list_versions(live_from=live_from)
    assert [v.id for v in listed] == sorted(ids, reverse=True)
    for v in listed:
        source = "live" if live_from and v.id == ids[4] else "backtest"
        one = dataclasses.replace(desk.registry.get(v.id, source=source), details={})
        assert v == one
    statuses = {v.id: v.status for v in listed}
    assert [statuses[i] for i in ids[:4]] == ["archived", "active", "pinned", "cleaned"]


def test_a_listing_of_one_lineage_has_only_its_versions(desk: Desk, small_model: Any):
    ids = _desk_with_history(desk, small_model)
    listed = desk.registry.list_versions(lineage="XAUUSD-M1-scalper")
    assert [(v.id, v.lineage) for v in listed] == [(ids[6], "XAUUSD-M1-scalper")]
    assert listed[0].train_start == datetime(2025, 1, 2, tzinfo=UTC)
    assert listed[0].created_at.tzinfo is UTC


def test_the_leaderboard_ranks_like_rank_versions_of_the_listing(desk: Desk, small_model: Any):
    ids = _desk_with_history(desk, small_model)
    board = desk.registry.leaderboard(SELECTION, live_from=50)
    expected = rank_versions(desk.registry.list_versions(live_from=50), SELECTION)
    assert board == expected
    # every version has 100 backtest trades; ids[4] is judged on its 80 live ones instead
    assert [v.id for v in board if not v.eligible] == [ids[4]]


def test_listed_metrics_are_copies(desk: Desk, small_model: Any):
    _desk_with_history(desk, small_model)
    first = desk.registry.list_versions()
    first[0].metrics["sharpe"] = 99.0
    assert desk.registry.list_versions()[0].metrics["sharpe"] != 99.0


def test_the_json_memo_decodes_each_text_as_json_does():
    memo = JsonMemo()
    texts = ['{"a": 1.5}', None, '{"a": 1.5}', '{"b": null}']
    assert memo.decode(texts) == [{"a": 1.5}, None, {"a": 1.5}, {"b": None}]
    assert memo.decode(["1", "[2, 3]", '{"a": 1.5}']) == [1, [2, 3], {"a": 1.5}]


def test_the_json_memo_forgets_everything_past_its_limit():
    memo = JsonMemo(limit=2)
    assert memo.decode(['{"a": 1}', '{"b": 2}']) == [{"a": 1}, {"b": 2}]
    assert memo.decode(['{"c": 3}']) == [{"c": 3}]
    assert len(memo._seen) == 1


def test_version_info_from_fields_refuses_missing_or_unknown_fields(desk: Desk, small_model: Any):
    info = desk.registry.register(small_model, spec(sharpe=1.0))
    state = dict(vars(info))
    assert VersionInfo.from_fields(dict(state)) == info
    with pytest.raises(TypeError, match="score"):
        VersionInfo.from_fields({k: v for k, v in state.items() if k != "score"})
    with pytest.raises(TypeError, match="colour"):
        VersionInfo.from_fields({**{k: v for k, v in state.items() if k != "score"}, "colour": 1})


def _matches_reading_each(desk: Desk, listed: list[VersionInfo]) -> None:
    for v in listed:
        assert v == dataclasses.replace(desk.registry.get(v.id), details={})


def test_a_remembered_listing_still_shows_every_later_change(
    desk: Desk, small_model: Any, home: Any
):
    ids = _desk_with_history(desk, small_model)
    _matches_reading_each(desk, desk.registry.list_versions())  # the desk now remembers
    with Desk.open(str(home)) as other:  # changes made by another process
        other.registry.set_pinned(ids[4], True)
        other.activate(ids[5], actor="t")
        other.registry.record_metrics(ids[6], {"sharpe": 2.0}, source="backtest", trades=120)
        new = other.registry.register(small_model, spec(sharpe=0.1)).id
        other.cleanup(1, actor="t")
    listed = desk.registry.list_versions()
    assert listed[0].id == new
    assert {v.id: v.status for v in listed}[ids[4]] == "pinned"
    _matches_reading_each(desk, listed)


def test_a_row_that_is_not_the_remembered_one_is_read_again(desk: Desk, small_model: Any):
    """Same id, another created_at (a restored or re-created database): nothing stale is lent."""
    from sqlalchemy import update

    from engine.db.schema import ModelVersion

    v = desk.registry.register(small_model, spec(sharpe=1.0))
    assert desk.registry.list_versions()[0].params == v.params
    with desk.db.session(write=True) as s:
        s.execute(
            update(ModelVersion)
            .where(ModelVersion.id == v.id)
            .values(params_json='{"C": 7}', created_at=datetime(2024, 5, 1, tzinfo=UTC))
        )
    listed = desk.registry.list_versions()[0]
    assert (listed.params, listed.created_at) == ({"C": 7}, datetime(2024, 5, 1, tzinfo=UTC))
