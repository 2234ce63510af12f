"""`aurum research-report`: writes the file atomically, refuses unknown versions clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli.main import main


def test_writes_the_report_and_replaces_an_old_one(
    trained_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")
    code = main(["research-report", "XAUUSD-M5-scalper:v1", "--home", str(trained_home),
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Research report — XAUUSD-M5-scalper:v1" in text
    assert f"to {out}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "report.html"]  # no temp left


def test_default_file_name_is_the_versions_ref(
    trained_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["research-report", "1", "--home", str(trained_home)]) == 0
    assert (tmp_path / "research-XAUUSD-M5-scalper-v1.html").stat().st_size > 1_000_000


def test_a_failed_write_leaves_the_old_file_intact(
    trained_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old report", encoding="utf-8")

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)  # the rename into place fails
    code = main(["research-report", "1", "--home", str(trained_home), "--out", str(out)])
    assert code == 1
    assert out.read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "report.html"]  # no temp left
    err = capsys.readouterr().err
    assert f"cannot write the report to {out}: No space left on device" in err


def test_an_unknown_version_is_refused_and_nothing_is_written(
    trained_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old report", encoding="utf-8")
    code = main(["research-report", "XAUUSD-M5-scalper:v99", "--home", str(trained_home),
                 "--out", str(out)])  # fmt: skip
    assert code == 1
    assert "XAUUSD-M5-scalper:v99" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "old report"
