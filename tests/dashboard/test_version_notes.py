"""Tags, descriptions and aliases on the Models page (operators edit, every edit audited, people's
text shown as text), and the Leaderboard's tag and alias filters."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.desk import actor
from dashboard.literal import literal
from engine.services import Desk
from tests.dashboard.conftest import open_page
from tests.dashboard.test_flows import V1, V2, V3, messages, models_page_on
from tests.dashboard.test_login import login, setup_users
from tests.dashboard.test_pages import frame

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_an_operator_tags_describes_and_aliases_a_version(home: Path, desk: Desk):
    at = models_page_on(V2)
    at.text_input(key="tag_key").set_value("reviewed")
    at.text_input(key="tag_value").set_value("olga")
    at = submit(at, "Set tag")
    assert not at.exception and desk.version(V2).tags == {"reviewed": "olga"}
    assert literal(f"{V2}: tag set.") in messages(at)
    at.text_area(key="description_text").set_value("Trend model.\nLondon only.")
    at = submit(at, "Save description")
    assert desk.version(V2).description == "Trend model.\nLondon only."
    at.text_input(key="alias_name").set_value("staging")
    at.text_input(key="alias_reason").set_value("try it on the VPS")
    at = submit(at, "Point alias here")
    assert desk.version("XAUUSD-M5-scalper@staging").ref == V2
    move = desk.alias_history()[0]
    assert (move.to_ref, move.actor, move.reason) == (V2, actor(), "try it on the VPS")
    assert [(a.action, a.actor) for a in desk.audit_log(3)] == [
        ("model.alias", actor()), ("model.describe", actor()), ("model.tag", actor()),
    ]  # fmt: skip
    shown = frame(at, "alias", "event", "from", "to")
    assert list(shown["to"]) == [V2] and list(shown["why"]) == ["try it on the VPS"]
    assert list(frame(at, "key", "value").itertuples(index=False)) == [("reviewed", "olga")]

    at.selectbox(key="untag_key").set_value("reviewed")
    at = submit(at, "Remove tag")
    assert desk.version(V2).tags == {}
    at.selectbox(key="unalias_name").set_value("staging")
    at = submit(at, "Remove alias")
    assert desk.version(V2).aliases == [] and desk.alias_history()[0].kind == "remove"


def test_a_refused_tag_shows_the_reason_and_changes_nothing(home: Path, desk: Desk):
    at = models_page_on(V1)
    at.text_input(key="tag_key").set_value("bad key")
    at.text_input(key="tag_value").set_value("x")
    at = submit(at, "Set tag")
    assert "tag key 'bad key' is not allowed" in messages(at)
    assert desk.version(V1).tags == {}


def test_peoples_text_is_shown_as_text_not_markdown(home: Path, desk: Desk):
    text = "**loud** [click](http://example.com) <b>x</b>"
    desk.describe(V3, text, actor="t")
    desk.tag(V3, "note=**also** [not a link](x)", actor="t")
    at = models_page_on(V3)
    assert text in [t.value for t in at.text]
    assert not any("click" in m.value for m in at.markdown)
    tags = frame(at, "key", "value")
    assert list(tags["value"]) == ["**also** [not a link](x)"]


def test_a_viewer_sees_the_notes_but_no_forms(home: Path, desk: Desk):
    setup_users(desk)
    desk.describe(V2, "read me", actor="t")
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "vic", "viewer-pass")
    at.switch_page("views/models.py").run()
    at.selectbox(key="models_version").set_value(V2).run()
    assert "read me" in [t.value for t in at.text]
    assert not [b for b in at.button if b.label in ("Set tag", "Save description")]
    assert not [t for t in at.text_input if t.key in ("tag_key", "alias_name")]


def test_the_leaderboard_filters_by_tag_and_alias(home: Path, desk: Desk):
    desk.tag(V1, "regime=trend", actor="t")
    desk.tag(V2, "regime=range", actor="t")
    desk.set_alias(V2, "staging", actor="t")
    at = open_page("leaderboard")
    board = frame(at, "rank", "version")
    assert set(board["version"]) == {V1, V2, V3}
    assert dict(zip(board["version"], board["tags"], strict=True))[V1] == "regime=trend"
    at.multiselect(key="filter_tag").set_value(["regime=trend"]).run()
    assert list(frame(at, "rank", "version")["version"]) == [V1]
    at.multiselect(key="filter_tag").set_value([]).run()
    at.multiselect(key="filter_alias").set_value(["staging"]).run()
    shown = frame(at, "rank", "version")
    assert list(shown["version"]) == [V2] and list(shown["aliases"]) == ["staging"]
    at.multiselect(key="filter_alias").set_value(["active"]).run()
    assert list(frame(at, "rank", "version")["version"]) == [V3]
