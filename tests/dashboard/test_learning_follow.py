"""The Learning page follows the run: a session that starts or ends is picked by itself, a
running session's row says its stage, percent and time left, and Cancel (operators, confirmed,
audited) stops it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.desk import actor
from dashboard.session_panel import changed_pick, duration_text, time_left_text
from engine.learner import records
from engine.scheduler.worker import claim_next
from engine.services import Desk
from tests.dashboard.conftest import APP, open_page
from tests.dashboard.test_flows import messages
from tests.dashboard.test_login import login, setup_users

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def rows(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def picked(at: AppTest) -> int:
    value = at.selectbox(key="session_pick").value
    assert value is not None
    return int(value)


def test_a_session_that_starts_or_ends_is_picked_by_itself(home: Path, desk: Desk):
    at = open_page("learning")
    newest = desk.learning_sessions(1)[0].id
    at.selectbox(key="session_pick").set_value(1).run()  # the trader reads an old session
    assert picked(at) == 1
    queued = desk.request_learning(actor="cli")  # started elsewhere (CLI, a trigger)
    at.run()
    assert queued == newest + 1 and picked(at) == queued
    (row,) = rows(at)
    assert row.startswith(f"Session #{queued} queued: queued (0 %) · waiting for the background")
    assert "no background service is running" in row
    at.selectbox(key="session_pick").set_value(1).run()
    at.run()  # nothing started or ended: the trader's pick stays
    assert picked(at) == 1
    desk.cancel_learning(queued, actor="cli")  # it ends
    at.run()
    assert picked(at) == queued and not rows(at)
    assert f"Session #{queued} finished: cancelled — cancelled by cli" in messages(at)
    assert "Cancelled: cancelled by cli" in messages(at)


def test_cancel_on_a_running_sessions_row_asks_then_stops_it(home: Path, desk: Desk):
    session_id = desk.request_learning(actor="cli")
    assert claim_next(desk) == session_id
    records.update(desk.db, session_id, stage="walk-forward", message="walk-forward: fold 1/3")
    at = open_page("learning")
    assert picked(at) == session_id
    assert rows(at) == [
        f"Session #{session_id} running: walk-forward: fold 1/3 (0 %) · estimating…"
    ]
    at.button(key=f"cancel_session:{session_id}").click().run()
    assert "Cancel learning session **#" in "".join(m.value for m in at.markdown)
    at.button(key="cancel_session_cancel").click().run()  # "Keep it running"
    assert desk.learning_session(session_id).status == "running"
    at.button(key=f"cancel_session:{session_id}").click().run()
    at.text_input(key="cancel_session_reason").set_value("wrong market")
    at.button(key="cancel_session_confirm").click().run()
    after = desk.learning_session(session_id)
    assert (after.status, after.error) == ("cancelling", f"cancelled by {actor()}: wrong market")
    request = desk.audit_log(1)[0]
    assert (request.actor, request.action, request.target) == (
        actor(),
        "learning.cancel",
        f"#{session_id}",
    )
    assert request.detail == {"was": "running", "reason": "wrong market"}
    assert f"Session #{session_id} will stop after its current fit" in messages(at)
    assert rows(at) == [
        f"Session #{session_id} cancelling: walk-forward: fold 1/3 (0 %) · cancelling: stops "
        "after the current fit"
    ]
    assert not [b for b in at.button if b.key == f"cancel_session:{session_id}"]


def test_a_viewer_sees_the_row_but_no_cancel(home: Path, desk: Desk):
    setup_users(desk)
    session_id = desk.request_learning(actor="cli")
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "vic", "viewer-pass")
    at.switch_page("views/learning.py").run()
    assert rows(at) and rows(at)[0].startswith(f"Session #{session_id} queued")
    assert not [b for b in at.button if str(b.key).startswith("cancel_session")]


def test_time_left_is_never_none():
    queued = _info(status="queued")
    assert time_left_text(queued, STARTED) == "waiting for the background worker"
    early = _info(status="running", percent=5.0)
    assert time_left_text(early, STARTED + timedelta(seconds=20)) == "estimating…"
    half = _info(status="running", percent=50.0)
    assert time_left_text(half, STARTED + timedelta(minutes=4)) == "about 4 min left"
    assert time_left_text(half, STARTED + timedelta(seconds=30)) == "about 30 s left"
    assert duration_text(3900) == "1 h 05 min"


def test_the_pick_moves_to_what_started_else_to_what_ended():
    before = {3: "running", 2: "succeeded"}
    now = [_info(id=4, status="queued"), _info(id=3, status="succeeded"), _info(id=2)]
    assert changed_pick(now, before) == 4  # a new one started: it wins over the one that ended
    assert changed_pick(now[1:], before) == 3
    assert changed_pick(now[1:], {3: "succeeded", 2: "succeeded"}) is None
    assert changed_pick(now, None) is None  # the page's first run keeps its default


def _info(*, id: int = 1, status: str = "succeeded", percent: float = 0.0) -> records.SessionInfo:
    return records.SessionInfo(
        id=id, trigger="manual", requested_by="t", status=status, stage="", percent=percent,
        message="", symbol="XAUUSD", timeframe="M5", window_start=None, window_end=None,
        config_hash="", config_diff={}, result={}, error="", seed=0, version_id=None,
        created_at=STARTED, started_at=STARTED, finished_at=None,
    )  # fmt: skip
