"""The services survive faults: a learning session that raises, a database locked for a moment
or for longer than callers wait, a full disk while a model file is written. Each is recorded and
the next run of every job works."""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.db.schema import TriggerCheck
from engine.scheduler.service import AurumServices
from engine.services import Desk


def _services(home: Path) -> AurumServices:
    svc = AurumServices(str(home))
    svc.guarded("heartbeat", svc.heartbeat)()
    assert svc.is_leader
    return svc


def _failures(desk: Desk) -> list[dict[str, Any]]:
    return [
        {"job": e.target, **json.loads(json.dumps(e.detail))}
        for e in desk.audit_log()
        if e.action == "services.job_failed"
    ]


def _hold_lock(db_file: Path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(db_file, timeout=5, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def _locked(svc: AurumServices, seconds: float) -> threading.Thread:
    """Another connection holds the database exclusively for `seconds`, from now on."""
    ready = threading.Event()
    locker = threading.Thread(
        target=_hold_lock, args=(svc.desk.paths.models_dir / "aurum.db", seconds, ready)
    )
    locker.start()
    assert ready.wait(5)
    return locker


def test_a_session_that_raises_is_recorded_and_the_worker_goes_on(home: Path, desk: Desk):
    svc = _services(home)
    first = desk.request_learning(actor="alice")  # no bars stored: this session raises
    svc.guarded("learning_worker", svc.work)()
    failed = desk.learning_session(first)
    assert failed.status == "failed" and "aurum import-bars" in failed.error
    second = desk.request_learning(actor="alice")
    svc.guarded("learning_worker", svc.work)()
    assert desk.learning_session(second).status == "failed"  # picked up: the worker lives
    assert svc.failures == {}  # the worker records session failures itself, never raises
    svc.stop()


@pytest.mark.sqlite_only
def test_a_briefly_locked_database_is_waited_for(
    home: Path, desk: Desk, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AURUM_SQLITE_BUSY_MS", "3000")
    svc = _services(home)
    locker = _locked(svc, 0.5)
    started = time.monotonic()
    svc.guarded("evaluate", svc.evaluate)()
    waited = time.monotonic() - started
    locker.join()
    assert svc.failures == {} and waited >= 0.3
    with desk.db.session() as s:
        assert s.scalar(select(func.count(TriggerCheck.id))) == 1  # the cycle did its work
    svc.stop()


@pytest.mark.sqlite_only
def test_a_database_locked_too_long_is_recorded_and_the_next_run_works(
    home: Path, desk: Desk, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AURUM_SQLITE_BUSY_MS", "200")
    svc = _services(home)
    locker = _locked(svc, 1.5)
    svc.guarded("evaluate", svc.evaluate)()  # gives up after 200 ms: recorded, not raised
    assert svc.failures == {"evaluate": 1}
    assert _failures(desk) == []  # could not be written while the database was locked
    locker.join()

    svc.guarded("evaluate", svc.evaluate)()  # the lock is gone: this run works
    assert svc.failures == {"evaluate": 1}
    [failure] = _failures(desk)
    assert failure["job"] == "evaluate" and "locked" in failure["error"]
    svc.stop()


def test_a_full_disk_while_writing_a_model_fails_the_session_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import os

    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "full", n_bars=6000, momentum=0.25)
    svc = _services(tmp_path / "full")
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    first = desk.request_learning(actor="alice")
    svc.guarded("learning_worker", svc.work)()
    failed = desk.learning_session(first)
    assert failed.status == "failed" and "No space left on device" in failed.error
    assert "free disk space" in failed.error  # what to do, not just the errno
    assert desk.registry.list_versions() == []  # the registry is as it was
    leftovers = [p for p in desk.paths.artifacts_dir.rglob("*") if p.is_file()]
    assert leftovers == []  # no half-written file either

    monkeypatch.setattr(os, "fsync", real_fsync)  # space freed: the next session works
    second = desk.request_learning(actor="alice")
    svc.guarded("learning_worker", svc.work)()
    assert desk.learning_session(second).status in {"succeeded", "no_improvement"}
    assert len(desk.registry.list_versions()) == 1
    svc.stop()
    desk.close()


def test_a_new_leader_closes_the_session_its_dead_predecessor_left_running(home: Path, desk: Desk):
    from datetime import timedelta

    from engine.db.schema import LearningSession, ServiceLease, utcnow
    from engine.scheduler import lease

    assert lease.acquire(desk.db, "other-host:4242", 60)
    with desk.db.session(write=True) as s:
        s.add(
            LearningSession(
                trigger="time",
                status="running",
                symbol="XAUUSD",
                timeframe="M5",
                runner="other-host:4242",
            )
        )
        s.add(
            LearningSession(  # a CLI `aurum train` on that other host: not the leader's
                trigger="manual",
                status="running",
                symbol="XAUUSD",
                timeframe="M5",
                runner="other-host:777",
            )
        )
    svc = AurumServices(str(home))
    svc.heartbeat()
    assert not svc.is_leader  # the old leader's lease is still valid: wait
    with desk.db.session(write=True) as s:
        row = s.get(ServiceLease, lease.LEASE)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)  # the old leader died
    svc.heartbeat()
    assert svc.is_leader
    statuses = {r.id: r.status for r in desk.learning_sessions()}
    leaders, cli = sorted(statuses)
    assert (statuses[leaders], statuses[cli]) == ("failed", "running")
    assert [e.action for e in desk.audit_log()].count("learning.interrupted") == 1
    svc.stop()


def test_only_the_busy_worker_notice_is_silenced(caplog: pytest.LogCaptureFixture):
    import logging

    logger = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        logger.warning(
            'Execution of job "AurumServices.work (trigger: interval[0:00:03])" skipped: '
            "maximum number of running instances reached (1)"
        )
        logger.warning(
            'Execution of job "AurumServices.evaluate (trigger: interval[0:05:00])" skipped: '
            "maximum number of running instances reached (1)"
        )
    assert [r.getMessage()[:40] for r in caplog.records] == [
        'Execution of job "AurumServices.evaluate'
    ]
