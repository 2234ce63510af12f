"""Login and roles in the dashboard: wrong passwords refused, viewers cannot act, operators'
actions are audited under their name."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine import auth
from engine.services import Desk
from tests.dashboard.conftest import APP
from tests.dashboard.test_flows import V2, V3, messages


def login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_name").set_value(name)
    at.text_input(key="login_password").set_value(password)
    return at.button[0].click().run()


def setup_users(desk: Desk) -> None:
    desk.set_config("security.require_login", "true", actor="test")
    auth.add_user(desk, "olga", "operator", "operator-pass", actor="test")
    auth.add_user(desk, "vic", "viewer", "viewer-pass", actor="test")


def test_wrong_password_is_refused_and_the_desk_stays_hidden(home: Path, desk: Desk):
    setup_users(desk)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert "Aurum — log in" in [t.value for t in at.title]
    at = login(at, "olga", "not-the-password")
    assert "wrong user name or password" in messages(at)
    assert not [m for m in at.metric if m.label == "Live trades"]
    assert desk.audit_log(1)[0].action == "login.failed"


def test_a_viewer_cannot_act_and_an_operator_is_audited_by_name(home: Path, desk: Desk):
    setup_users(desk)
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "vic", "viewer-pass")
    at.switch_page("views/models.py").run()
    at.selectbox(key="models_version").set_value(V2).run()
    assert not [b for b in at.button if b.key in {"activate", "rollback", "pin", "cleanup"}]
    assert "logged in as a viewer" in messages(at)
    at.switch_page("views/learning.py").run()
    assert not [b for b in at.button if b.key == "retrain"]
    assert desk.registry.active_version().ref == V3  # and the engine refuses if called anyway:
    from engine.errors import PermissionDeniedError

    try:
        desk.acting_as("vic", "viewer").activate(V2, actor="vic")
    except PermissionDeniedError as err:
        assert "vic is a viewer" in str(err)
    else:
        raise AssertionError("a viewer activated a model")

    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "olga", "operator-pass")
    at.switch_page("views/models.py").run()
    at.selectbox(key="models_version").set_value(V2).run()
    at.button(key="activate").click().run()
    at.text_input(key="activate_reason").set_value("operator decides")
    at.button(key="activate_confirm").click().run()
    assert desk.registry.active_version().ref == V2
    assert desk.activation_history()[0].actor == "olga"
    assert desk.audit_log(1)[0].actor == "olga"


def test_a_session_idle_past_the_limit_must_log_in_again(home: Path, desk: Desk):
    from dashboard.login import SESSION_KEY

    setup_users(desk)
    desk.set_config("security.session_idle_minutes", "5", actor="test")
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "olga", "operator-pass")
    assert "Aurum — log in" not in [t.value for t in at.title]
    at.session_state[SESSION_KEY]["seen"] -= 4 * 60  # 4 minutes idle: still logged in
    at.run()
    assert "Aurum — log in" not in [t.value for t in at.title]
    at.session_state[SESSION_KEY]["seen"] -= 6 * 60  # then 6 minutes without a click
    at.run()
    assert "Aurum — log in" in [t.value for t in at.title]
    assert any("session expired" in w.value for w in at.warning)


def _logged_in_at_activation(desk: Desk) -> AppTest:
    """olga logged in, the activation of V2 open and its reason typed, not yet confirmed."""
    setup_users(desk)
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "olga", "operator-pass")
    at.switch_page("views/models.py").run()
    at.selectbox(key="models_version").set_value(V2).run()
    at.button(key="activate").click().run()
    at.text_input(key="activate_reason").set_value("still an operator?")
    return at


def test_a_removed_users_next_click_is_refused_and_their_session_ends(home: Path, desk: Desk):
    at = _logged_in_at_activation(desk)
    auth.remove_user(desk, "olga", actor="admin")
    at.button(key="activate_confirm").click().run()
    assert desk.registry.active_version().ref == V3  # the click did nothing
    assert "Aurum — log in" in [t.value for t in at.title]
    assert any("no longer exists" in w.value for w in at.warning)
    at.run()  # and the session stays ended
    assert "Aurum — log in" in [t.value for t in at.title]


def test_a_demoted_users_next_click_is_refused_and_their_session_ends(home: Path, desk: Desk):
    from sqlalchemy import update

    from engine.db.schema import User

    at = _logged_in_at_activation(desk)
    with desk.db.session(write=True) as s:
        s.execute(update(User).where(User.name == "olga").values(role="viewer"))
    at.button(key="activate_confirm").click().run()
    assert desk.registry.active_version().ref == V3
    assert "Aurum — log in" in [t.value for t in at.title]
    assert any("role changed to viewer" in w.value for w in at.warning)
    at = login(at, "olga", "operator-pass")  # back in, as what the database says now
    at.switch_page("views/models.py").run()
    assert "logged in as a viewer" in messages(at)


def test_the_engine_checks_the_current_role_whatever_the_session_holds(home: Path, desk: Desk):
    """At the Desk level: a desk opened for an operator refuses once the user is removed or
    demoted, even though its role field still says operator."""
    from sqlalchemy import update

    from engine.db.schema import User
    from engine.errors import PermissionDeniedError

    setup_users(desk)
    olga = desk.acting_as("olga", "operator")
    olga.set_pinned(V2, True, actor="olga")  # an operator acts
    with desk.db.session(write=True) as s:
        s.execute(update(User).where(User.name == "olga").values(role="viewer"))
    try:
        olga.activate(V2, actor="olga")
    except PermissionDeniedError as err:
        assert "olga is a viewer" in str(err)
    else:
        raise AssertionError("a demoted user activated a model")
    auth.remove_user(desk, "olga", actor="admin")
    for act in (
        lambda: olga.rollback(actor="olga"),
        lambda: olga.set_config("max_models_to_keep", "3", actor="olga"),
        lambda: olga.request_learning(actor="olga"),
    ):
        try:
            act()
        except PermissionDeniedError as err:
            assert "olga is no longer a user of this desk" in str(err)
        else:
            raise AssertionError("a removed user acted")
    assert desk.registry.active_version().ref == V3
    vic = desk.acting_as("vic", "viewer")
    with desk.db.session(write=True) as s:  # promoted since: the database decides
        s.execute(update(User).where(User.name == "vic").values(role="operator"))
    vic.set_pinned(V2, False, actor="vic")
    assert not desk.version(V2).pinned
