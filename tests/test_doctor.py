"""`aurum doctor`: finds what an interrupted process left behind and repairs what is safe."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.db.schema import LearningSession
from engine.doctor import diagnose
from engine.services import Desk
from tests.conftest import spec


def _status(report: Any) -> dict[str, str]:
    """The worst status per check (a check may have several findings)."""
    order = {"ok": 0, "repairable": 1, "problem": 2}
    worst: dict[str, str] = {}
    for f in report.findings:
        if order[f.status] >= order.get(worst.get(f.check, "ok"), 0):
            worst[f.check] = f.status
    return worst


def test_a_healthy_desk_is_consistent_and_its_active_model_loads(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    desk.activate(v.id, actor="t")
    report = diagnose(desk)
    assert report.consistent, report.as_dict()
    assert set(_status(report).values()) == {"ok"}
    assert any("is active and loads" in f.message for f in report.findings)


def test_temp_files_from_an_interrupted_write_are_found_and_removed(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    folder = (desk.paths.artifacts_dir / desk.version(v.id).artifact_path).parent
    (folder / ".tmp-abc123").write_bytes(b"half a model")
    cfg_tmp = desk.paths.config_file.parent / ".phase3_config.json.x1.tmp"
    cfg_tmp.write_text("{", encoding="utf-8")

    report = diagnose(desk)
    assert not report.consistent and _status(report)["temp files"] == "repairable"
    assert (folder / ".tmp-abc123").exists()  # without --repair nothing is touched

    repaired = diagnose(desk, repair=True)
    assert repaired.consistent
    assert not (folder / ".tmp-abc123").exists() and not cfg_tmp.exists()
    desk.registry.load_model(v.id)  # the real file is untouched


def test_orphan_model_files_are_removed_only_after_the_grace_period(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    folder = (desk.paths.artifacts_dir / desk.version(v.id).artifact_path).parent
    orphan = folder / ("f" * 64 + ".skops")
    orphan.write_bytes(b"written, then the process died before the row was committed")

    assert diagnose(desk, repair=True).consistent  # young: may be a registration in flight
    assert orphan.exists()

    old = time.time() - 3600
    os.utime(orphan, (old, old))
    report = diagnose(desk, repair=True)
    assert _status(report)["orphan model files"] == "repairable" and report.consistent
    assert not orphan.exists()
    desk.registry.load_model(v.id)


def test_sessions_left_running_by_a_dead_process_are_marked_failed(desk: Desk):
    with desk.db.session(write=True) as s:
        s.add(LearningSession(trigger="manual", status="running", symbol="XAUUSD", timeframe="M5"))
    report = diagnose(desk)
    assert _status(report)["learning sessions"] == "repairable"
    assert diagnose(desk, repair=True).consistent
    [session] = desk.learning_sessions()
    assert session.status == "failed" and "interrupted" in session.message


def test_a_session_whose_process_died_is_found_and_one_still_running_is_not(desk: Desk):
    import socket
    import subprocess
    import sys

    from engine.learner.records import runner_name

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    with desk.db.session(write=True) as s:
        for runner in (f"{socket.gethostname()}:{dead}", runner_name()):
            s.add(
                LearningSession(
                    trigger="manual",
                    status="running",
                    symbol="XAUUSD",
                    timeframe="M5",
                    runner=runner,
                )
            )
    assert diagnose(desk, repair=True).consistent
    by_runner = {r.id: r.status for r in desk.learning_sessions()}
    assert sorted(by_runner.values()) == ["failed", "running"]
    assert by_runner[min(by_runner)] == "failed"  # the dead one was added first


def test_a_running_session_under_a_live_services_process_is_left_alone(desk: Desk):
    from engine.scheduler import lease

    with desk.db.session(write=True) as s:
        s.add(LearningSession(trigger="manual", status="running", symbol="XAUUSD", timeframe="M5"))
    assert lease.acquire(desk.db, "other:1", 60)
    assert diagnose(desk, repair=True).consistent
    assert desk.learning_sessions()[0].status == "running"


def test_a_config_file_changed_without_a_record_is_recorded(desk: Desk):
    desk.set_config("max_models_to_keep", "9", actor="t")
    data = json.loads(desk.paths.config_file.read_text(encoding="utf-8"))
    data["max_models_to_keep"] = 4  # as if killed after the rename, before the commit
    desk.paths.config_file.write_text(json.dumps(data), encoding="utf-8")

    assert _status(diagnose(desk))["config"] == "repairable"
    assert diagnose(desk, repair=True).consistent
    latest = desk.config_history()[0]
    assert latest.actor == "doctor" and latest.diff["max_models_to_keep"] == (9, 4)
    assert diagnose(desk).consistent


def test_an_invalid_config_or_a_tampered_active_model_is_a_problem(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    desk.activate(v.id, actor="t")
    path = desk.paths.artifacts_dir / desk.version(v.id).artifact_path
    path.write_bytes(path.read_bytes()[:-5] + b"XXXXX")
    desk.paths.config_file.write_text('{"max_models_to_keep": -3}', encoding="utf-8")

    report = diagnose(desk, repair=True)
    assert not report.consistent
    status = _status(report)
    assert status["active versions"] == "problem" and status["config"] == "problem"
    assert any("sha256" in f.message for f in report.findings)


def test_doctor_command_exit_codes_and_json(
    home: Path, desk: Desk, small_model: Any, capsys: pytest.CaptureFixture[str]
):
    v = desk.registry.register(small_model, spec())
    desk.activate(v.id, actor="t")
    assert main(["doctor", "--json", "--home", str(home)]) == 0
    assert json.loads(capsys.readouterr().out)["consistent"] is True

    (desk.paths.artifacts_dir / desk.version(v.id).artifact_path).unlink()
    assert main(["doctor", "--home", str(home)]) == 1
    captured = capsys.readouterr()
    assert "lost its file" in captured.out and "not consistent" in captured.err


def _three_files(desk: Desk, small_model: Any, forest: Any) -> list[int]:
    """Three versions with three different model files, activated v1, v2, v3 in turn."""
    from sklearn.linear_model import LogisticRegression

    x, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    third = LogisticRegression(C=0.5).fit(x, y)
    ids = [
        desk.registry.register(small_model, spec()).id,
        desk.registry.register(forest, spec("random_forest")).id,
        desk.registry.register(third, spec()).id,
    ]
    for v in ids:
        desk.activate(v, actor="t")
    return ids


def _file(desk: Desk, ref: int) -> Path:
    return desk.paths.artifacts_dir / str(desk.version(ref).artifact_path)


def test_every_kept_file_is_hashed_and_each_broken_one_named_with_what_rollback_would_do(
    home: Path, desk: Desk, small_model: Any, forest: Any, capsys: pytest.CaptureFixture[str]
):
    """The probe: v1 and v2 tampered, v3 active and sound. Doctor used to say the desk was
    consistent; now it names both files and says the rollback (to v2) would be refused."""
    v1, v2, _ = _three_files(desk, small_model, forest)
    assert [f.message for f in diagnose(desk).findings if f.check == "rollback"] == [
        "XAUUSD-M5-scalper: a rollback would restore v2"
    ]
    data = bytearray(_file(desk, v1).read_bytes())
    data[len(data) // 2] ^= 0xFF
    _file(desk, v1).write_bytes(bytes(data))
    _file(desk, v2).write_bytes(_file(desk, v2).read_bytes()[:200])

    report = diagnose(desk)
    assert not report.consistent
    broken = [f.message for f in report.findings if f.check == "model files"]
    assert len(broken) == 2
    broken = sorted(broken)  # named in any order (PostgreSQL returns rows unordered)
    assert broken[0].startswith(f"XAUUSD-M5-scalper:v1 (#{v1}): model file ")
    assert broken[1].startswith(f"XAUUSD-M5-scalper:v2 (#{v2}): model file ")
    assert all("does not match its recorded sha256" in m for m in broken)
    assert _status(report)["active versions"] == "ok"  # v3 still loads
    rollback = [f for f in report.findings if f.check == "rollback"]
    assert [f.status for f in rollback] == ["problem"]
    assert "a rollback would be refused: v2's model file is broken" in rollback[0].message

    assert main(["doctor", "--home", str(home)]) == 1
    out = capsys.readouterr().out
    assert "!!    model files" in out and "XAUUSD-M5-scalper:v1" in out and "v2" in out
    assert "the desk is NOT consistent" in out


def test_quick_checks_presence_without_hashing(
    home: Path, desk: Desk, small_model: Any, forest: Any, capsys: pytest.CaptureFixture[str]
):
    v1, _, _ = _three_files(desk, small_model, forest)
    _file(desk, v1).write_bytes(b"tampered")
    quick = diagnose(desk, quick=True)
    assert quick.consistent, quick.as_dict()
    assert any("(--quick: not hashed)" in f.message for f in quick.findings)
    assert main(["doctor", "--quick", "--home", str(home)]) == 0
    capsys.readouterr()
    _file(desk, v1).unlink()
    missing = [f.message for f in diagnose(desk, quick=True).findings if f.status == "problem"]
    assert missing[0].startswith(f"XAUUSD-M5-scalper:v1 (#{v1}): lost its file ")
    assert "a rollback would restore v2" in " ".join(
        f.message for f in diagnose(desk, quick=True).findings
    )
