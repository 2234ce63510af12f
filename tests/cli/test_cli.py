"""The `aurum` command line end to end on a temporary home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import COMMANDS, main
from engine.db import HEAD_REVISION
from engine.services import Desk
from tests.conftest import spec


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(home: Path, small_model: Any, forest: Any) -> Path:
    with Desk.open(str(home)) as desk:
        desk.registry.register(small_model, spec(sharpe=1.0, win_rate=0.5, trades=80))
        desk.registry.register(
            forest, spec("random_forest", sharpe=2.0, profit_factor=float("inf"))
        )
    return home


def test_commands_refuse_an_uninitialised_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "models", "--home", str(tmp_path / "new"))
    assert code == 1 and "run `aurum init` first" in err


def test_init_then_empty_models_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    home = str(tmp_path / "h")
    code, out, _ = run(capsys, "init", "--home", home)
    assert code == 0 and f"schema empty -> {HEAD_REVISION}" in out
    code, out, _ = run(capsys, "init", "--home", home)
    assert f"schema {HEAD_REVISION} -> {HEAD_REVISION}" in out
    code, out, _ = run(capsys, "models", "--home", home)
    assert code == 0 and "Run `aurum demo`" in out


def test_models_json_is_stable(seeded: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "models", "--home", str(seeded), "--json")
    rows = json.loads(out)
    assert code == 0 and [r["ref"] for r in rows] == [
        "XAUUSD-M5-scalper:v2",
        "XAUUSD-M5-scalper:v1",
    ]
    assert rows[0]["metrics"]["profit_factor"] == "inf"
    assert {
        "id",
        "ref",
        "algorithm",
        "status",
        "metrics",
        "metrics_source",
        "artifact_sha256",
        "created_at",
        "features",
        "pinned",
    } <= set(rows[0])


def test_activate_rollback_history_flow(seeded: Path, capsys: pytest.CaptureFixture[str]):
    h = str(seeded)
    assert run(capsys, "activate", "1", "--home", h, "--actor", "alice", "--yes")[1].startswith(
        "active"
    )
    code, out, _ = run(capsys, "activate", "XAUUSD-M5-scalper:v2", "--home", h, "--reason", "x")
    assert code == 0 and "was XAUUSD-M5-scalper:v1" in out
    code, out, _ = run(capsys, "rollback", "--home", h, "--reason", "bad fills")
    assert code == 0 and "XAUUSD-M5-scalper:v1 is active again" in out
    code, _, err = run(capsys, "rollback", "--home", h, "--reason", "again")
    assert code == 1 and "nothing to roll back" in err
    code, out, _ = run(capsys, "history", "--home", h, "--json")
    events = json.loads(out)["activations"]
    assert [e["kind"] for e in events] == ["rollback", "activate", "activate"]
    assert events[0]["reason"] == "bad fills" and events[-1]["actor"] == "alice"


def test_show_and_unknown_version(seeded: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "show", "2", "--home", str(seeded), "--json")
    assert code == 0 and json.loads(out)["algorithm"] == "random_forest"
    code, _, err = run(capsys, "show", "77", "--home", str(seeded))
    assert code == 1 and "does not exist" in err


def test_config_set_validate_history_revert(home: Path, capsys: pytest.CaptureFixture[str]):
    h = str(home)
    code, out, _ = run(capsys, "config", "set", "max_models_to_keep", "4", "--home", h)
    assert code == 0 and "max_models_to_keep: 10 -> 4" in out
    code, _, err = run(capsys, "config", "set", "max_models_to_keep", "0", "--home", h)
    assert code == 1 and "max_models_to_keep" in err and "greater than or equal to 1" in err
    assert "valid" in run(capsys, "config", "validate", "--home", h)[1]
    code, out, _ = run(capsys, "config", "history", "--home", h, "--json")
    change_id = json.loads(out)[0]["id"]
    assert run(capsys, "config", "revert", str(change_id), "--home", h, "--note", "too few kept")[
        1
    ].startswith("max_models_to_keep: 4 -> 10")
    code, out, _ = run(capsys, "config", "show", "--home", h, "--json")
    assert json.loads(out)["max_models_to_keep"] == 10
    code, out, _ = run(capsys, "config", "history", "--home", h, "--json")
    assert "too few kept" in json.loads(out)[0]["reason"]


def test_report_is_printed_and_written(seeded: Path, capsys: pytest.CaptureFixture[str]):
    run(capsys, "activate", "2", "--home", str(seeded), "--reason", "report")
    code, out, _ = run(capsys, "report", "--home", str(seeded), "--json")
    report = json.loads(out)
    assert code == 0 and report["phase3_status"]["active_model"] == "XAUUSD-M5-scalper:v2"
    assert report["phase3_status"]["registered_versions"] == 2
    written = list((seeded / "logs").glob("phase3_report_*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["phase3_status"]


def test_cleanup_pin_and_unpin(seeded: Path, capsys: pytest.CaptureFixture[str]):
    h = str(seeded)
    run(capsys, "pin", "1", "--home", h)
    code, out, _ = run(capsys, "cleanup", "--keep", "1", "--home", h)
    assert code == 0 and "cleaned 0 version(s)" in out and "ids 1" in out
    run(capsys, "unpin", "1", "--home", h)
    code, out, _ = run(capsys, "cleanup", "--keep", "1", "--home", h)
    assert "cleaned 1 version(s)" in out


@pytest.mark.slow
def test_console_script_demo_in_a_fresh_process(tmp_path: Path):
    exe = Path(sys.executable).parent / "aurum"
    home = str(tmp_path / "h")
    for args in (["init"], ["demo", "--bars", "8000"], ["demo", "--if-empty"]):
        done = subprocess.run(
            [str(exe), *args, "--home", home], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    assert "demo skipped" in done.stdout
    out = subprocess.run(
        [str(exe), "models", "--json", "--home", home], capture_output=True, text=True, timeout=60
    ).stdout
    rows = json.loads(out)
    assert len(rows) == 3 and sum(r["status"] == "active" for r in rows) == 1
    assert all(r["metrics"]["trades"] >= 0 for r in rows)
    again = subprocess.run([str(exe), "demo", "--home", home], capture_output=True, text=True)
    assert again.returncode == 1 and "already has models" in again.stderr


def test_every_command_is_documented():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "CLI.md").read_text(encoding="utf-8")
    missing = [c for c in COMMANDS if f"aurum {c}" not in docs]
    assert missing == []


def test_action_commands_print_json(seeded: Path, capsys: pytest.CaptureFixture[str]):
    h = str(seeded)
    code, out, _ = run(capsys, "activate", "1", "--home", h, "--json", "--reason", "first")
    first = json.loads(out)
    assert code == 0 and (first["to_version_id"], first["kind"], first["reason"]) == (
        1,
        "activate",
        "first",
    )
    run(capsys, "activate", "2", "--home", h, "--yes")
    code, out, _ = run(capsys, "rollback", "--home", h, "--json", "--yes")
    back = json.loads(out)
    assert (back["kind"], back["from_version_id"], back["to_version_id"]) == ("rollback", 2, 1)
    code, out, _ = run(capsys, "pin", "2", "--home", h, "--json")
    assert json.loads(out) == {"ref": "XAUUSD-M5-scalper:v2", "id": 2, "pinned": True}
    code, out, _ = run(capsys, "cleanup", "--keep", "1", "--home", h, "--json")
    report = json.loads(out)
    assert report["removed"] == [] and report["protected"] == ["1"]  # v2 is the newest kept
    assert report["freed_bytes"] == 0


def test_activate_and_rollback_ask_for_a_reason_as_the_dashboard_does(
    seeded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """A script without --reason or --yes is refused and nothing changes; at a terminal the
    reason is asked for (empty cancels); --yes confirms without one."""
    h = str(seeded)
    code, _, err = run(capsys, "activate", "1", "--home", h)
    assert code == 1 and "give --reason TEXT" in err and "or --yes" in err
    assert run(capsys, "history", "--home", h, "--json")[1].count('"kind"') == 0

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "")
    code, _, err = run(capsys, "activate", "1", "--home", h)
    assert code == 1 and "cancelled: no reason given" in err
    monkeypatch.setattr("builtins.input", lambda prompt: "  fresh fit, checked by hand ")
    assert run(capsys, "activate", "1", "--home", h)[0] == 0
    assert run(capsys, "activate", "2", "--home", h, "--yes")[0] == 0
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "rollback", "--home", h)
    assert code == 1 and "rolling back switches the model" in err
    assert run(capsys, "rollback", "--home", h, "--reason", "v2 misbehaves")[0] == 0
    events = json.loads(run(capsys, "history", "--home", h, "--json")[1])["activations"]
    assert [(e["kind"], e["reason"]) for e in events] == [
        ("rollback", "v2 misbehaves"),
        ("activate", "--yes (no reason given)"),
        ("activate", "fresh fit, checked by hand"),
    ]
