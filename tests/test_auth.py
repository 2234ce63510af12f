"""Users and roles: argon2 hashes, login rate limit, viewers refused by the service itself."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from engine import auth
from engine.cli.main import main
from engine.errors import AuthError, PermissionDeniedError
from engine.services import Desk
from tests.conftest import spec


def test_passwords_are_stored_only_as_argon2_hashes(desk: Desk):
    auth.add_user(desk, "olga", "operator", "s3cret-pass", actor="admin")
    from engine.db.schema import User

    with desk.db.session() as s:
        stored = s.query(User).one().password_hash
    assert stored.startswith("$argon2") and "s3cret-pass" not in stored
    assert auth.authenticate(desk, "olga", "s3cret-pass").role == "operator"
    everything = json.dumps([a.detail for a in desk.audit_log()]) + str(desk.audit_log())
    assert "s3cret-pass" not in everything and "$argon2" not in everything


def test_bad_users_are_refused(desk: Desk):
    with pytest.raises(AuthError, match="at least 8"):
        auth.add_user(desk, "olga", "operator", "short", actor="a")
    with pytest.raises(AuthError, match="role must be"):
        auth.add_user(desk, "olga", "admin", "long-enough", actor="a")
    auth.add_user(desk, "olga", "viewer", "long-enough", actor="a")
    with pytest.raises(AuthError, match="exists already"):
        auth.add_user(desk, "olga", "viewer", "long-enough", actor="a")


def test_failed_logins_lock_the_name_out(desk: Desk):
    desk.set_config("security.max_failed_logins", "3", actor="t")
    auth.add_user(desk, "olga", "operator", "right-password", actor="a")
    for _ in range(3):
        with pytest.raises(AuthError, match="wrong user name or password"):
            auth.authenticate(desk, "olga", "wrong-password")
    with pytest.raises(AuthError, match="too many failed logins"):
        auth.authenticate(desk, "olga", "right-password")
    actions = [a.action for a in desk.audit_log(5)]
    assert actions[:4] == ["login.locked", "login.failed", "login.failed", "login.failed"]


def test_viewers_read_but_the_service_refuses_their_actions(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    auth.add_user(desk, "vic", "viewer", "viewer-pass", actor="admin")
    auth.add_user(desk, "olga", "operator", "operator-pass", actor="admin")
    viewer = desk.acting_as("vic", "viewer")
    assert viewer.leaderboard()[0].id == v.id  # reading is fine
    for act in (
        lambda: viewer.activate(v.id, actor="vic"),
        lambda: viewer.set_config("max_models_to_keep", "3", actor="vic"),
        lambda: viewer.cleanup(1, actor="vic"),
        lambda: viewer.request_learning(actor="vic"),
    ):
        with pytest.raises(PermissionDeniedError, match="vic is a viewer"):
            act()
    assert desk.registry.active_version() is None and desk.learning_sessions() == []
    desk.acting_as("olga", "operator").activate(v.id, actor="olga", reason="ok")
    assert desk.activation_history()[0].actor == "olga"


def test_user_commands_and_the_open_address_rule(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    h = str(home)
    code = main(["dashboard", "--address", "0.0.0.0", "--home", h])
    assert code == 1 and "create an operator first" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("operator-pass\n"))
    assert main(["user", "add", "olga", "--role", "operator", "--password-stdin", "--home", h]) == 0
    assert main(["user", "list", "--home", h]) == 0
    assert "olga  operator" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("another-pass\n"))
    assert main(["user", "passwd", "olga", "--password-stdin", "--home", h]) == 0
    with Desk.open(h) as desk:
        assert auth.authenticate(desk, "olga", "another-pass").name == "olga"
    assert main(["user", "remove", "olga", "--home", h]) == 0
