"""`aurum tag | untag | describe | alias | export | import-model`, and what `show` and `history`
print about them, on temporary homes."""

from __future__ import annotations

import io
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.services import Desk
from tests.conftest import fresh_postgres_database, on_postgres, spec

L = "XAUUSD-M5-scalper"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(home: Path, small_model: Any) -> str:
    with Desk.open(str(home)) as desk:
        desk.registry.register(small_model, spec(sharpe=1.0, trades=120.0))
        desk.registry.register(small_model, spec(sharpe=2.0, trades=130.0))
    return str(home)


def test_tag_untag_and_describe(seeded: str, capsys: pytest.CaptureFixture[str]):
    h = ("--home", seeded, "--actor", "olga")
    assert run(capsys, "tag", f"{L}:v1", "reviewed=yes", *h)[1] == f"{L}:v1: reviewed=yes\n"
    code, out, _ = run(capsys, "tag", "1", "reviewed=twice", *h, "--json")
    assert code == 0 and json.loads(out) == {
        "ref": f"{L}:v1", "version_id": 1, "item": "tag:reviewed", "before": "yes",
        "after": "twice",
    }  # fmt: skip
    code, _, err = run(capsys, "tag", "1", "no-equals-sign", *h)
    assert code == 1 and "is not a tag: write KEY=VALUE" in err
    assert run(capsys, "describe", "1", "Trend model,\nLondon only", *h)[1] == (
        f"{L}:v1: description set (24 characters)\n"
    )
    code, out, _ = run(capsys, "show", "1", "--home", seeded)
    assert "tags        reviewed=twice" in out
    assert "description:\n  Trend model,\n  London only\n" in out
    shown = json.loads(run(capsys, "show", "1", "--home", seeded, "--json")[1])
    assert (shown["tags"], shown["description"]) == (
        {"reviewed": "twice"},
        "Trend model,\nLondon only",
    )
    assert run(capsys, "untag", "1", "reviewed", *h)[1] == (
        f"{L}:v1: tag reviewed removed (was 'twice')\n"
    )
    code, _, err = run(capsys, "untag", "1", "reviewed", *h)
    assert code == 1 and "has no tag 'reviewed'" in err
    with Desk.open(seeded) as desk:
        assert [a.actor for a in desk.audit_log(4)] == ["olga"] * 4


def test_describe_reads_standard_input_for_dash(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO("line one\nline two\n"))
    assert run(capsys, "describe", "2", "-", "--home", seeded)[0] == 0
    with Desk.open(seeded) as desk:
        assert desk.version(2).description == "line one\nline two"


def test_alias_set_move_list_remove_and_history(seeded: str, capsys: pytest.CaptureFixture[str]):
    h = ("--home", seeded, "--actor", "vic")
    code, out, _ = run(capsys, "alias", "1", "staging", *h, "--reason", "first look")
    assert code == 0 and out == f"{L}@staging → {L}:v1\n"
    assert run(capsys, "alias", "2", "staging", *h)[1] == f"{L}@staging → {L}:v2 (was {L}:v1)\n"
    assert "aliases     XAUUSD-M5-scalper@staging" in run(capsys, "show", f"{L}@staging", *h)[1]
    listing = json.loads(run(capsys, "alias", *h, "--json")[1])
    assert [(a["alias"], a["ref"]) for a in listing["aliases"]] == [("staging", f"{L}:v2")]
    assert [(m["kind"], m["reason"]) for m in listing["history"]] == [
        ("move", ""), ("set", "first look"),
    ]  # fmt: skip
    code, _, err = run(capsys, "alias", "1", "active", *h)
    assert code == 1 and "reserved: `active` moves only with `aurum activate`" in err
    code, _, err = run(capsys, "alias", "1", *h)
    assert code == 1 and "give the alias NAME after VERSION" in err
    code, _, err = run(capsys, "alias", "1", "x", "--remove", "staging", *h)
    assert code == 1 and "not both" in err
    code, out, _ = run(capsys, "alias", "--remove", "staging", *h, "--reason", "done")
    assert out == f"{L}@staging removed (was {L}:v2)\n"
    history = json.loads(run(capsys, "history", *h, "--json")[1])
    assert [(m["alias"], m["kind"], m["actor"]) for m in history["aliases"]] == [
        ("staging", "remove", "vic"), ("staging", "move", "vic"), ("staging", "set", "vic"),
    ]  # fmt: skip
    text = run(capsys, "history", *h)[1]
    assert "staging remove" in text and "staging set" in text


def test_export_then_import_on_another_desk(
    seeded: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    out_dir = tmp_path / "v2-export"
    code, out, _ = run(capsys, "export", "2", "--out", str(out_dir), "--home", seeded)
    assert code == 0 and f"exported {L}:v2 to {out_dir}" in out
    with Desk.open(seeded) as desk:
        sha = desk.version(2).artifact_sha256
    assert f"model file sha256 {sha}" in out
    code, _, err = run(capsys, "export", "2", "--out", str(out_dir), "--home", seeded)
    assert code == 1 and "is not empty" in err
    with ExitStack() as stack:
        if on_postgres():  # the other desk's own database
            monkeypatch.setenv("AURUM_DATABASE_URL", stack.enter_context(fresh_postgres_database()))
        other = str(tmp_path / "other")
        run(capsys, "init", "--home", other)
        code, out, _ = run(capsys, "import-model", str(out_dir), "--home", other, "--json")
        done = json.loads(out)
        assert code == 0 and (done["ref"], done["from"]) == (f"{L}:v1", f"{L}:v2")
        assert done["version"]["status"] == "candidate"
        assert done["version"]["artifact_sha256"] == sha
        assert "allow-list: 0 non-default type(s), all trusted" in done["checks"]
        (out_dir / "model.skops").write_bytes(b"PK\x03\x04 not the model")
        code, _, err = run(capsys, "import-model", str(out_dir), "--home", other)
        assert code == 1 and "does not match the card" in err and "changed, truncated" in err
