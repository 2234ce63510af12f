"""Named aliases: moved with a history like `active`'s, resolved as refs everywhere, validated,
kept apart from `active` and its rollback history, protected from cleanup."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.auth import add_user
from engine.db.schema import ActivationEvent, Alias
from engine.errors import DatabaseError, NotFoundError, PermissionDeniedError, RegistryError
from engine.registry.refs import find_version, version_row
from engine.services import Desk
from tests.conftest import spec

L = "XAUUSD-M5-scalper"
V1, V2, V3 = (f"{L}:v{n}" for n in (1, 2, 3))


@pytest.fixture
def three(desk: Desk, small_model: Any) -> Desk:
    for k in range(3):
        desk.registry.register(small_model, spec(sharpe=1.0 + k, trades=100 + k))
    return desk


def test_an_alias_is_set_moved_and_removed_with_who_when_from_to_and_why(three: Desk):
    first = three.set_alias(V1, "staging", actor="olga", reason="try it")
    assert (first.lineage, first.alias, first.kind, first.from_ref, first.to_ref) == (
        L, "staging", "set", None, V1,
    )  # fmt: skip
    moved = three.set_alias(V2, "staging", actor="vic", reason="v2 is better")
    assert (moved.kind, moved.from_ref, moved.to_ref, moved.from_version_id) == (
        "move", V1, V2, 1,
    )  # fmt: skip
    gone = three.remove_alias("staging", actor="olga", reason="done")
    assert (gone.kind, gone.from_ref, gone.to_ref, gone.to_version_id) == ("remove", V2, None, None)
    history = three.alias_history(L, "staging")
    assert [(m.kind, m.from_ref, m.to_ref, m.actor, m.reason) for m in history] == [
        ("remove", V2, None, "olga", "done"),
        ("move", V1, V2, "vic", "v2 is better"),
        ("set", None, V1, "olga", "try it"),
    ]
    assert history[0].created_at >= history[1].created_at >= history[2].created_at
    audit = [(a.action, a.target, a.detail) for a in three.audit_log(3)]
    assert audit == [
        ("model.unalias", f"{L}@staging", {"from": V2, "why": "done"}),
        ("model.alias", f"{L}@staging", {"from": V1, "to": V2, "why": "v2 is better"}),
        ("model.alias", f"{L}@staging", {"from": None, "to": V1, "why": "try it"}),
    ]
    assert three.version(V2).aliases == []


def test_lineage_at_alias_resolves_wherever_a_version_is_asked_for(three: Desk):
    three.set_alias(V2, "staging", actor="t")
    three.set_alias(V3, "candidate", actor="t")
    three.activate(V1, actor="t")
    assert three.version(f"{L}@staging").ref == V2
    assert three.version(f"{L}@candidate").id == 3
    assert three.version(f"{L}@active").ref == V1
    with three.db.session() as s:
        assert find_version(s, f"{L}@staging")[0].id == 2
    with three.db.transaction() as connection:
        assert version_row(connection, f"{L}@candidate").version == 3
    assert three.registry.load_model(f"{L}@staging")[1].ref == V2
    assert three.trades(f"{L}@staging") == []  # the ledger takes the ref too
    record = three.activate(f"{L}@staging", actor="t", reason="staging passed")
    assert (record.from_ref, record.to_ref) == (V1, V2)
    assert three.version(f"{L}@active").ref == V2
    assert sorted(three.version(V2).aliases) == ["active", "staging"]
    assert three.version(V2).aliases[0] == "active"


def test_an_unknown_alias_ref_names_the_alias(three: Desk):
    with pytest.raises(NotFoundError, match=r"has no alias 'staging'"):
        three.version(f"{L}@staging")
    with pytest.raises(NotFoundError, match="lineage@alias"):
        three.version(f"{L}@Bad Name")


def test_active_keeps_its_own_rules(three: Desk):
    with pytest.raises(RegistryError, match="`active` moves only with `aurum activate`"):
        three.set_alias(V1, "active", actor="t")
    three.activate(V1, actor="t")
    with pytest.raises(RegistryError, match="reserved"):
        three.remove_alias("active", actor="t")
    assert three.registry.active_version().ref == V1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name", ["Staging", "stag ing", "v3", "latest", "9lives", "x" * 33, "", "st@ging"]
)
def test_bad_alias_names_are_refused(three: Desk, name: str):
    with pytest.raises(RegistryError, match="alias name"):
        three.set_alias(V1, name, actor="t")
    assert three.aliases() == []


def test_pointing_an_alias_where_it_points_or_at_a_cleaned_version_is_refused(three: Desk):
    three.set_alias(V1, "staging", actor="t")
    with pytest.raises(RegistryError, match="already points at"):
        three.set_alias(V1, "staging", actor="t")
    three.remove_alias(f"{L}@staging", actor="t")
    three.cleanup(1, actor="t")  # v1 and v2 lose their files
    with pytest.raises(RegistryError, match="no model file any more"):
        three.set_alias(V1, "staging", actor="t")
    with pytest.raises(NotFoundError, match="has no alias 'staging'"):
        three.remove_alias("staging", actor="t")


def test_alias_moves_do_not_touch_the_active_history_or_rollback(three: Desk):
    three.activate(V1, actor="t")
    three.activate(V2, actor="t")
    three.set_alias(V3, "staging", actor="t")
    three.set_alias(V1, "staging", actor="t")
    three.remove_alias("staging", actor="t")
    assert [m.kind for m in three.activation_history()] == ["activate", "activate"]
    assert three.registry.rollback_target().ref == V1  # type: ignore[union-attr]
    back = three.rollback(actor="t")
    assert (back.from_ref, back.to_ref) == (V2, V1)
    assert [a.alias for a in three.aliases()] == ["active"]


def test_an_alias_is_one_per_name_and_lineage_in_the_database(three: Desk, small_model: Any):
    three.registry.register(small_model, spec(lineage="XAUUSD-M1-scalper", sharpe=1.0))
    three.set_alias(V1, "staging", actor="t")
    three.set_alias("XAUUSD-M1-scalper:v1", "staging", actor="t")  # another lineage: its own
    assert [(a.lineage, a.alias, a.ref) for a in three.aliases()] == [
        ("XAUUSD-M1-scalper", "staging", "XAUUSD-M1-scalper:v1"),
        (L, "staging", V1),
    ]
    with pytest.raises(DatabaseError), three.db.session(write=True) as s:
        lineage_id = s.scalar(select(Alias.lineage_id).where(Alias.version_id == 1))
        s.add(Alias(lineage_id=lineage_id, alias="staging", version_id=2))
        s.flush()
    with pytest.raises(NotFoundError, match="several model lineages"):
        three.remove_alias("staging", actor="t")  # which lineage? it must be named
    three.remove_alias("staging", lineage=L, actor="t")
    assert [a.lineage for a in three.aliases()] == ["XAUUSD-M1-scalper"]


def test_cleanup_keeps_the_file_of_an_aliased_version(three: Desk):
    three.activate(V3, actor="t")
    three.set_alias(V1, "staging", actor="t")
    report = three.cleanup(1, actor="t")
    assert report.removed == ["2"] and "1" in report.protected
    assert three.version(V1).artifact_path and three.version(V2).status == "cleaned"


def test_viewers_may_not_move_aliases_export_or_import(three: Desk, tmp_path: Any):
    add_user(three, "vic", "viewer", "viewer-pass", actor="admin")
    viewer = three.acting_as("vic", "viewer")
    with pytest.raises(PermissionDeniedError):
        viewer.set_alias(V1, "staging", actor="vic")
    with pytest.raises(PermissionDeniedError):
        viewer.remove_alias("staging", actor="vic")
    with pytest.raises(PermissionDeniedError, match="exporting a model needs an operator"):
        viewer.export_version(V1, str(tmp_path / "x"), actor="vic")
    with pytest.raises(PermissionDeniedError, match="importing a model needs an operator"):
        viewer.import_model(str(tmp_path / "x"), actor="vic")
    assert not (tmp_path / "x").exists()


def test_the_history_table_is_shared_and_marks_each_pointer(three: Desk):
    three.activate(V1, actor="t")
    three.set_alias(V2, "candidate", actor="t")
    with three.db.session() as s:
        rows = s.execute(
            select(ActivationEvent.alias, ActivationEvent.kind).order_by(ActivationEvent.id)
        ).all()
    assert [tuple(r) for r in rows] == [("active", "activate"), ("candidate", "set")]
