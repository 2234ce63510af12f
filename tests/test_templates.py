"""Run-wide templates (tests/templates.py): built once under a lock however many test processes
ask at the same time, rebuilt after a build that failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.templates import ENV, shared_template

ROOT = Path(__file__).resolve().parents[1]
ASK = """
import sys, time
from pathlib import Path
from tests.templates import shared_template

def build(folder: Path) -> None:
    with open(sys.argv[1], "a") as log:
        log.write("built\\n")
    time.sleep(1.0)  # long enough for the other process to arrive and wait
    folder.mkdir()
    (folder / "desk").write_text("ready")

print(shared_template("slow", build))
"""


def test_processes_asking_at_once_share_one_build(tmp_path: Path):
    runs = tmp_path / "runs"
    runs.mkdir()
    log = tmp_path / "builds.log"
    env = {**os.environ, ENV: str(runs), "PYTHONPATH": str(ROOT)}
    askers = [
        subprocess.Popen([sys.executable, "-c", ASK, str(log)], env=env, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    answers = {asker.communicate(timeout=120)[0].decode().strip() for asker in askers}
    assert [asker.returncode for asker in askers] == [0, 0, 0]
    assert answers == {str(runs / "slow")}
    assert log.read_text() == "built\n"
    assert (runs / "slow" / "desk").read_text() == "ready"


def test_a_failed_build_leaves_nothing_and_the_next_caller_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(ENV, str(tmp_path))

    def broken(folder: Path) -> None:
        folder.mkdir()
        (folder / "half").write_text("")
        raise RuntimeError("the learner crashed")

    with pytest.raises(RuntimeError, match="the learner crashed"):
        shared_template("desk", broken)
    assert not (tmp_path / "desk").exists()
    built = shared_template("desk", lambda folder: folder.mkdir())
    assert built == tmp_path / "desk" and built.is_dir() and not (built / "half").exists()
