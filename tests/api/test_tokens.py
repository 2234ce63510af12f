"""API tokens: `aurum token add | list | revoke`, hashed storage, audit, revocation at once."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.api.tokens import TokenGuard, add_token, list_tokens
from engine.cli.main import main
from engine.db.schema import ApiToken
from engine.services import Desk
from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_token_add_prints_the_token_once_and_stores_only_its_hash(
    home: Path, capsys: pytest.CaptureFixture[str]
):
    code, out, err = run(capsys, "token", "add", "mt5-vps", "--home", str(home), "--actor", "ops")
    token = out.strip()
    assert code == 0 and token.startswith("aur_") and len(token) == 47
    assert "shown only this once" in err
    with Desk.open(str(home)) as desk, desk.db.session() as s:
        (row,) = s.scalars(select(ApiToken)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert (row.name, row.prefix, row.created_by) == ("mt5-vps", token[:12], "ops")
        audit = [(a.actor, a.action, a.target) for a in desk.audit_log()]
    assert ("ops", "token.add", "mt5-vps") in audit
    code, out, _ = run(capsys, "token", "list", "--home", str(home))
    assert code == 0 and "mt5-vps" in out and token[:12] in out and token not in out
    code, out, _ = run(capsys, "token", "list", "--home", str(home), "--json")
    (listed,) = json.loads(out)
    assert (listed["name"], listed["prefix"], listed["revoked_at"]) == ("mt5-vps", token[:12], None)
    assert token not in out


def test_token_names_are_unique_and_safe(home: Path, capsys: pytest.CaptureFixture[str]):
    assert run(capsys, "token", "add", "ea", "--home", str(home))[0] == 0
    code, _, err = run(capsys, "token", "add", "ea", "--home", str(home))
    assert code == 1 and "a token named 'ea' exists already (in use)" in err
    code, _, err = run(capsys, "token", "add", "../x", "--home", str(home))
    assert code == 1 and "token name '../x' is not allowed" in err
    code, _, err = run(capsys, "token", "revoke", "nobody", "--home", str(home))
    assert code == 1 and "no API token named 'nobody'" in err
    code, out, _ = run(capsys, "token", "revoke", "ea", "--home", str(home), "--actor", "ops")
    assert code == 0 and "token ea revoked at" in out
    code, out, _ = run(capsys, "token", "revoke", "ea", "--home", str(home))
    assert code == 0  # revoking again changes nothing and is not audited twice
    code, _, err = run(capsys, "token", "add", "ea", "--home", str(home))
    assert code == 1 and "(revoked)" in err
    with Desk.open(str(home)) as desk:
        revokes = [a for a in desk.audit_log() if a.action == "token.revoke"]
        assert [(a.actor, a.target) for a in revokes] == [("ops", "ea")]


def test_a_revoked_token_is_refused_at_once(bridge: LiveBridge, capsys: pytest.CaptureFixture):
    client = Mt5LikeClient(bridge.url, bridge.token)
    assert client.active().status == 200
    deadline = time.monotonic() + 10  # the server writes last_used_at off its event loop
    while list_tokens(bridge.desk)[0].last_used_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list_tokens(bridge.desk)[0].last_used_at is not None
    home = str(bridge.desk.paths.root)
    code, _, _ = run(capsys, "token", "revoke", "ea-test", "--home", home, "--actor", "ops")
    assert code == 0
    refused = client.active()
    assert refused.status == 401 and refused.headers["www-authenticate"] == "Bearer"
    other = add_token(bridge.desk, "second-ea", actor="ops").token
    assert Mt5LikeClient(bridge.url, other).active().status == 200  # new tokens work at once
    client.close()


def test_the_guard_matches_live_tokens_and_touches_last_used_once_a_minute(desk: Desk):
    first = add_token(desk, "one", actor="t").token
    second = add_token(desk, "two", actor="t").token
    guard = TokenGuard(desk)
    assert [guard.name_for(first), guard.name_for(second)] == ["one", "two"]
    assert guard.name_for(first[:-1]) is None and guard.name_for("") is None
    used = {t.name: t.last_used_at for t in list_tokens(desk)}
    assert used["one"] is not None and used["two"] is not None
    assert guard.name_for(first) == "one"
    again = {t.name: t.last_used_at for t in list_tokens(desk)}
    assert again == used  # within the minute: no second write
    fresh = TokenGuard(desk)  # e.g. the server restarted: it writes once more
    assert fresh.name_for(first) == "one"
    assert {t.name: t.last_used_at for t in list_tokens(desk)}["one"] > used["one"]
