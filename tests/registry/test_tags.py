"""Tags and descriptions: set, replaced, removed, bounded, audited, listed; the version itself
never changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from engine.auth import add_user
from engine.errors import NotFoundError, PermissionDeniedError, RegistryError
from engine.registry.tags import MAX_DESCRIPTION, MAX_TAG_VALUE, MAX_TAGS, parse_tag
from engine.services import Desk
from tests.conftest import spec

V1 = "XAUUSD-M5-scalper:v1"


@pytest.fixture
def two(desk: Desk, small_model: Any) -> Desk:
    desk.registry.register(small_model, spec(sharpe=1.0, trades=120))
    desk.registry.register(small_model, spec(sharpe=2.0, trades=130))
    return desk


def test_a_tag_is_set_replaced_and_removed_with_each_change_audited(two: Desk):
    first = two.tag(V1, "reviewed=olga", actor="olga")
    assert (first.ref, first.item, first.before, first.after) == (V1, "tag:reviewed", None, "olga")
    again = two.tag(1, "reviewed= vic ", actor="vic")  # by id; the value is trimmed
    assert (again.before, again.after) == ("olga", "vic")
    two.tag(V1, "regime=trend", actor="vic")
    assert two.version(V1).tags == {"regime": "trend", "reviewed": "vic"}
    assert two.version(2).tags == {}
    gone = two.untag(V1, "reviewed", actor="olga")
    assert (gone.before, gone.after) == ("vic", None)
    assert two.version(V1).tags == {"regime": "trend"}
    audit = [(a.actor, a.action, a.target, a.detail) for a in two.audit_log(4)]
    assert audit == [
        ("olga", "model.untag", V1, {"key": "reviewed", "from": "vic"}),
        ("vic", "model.tag", V1, {"key": "regime", "from": None, "to": "trend"}),
        ("vic", "model.tag", V1, {"key": "reviewed", "from": "olga", "to": "vic"}),
        ("olga", "model.tag", V1, {"key": "reviewed", "from": None, "to": "olga"}),
    ]


def test_a_description_is_replaced_cleared_and_audited(two: Desk):
    change = two.describe(V1, "  Trend model.\nTrades London only.  ", actor="olga")
    assert (change.before, change.after) == ("", "Trend model.\nTrades London only.")
    assert two.version(V1).description == "Trend model.\nTrades London only."
    assert two.describe(V1, "", actor="olga").after == ""
    assert two.version(V1).description == ""
    actions = [(a.action, a.detail["to"]) for a in two.audit_log(2)]
    assert actions == [("model.describe", ""), ("model.describe", change.after)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("reviewed", "not a tag: write KEY=VALUE"),
        ("bad key=1", "tag key 'bad key' is not allowed"),
        ("1st=x", "tag key '1st' is not allowed"),
        ("k" * 65 + "=x", "is not allowed"),
        ("reviewed=", "needs a value"),
        ("reviewed=" + "x" * (MAX_TAG_VALUE + 1), "at most 256 are kept"),
        ("note=two\nlines", "line break or control character"),
        ("note=\u202eevil", "line break or control character"),  # a right-to-left override
    ],
)
def test_bad_tags_are_refused_with_the_reason_and_nothing_changes(
    two: Desk, text: str, reason: str
):
    with pytest.raises(RegistryError, match=reason):
        two.tag(V1, text, actor="t")
    assert two.version(V1).tags == {}
    assert not [a for a in two.audit_log(5) if a.action == "model.tag"]


def test_the_longest_allowed_tag_and_description_are_kept_whole(two: Desk):
    key, value = "k" + "x" * 63, "v" * MAX_TAG_VALUE
    assert parse_tag(f"{key}={value}") == (key, value)
    two.tag(V1, f"{key}={value}", actor="t")
    two.describe(V1, "d" * MAX_DESCRIPTION, actor="t")
    v = two.version(V1)
    assert v.tags == {key: value} and len(v.description) == MAX_DESCRIPTION
    with pytest.raises(RegistryError, match="at most 5,000 are kept"):
        two.describe(V1, "d" * (MAX_DESCRIPTION + 1), actor="t")
    with pytest.raises(RegistryError, match="control character"):
        two.describe(V1, "bell\x07", actor="t")
    assert len(two.version(V1).description) == MAX_DESCRIPTION


def test_a_version_keeps_at_most_fifty_tags(two: Desk):
    for k in range(MAX_TAGS):
        two.tag(V1, f"t{k}=x", actor="t")
    with pytest.raises(RegistryError, match="at most 50 tags"):
        two.tag(V1, "one_more=x", actor="t")
    two.tag(V1, "t0=replaced", actor="t")  # replacing an existing key is still allowed
    assert len(two.version(V1).tags) == MAX_TAGS


def test_untag_of_a_missing_key_and_an_unknown_version_are_refused(two: Desk):
    with pytest.raises(NotFoundError, match="has no tag 'nope'"):
        two.untag(V1, "nope", actor="t")
    with pytest.raises(NotFoundError, match="does not exist"):
        two.tag("XAUUSD-M5-scalper:v9", "a=b", actor="t")


def test_viewers_may_not_tag_or_describe(two: Desk):
    add_user(two, "vic", "viewer", "viewer-pass", actor="admin")
    viewer = two.acting_as("vic", "viewer")
    for act in (
        lambda: viewer.tag(V1, "a=b", actor="vic"),
        lambda: viewer.untag(V1, "a", actor="vic"),
        lambda: viewer.describe(V1, "x", actor="vic"),
    ):
        with pytest.raises(PermissionDeniedError, match="needs an operator"):
            act()


def test_notes_change_nothing_the_version_is(two: Desk):
    before = two.version(V1)
    two.tag(V1, "reviewed=yes", actor="t")
    two.describe(V1, "notes", actor="t")
    after = two.version(V1)
    assert dataclasses.replace(after, tags={}, description="") == before
    two.registry.load_model(V1)  # the file still verifies against its recorded sha256


def test_the_listing_carries_tags_descriptions_and_aliases_as_get_does(two: Desk):
    two.tag(V1, "reviewed=yes", actor="t")
    two.tag(2, "regime=range", actor="t")
    two.describe(2, "second", actor="t")
    two.activate(2, actor="t")
    two.set_alias(V1, "staging", actor="t")
    listed = {v.id: v for v in two.registry.list_versions()}
    for vid in (1, 2):
        assert listed[vid] == dataclasses.replace(two.version(vid), details={})
    assert (listed[1].tags, listed[1].aliases) == ({"reviewed": "yes"}, ["staging"])
    assert (listed[2].description, listed[2].aliases) == ("second", ["active"])
    board = {v.id: v for v in two.leaderboard()}
    assert board[1].tags == {"reviewed": "yes"} and board[2].aliases == ["active"]
