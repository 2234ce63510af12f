"""Cancelling a learning session: a queued one never runs; a running one stops between fits,
recorded as cancelled and audited, with nothing registered and no model file left."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import auth
from engine.db.schema import Trade
from engine.errors import PermissionDeniedError
from engine.learner import records
from engine.learner.records import SessionCancelRefused
from engine.learner.session import run_session
from engine.scheduler.worker import claim_next
from engine.services import Desk
from tests.learner.conftest import fast_desk


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def audit_rows(desk: Desk, target: str) -> list[tuple[str, str, dict[str, object]]]:
    return [(a.actor, a.action, a.detail) for a in desk.audit_log() if a.target == target]


def test_a_running_session_cancelled_between_fits_registers_nothing(tmp_path: Path):
    desk = fast_desk(tmp_path / "home", n_bars=4000, momentum=0.25)
    artifacts = desk.paths.artifacts_dir
    files_before = files_under(artifacts)
    session_id = desk.request_learning(actor="alice")
    assert claim_next(desk) == session_id  # the worker's claim: running from here
    seen: list[str] = []

    def progress(message: str, _: float) -> None:
        seen.append(message)
        if "1/6 fits done" in message:  # a trader presses Cancel while fit 2 would start
            request = desk.cancel_learning(session_id, actor="alice", reason="wrong market")
            assert (request.was, request.status) == ("running", "cancelling")

    outcome = run_session(desk, session_id=session_id, actor="alice", progress=progress)

    assert (outcome.status, outcome.version_id) == ("cancelled", None)
    assert not any("2/6 fits done" in m for m in seen)  # stopped at the next fit boundary
    session = desk.learning_session(session_id)
    assert session.status == "cancelled" and session.finished_at is not None
    assert session.version_id is None
    assert session.message == (
        "cancelled by alice: wrong market (stopped after 1/6 fits; nothing registered)"
    )
    assert [(actor, action) for actor, action, _ in audit_rows(desk, f"#{session_id}")] == [
        ("learner", "learning.cancelled"),
        ("alice", "learning.cancel"),
        ("alice", "learning.request"),
    ]
    assert audit_rows(desk, f"#{session_id}")[0][2] == {"stopped": "after 1/6 fits"}
    assert desk.leaderboard() == [] and desk.registry.active_version() is None
    with desk.db.session() as s:
        assert s.scalar(select(func.count(Trade.id))) == 0  # no backtest trades either
    assert files_under(artifacts) == files_before  # no model file from the session
    desk.close()


def test_a_queued_session_is_cancelled_at_once_and_never_runs(desk: Desk):
    session_id = desk.request_learning(actor="bob")
    request = desk.cancel_learning(session_id, actor="bob")
    assert (request.was, request.status) == ("queued", "cancelled")
    assert "before it started" in request.message()
    assert claim_next(desk) is None  # the worker never picks it up
    session = desk.learning_session(session_id)
    assert (session.status, session.message) == ("cancelled", "cancelled by bob")
    assert audit_rows(desk, f"#{session_id}")[0][:2] == ("bob", "learning.cancel")


def test_a_finished_session_cannot_be_cancelled(desk: Desk):
    session_id = desk.request_learning(actor="bob")
    records.update(desk.db, session_id, status="no_improvement")
    with pytest.raises(SessionCancelRefused, match="is no improvement"):
        desk.cancel_learning(session_id, actor="bob")
    assert desk.learning_session(session_id).status == "no_improvement"
    assert [a for _, a, _ in audit_rows(desk, f"#{session_id}")] == ["learning.request"]


def test_a_viewer_cannot_cancel(desk: Desk):
    session_id = desk.request_learning(actor="bob")
    auth.add_user(desk, "vic", "viewer", "viewer-pass", actor="admin")
    with pytest.raises(PermissionDeniedError, match="needs an operator"):
        desk.acting_as("vic", "viewer").cancel_learning(session_id, actor="vic")
    assert desk.learning_session(session_id).status == "queued"


def test_a_cancelling_session_whose_process_died_is_closed_as_cancelled(desk: Desk):
    session_id = desk.request_learning(actor="bob")
    claim_next(desk)
    desk.cancel_learning(session_id, actor="bob")
    records.update(desk.db, session_id, runner="gone-host:1")  # another host: only by lease
    records.mark_interrupted(desk.db, [session_id], by="aurum doctor")
    assert desk.learning_session(session_id).status == "cancelled"


def test_time_left_says_nothing_until_the_first_fit_then_extrapolates(desk: Desk):
    started = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    session_id = desk.request_learning(actor="bob")
    records.update(desk.db, session_id, status="running", started_at=started, percent=5.0)
    early = desk.learning_session(session_id)
    assert early.seconds_left(started + timedelta(seconds=30)) is None  # no basis yet
    later = replace(early, percent=40.0)
    assert later.seconds_left(started + timedelta(seconds=120)) == pytest.approx(180.0)
    assert replace(later, status="succeeded").seconds_left(started) is None
