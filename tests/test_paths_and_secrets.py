"""Names that reach the filesystem cannot leave the home folder (every escape variant, for every
kind of name), and secrets never show up in logs, reports, the audit trail or CLI output."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from engine import auth
from engine.cli.main import main
from engine.errors import AuthError, UnsafePathError
from engine.home import safe_name
from engine.services import Desk
from tests.conftest import spec

ESCAPES = [
    "../evil",
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "/abs/path",
    "a/../../b",
    "..\\evil",
    "a\\b",
    "C:\\Windows\\system32",
    "%2e%2e%2fevil",
    "..%2fevil",
    "%2e%2e",
    "%2F",
    "evil%00.csv",
    "evil\x00",
    "~root",
    ".hidden",
    "",
    " ",
    "x y",
]


@pytest.mark.parametrize("name", ESCAPES)
def test_safe_name_refuses_every_escape_variant(name: str):
    with pytest.raises(UnsafePathError, match="is not allowed"):
        safe_name(name, what="name")


@pytest.mark.parametrize("name", ESCAPES)
def test_a_symbol_cannot_escape_and_nothing_is_imported(desk: Desk, tmp_path: Path, name: str):
    from engine.data.synthetic import generate_bars

    csv = tmp_path / "bars.csv"
    generate_bars(n_bars=50, seed=1).to_csv(csv, index=False)
    with pytest.raises(UnsafePathError):
        desk.import_bars(str(csv), symbol=name, timeframe="M5", actor="t")
    assert desk.bar_series() == []


@pytest.mark.parametrize("name", ESCAPES)
def test_a_lineage_name_cannot_escape_and_nothing_is_written(
    desk: Desk, small_model: Any, name: str
):
    with pytest.raises(UnsafePathError):
        desk.registry.register(small_model, spec(lineage=name))
    assert desk.registry.list_versions() == []
    assert not any(p.is_file() for p in desk.paths.artifacts_dir.rglob("*"))


@pytest.mark.parametrize("name", ESCAPES)
def test_a_user_name_cannot_escape(desk: Desk, name: str):
    with pytest.raises((UnsafePathError, AuthError)):
        auth.add_user(desk, name, "viewer", "long-enough-pw", actor="t")
    assert auth.list_users(desk) == []


@pytest.mark.parametrize("name", [*ESCAPES, "..\\..\\evil.csv", "/tmp/x.tsv"])
def test_an_uploaded_file_name_never_becomes_part_of_a_path(name: str):
    from dashboard.uploads import UPLOAD_DIR, save_upload

    path = save_upload(name, f"a,b\n1,{len(name)}\n".encode())
    assert path.parent == UPLOAD_DIR and path.stem.isalnum() and len(path.stem) == 64
    assert path.suffix in {".csv", ".txt", ".tsv"}


def test_secrets_never_reach_logs_reports_audit_or_cli_output(
    home: Path,
    desk: Desk,
    small_model: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    from engine.db.schema import User
    from engine.reports import build_report, write_report

    caplog.set_level(logging.DEBUG)
    password, new_password = "Tr0ub4dor&3-horse", "correct-horse-battery"
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert (
        main(["user", "add", "olga", "--role", "operator", "--password-stdin", "--home", str(home)])
        == 0
    )
    auth.authenticate(desk, "olga", password)
    with pytest.raises(AuthError):
        auth.authenticate(desk, "olga", "a-wrong-guess-" + password)
    auth.set_password(desk, "olga", new_password, actor="olga")
    v = desk.registry.register(small_model, spec())
    desk.acting_as("olga", "operator").activate(v.id, actor="olga", reason="secrets test")
    with desk.db.session() as s:
        stored_hash = s.query(User).one().password_hash
    secrets = [password, new_password, stored_hash, stored_hash.split("$")[-1], "$argon2"]

    report_file = write_report(build_report(desk), desk.paths.logs_dir)
    for argv in (["history", "--json"], ["report", "--json"], ["user", "list"]):
        assert main([*argv, "--home", str(home)]) == 0
    cli_output = capsys.readouterr()
    places = {
        "report file": report_file.read_text(encoding="utf-8"),
        "logs folder": "".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in desk.paths.logs_dir.rglob("*")
            if p.is_file()
        ),
        "audit trail": json.dumps(
            [(a.actor, a.action, a.target, a.detail) for a in desk.audit_log()]
        ),
        "log records": "\n".join(r.getMessage() for r in caplog.records),
        "cli output": cli_output.out + cli_output.err,
    }
    assert "olga" in places["audit trail"]  # the trail is there, only without secrets
    leaks = [(where, s[:12]) for where, text in places.items() for s in secrets if s in text]
    assert leaks == []
