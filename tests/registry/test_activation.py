"""The active pointer: one per lineage, history of every move, rollback walks back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.db.schema import Alias
from engine.errors import RegistryError
from engine.services import Desk
from tests.conftest import spec


def _three(desk: Desk, model: Any) -> list[int]:
    return [desk.registry.register(model, spec()).id for _ in range(3)]


def test_activation_moves_the_pointer_and_records_who_when_why(desk: Desk, small_model: Any):
    a, b, _ = _three(desk, small_model)
    first = desk.activate(a, actor="alice", reason="first deployment")
    second = desk.activate(b, actor="bob", reason="better Sharpe")
    assert (first.from_version_id, first.to_version_id) == (None, a)
    assert (second.from_version_id, second.to_version_id, second.actor) == (a, b, "bob")
    assert second.reason == "better Sharpe" and second.created_at.tzinfo is not None
    assert desk.registry.active_version().id == b
    assert desk.version(a).status == "archived"
    assert [h.kind for h in desk.activation_history()] == ["activate", "activate"]


def test_exactly_one_active_row_per_lineage(desk: Desk, small_model: Any):
    a, b, c = _three(desk, small_model)
    for v in (a, b, c, a):
        desk.activate(v, actor="t")
    with desk.db.session() as s:
        rows = s.scalars(select(Alias).where(Alias.alias == "active")).all()
        assert [r.version_id for r in rows] == [a]
    statuses = [v.status for v in desk.registry.list_versions()]
    assert statuses.count("active") == 1


def test_repeated_rollbacks_walk_back_through_history(desk: Desk, small_model: Any):
    a, b, c = _three(desk, small_model)
    for v in (a, b, c):
        desk.activate(v, actor="t")
    assert desk.registry.rollback_target().id == b
    assert desk.rollback(actor="t", reason="c misbehaves").to_version_id == b
    assert desk.rollback(actor="t").to_version_id == a
    with pytest.raises(RegistryError, match="nothing to roll back"):
        desk.rollback(actor="t")
    assert desk.registry.active_version().id == a
    kinds = [h.kind for h in reversed(desk.activation_history())]
    assert kinds == ["activate", "activate", "activate", "rollback", "rollback"]


def test_activation_after_rollback_starts_a_new_branch(desk: Desk, small_model: Any):
    a, b, c = _three(desk, small_model)
    desk.activate(a, actor="t")
    desk.activate(b, actor="t")
    desk.rollback(actor="t")  # back to a
    desk.activate(c, actor="t")
    assert desk.rollback(actor="t").to_version_id == a


def test_activating_the_active_version_is_refused(desk: Desk, small_model: Any):
    a, *_ = _three(desk, small_model)
    desk.activate(a, actor="t")
    with pytest.raises(RegistryError, match="already the active"):
        desk.activate(a, actor="t")
    assert len(desk.activation_history()) == 1


def test_rollback_with_no_history_is_refused(desk: Desk, small_model: Any):
    _three(desk, small_model)
    with pytest.raises(RegistryError, match="nothing to roll back"):
        desk.rollback(actor="t")


def test_actions_are_audited_with_the_actor(desk: Desk, small_model: Any):
    a, b, _ = _three(desk, small_model)
    desk.activate(a, actor="alice")
    desk.activate(b, actor="alice")
    desk.rollback(actor="bob", reason="drawdown")
    log = desk.audit_log()
    assert [(e.action, e.actor) for e in log] == [
        ("model.rollback", "bob"),
        ("model.activate", "alice"),
        ("model.activate", "alice"),
    ]
    assert log[0].detail["why"] == "drawdown"


def test_the_returned_records_are_the_stored_events(desk: Desk, small_model: Any):
    a, b, _ = _three(desk, small_model)
    first = desk.activate(a, actor="alice", reason="go")
    second = desk.activate(b, actor="bob", reason="better")
    back = desk.rollback(actor="carol", reason="worse")
    assert desk.activation_history() == [back, second, first]
    assert (back.from_ref, back.to_ref) == (second.to_ref, first.to_ref)
