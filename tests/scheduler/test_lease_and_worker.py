"""The leader lease and the learning worker against a real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.db.schema import ServiceLease, utcnow
from engine.scheduler import lease
from engine.scheduler.worker import run_next
from engine.services import Desk


def test_one_holder_at_a_time_and_takeover_after_expiry(desk: Desk):
    assert lease.acquire(desk.db, "A", 60)
    assert not lease.acquire(desk.db, "B", 60)
    assert lease.state(desk.db).leader == "A"
    assert lease.renew(desk.db, "A", 60, {"evaluate": "soon"})
    assert not lease.renew(desk.db, "B", 60, {})
    with desk.db.session(write=True) as s:  # A dies: its lease runs out
        row = s.get(ServiceLease, lease.LEASE)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert lease.state(desk.db).leader is None
    assert lease.acquire(desk.db, "B", 60)
    assert not lease.renew(desk.db, "A", 60, {})  # A must stop acting
    lease.release(desk.db, "B")
    assert not lease.state(desk.db).alive


def test_the_worker_runs_a_queued_request_and_records_a_failure(desk: Desk):
    session_id = desk.request_learning(actor="alice")
    assert desk.learning_session(session_id).status == "queued"
    assert run_next(desk) == session_id  # no bars: the session fails, the worker does not
    done = desk.learning_session(session_id)
    assert done.status == "failed" and "aurum import-bars" in done.error
    assert run_next(desk) is None  # queue empty


def test_the_worker_trains_a_queued_request(tmp_path: Any):
    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "w", n_bars=6000, momentum=0.25)
    session_id = desk.request_learning(actor="alice")
    assert run_next(desk) == session_id
    done = desk.learning_session(session_id)
    assert done.status in {"succeeded", "no_improvement"} and done.requested_by == "alice"
    assert done.percent == 100.0
    desk.close()


def test_evaluation_queues_a_session_when_enough_new_bars_arrived(tmp_path: Any):
    from engine.learner import records
    from engine.scheduler.evaluate import evaluate_cycle
    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "bars", n_bars=3000, momentum=0.0)
    desk.set_config("scheduler.new_bars_for_update", "150", actor="t")
    desk.set_config("scheduler.cooldown_minutes", "0", actor="t")
    bars = desk.bars("XAUUSD", "M5")
    done = records.create(
        desk.db,
        trigger="manual",
        requested_by="t",
        symbol="XAUUSD",
        timeframe="M5",
        status="succeeded",
    )
    records.update(desk.db, done, window_end=bars["time"].iloc[-201].to_pydatetime())
    result = evaluate_cycle(desk)
    fired = {t.name: t for t in result.triggers if t.fired}
    assert set(fired) == {"data"} and "200 new bars" in fired["data"].reason
    assert result.queued_session is not None
    assert desk.learning_session(result.queued_session).trigger == "data"
    desk.close()


def test_the_queue_waits_while_the_config_file_is_broken(desk: Desk):
    """Nothing is claimed (and left "running") while the config cannot be read; the request
    runs once `aurum config revert` restored it."""
    session_id = desk.request_learning(actor="t")
    desk.paths.config_file.write_text("{oops", encoding="utf-8")
    assert run_next(desk) is None
    assert desk.learning_session(session_id).status == "queued"
    desk.revert_config(None, actor="t")
    assert run_next(desk) == session_id
    assert desk.learning_session(session_id).status != "queued"
