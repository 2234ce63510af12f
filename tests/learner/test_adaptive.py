"""The seed API `schedule_learning(run_immediately=True)`: a failed session still returns its id
and outcome, recorded on the session, with the registry untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.learner.adaptive import AdaptiveLearner
from tests.learner.conftest import fast_desk


def test_a_failed_session_returns_its_id_and_outcome(tmp_path: Path) -> None:
    desk = fast_desk(tmp_path / "few", n_bars=600, momentum=0.0)  # too few bars to learn
    result = AdaptiveLearner(desk).schedule_learning(run_immediately=True)
    session = desk.learning_sessions()[0]
    assert result["session_id"] == session.id
    assert result["status"] == session.status == "failed"
    assert result["success"] is False and result["new_version_id"] is None
    assert "Import more" in result["error"] and session.error == result["error"]
    assert desk.registry.list_versions() == []
    audit = desk.audit_log(1)[0]
    assert (audit.action, audit.target) == ("learning.session", f"#{session.id}")
    assert audit.detail["status"] == "failed"
    desk.close()


def test_a_crashed_session_returns_its_id_and_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.learner.session as session_module

    desk = fast_desk(tmp_path / "crash", n_bars=3000, momentum=0.0)

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("worker died")

    monkeypatch.setattr(session_module, "build_dataset", boom)
    learner = AdaptiveLearner(desk)
    first = learner.schedule_learning(run_immediately=True)
    second = learner.schedule_learning(run_immediately=True)
    assert second["session_id"] == first["session_id"] + 1  # each failure has its own record
    session = desk.learning_session(second["session_id"])
    assert second["status"] == session.status == "failed"
    assert second["error"] == session.error == "worker died"
    assert desk.registry.list_versions() == []
    desk.close()


def test_a_queued_request_is_audited_and_refused_to_viewers(desk: Any) -> None:
    result = AdaptiveLearner(desk).schedule_learning(run_immediately=False)
    assert result["status"] == "queued" and result["session_id"] is not None
    assert desk.audit_log(1)[0].action == "learning.request"
    refused = AdaptiveLearner(desk.acting_as("vic", "viewer")).schedule_learning()
    assert refused["success"] is False and refused["session_id"] is None
    assert [s.id for s in desk.learning_sessions()] == [result["session_id"]]
