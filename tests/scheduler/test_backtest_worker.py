"""The services' backtest worker: it replays queued runs beside training, records a failed run
on the run itself and goes on, and a new leader closes the runs its dead predecessor left."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from engine.backtest.replay import backtest_request
from engine.db.schema import BacktestRun, ServiceLease, utcnow
from engine.scheduler import lease
from engine.scheduler.service import AurumServices
from engine.services import Desk
from tests.dashboard.desks import seeded_copy

V1, V2 = "XAUUSD-M5-scalper:v1", "XAUUSD-M5-scalper:v2"


def test_the_worker_replays_queued_runs_and_survives_a_failed_one(tmp_path: Path):
    home = seeded_copy(tmp_path / "home")
    with Desk.open(str(home)) as desk:
        good = desk.request_backtest(backtest_request(V1), actor="page")
        bad = desk.request_backtest(backtest_request(V2), actor="page")
        version = desk.version(V2)
        assert version.artifact_path is not None
        (desk.paths.artifacts_dir / version.artifact_path).unlink()  # gone before it runs
        svc = AurumServices(str(home))
        svc.heartbeat()
        assert svc.is_leader
        for _ in range(3):
            svc.guarded("backtest_worker", svc.backtests)()
        assert desk.backtest_run(good).status == "succeeded" and desk.backtest_run(good).trades
        failed = desk.backtest_run(bad)
        assert failed.status == "failed" and failed.error and failed.trades == 0
        assert svc.failures == {}  # the worker records run failures on the run, never raises
        svc.stop()


def test_a_new_leader_closes_the_backtest_its_dead_predecessor_left_running(desk: Desk, home: Path):
    from sklearn.dummy import DummyClassifier

    from tests.conftest import spec

    info = desk.registry.register(DummyClassifier().fit([[0]], [0]), spec())
    assert lease.acquire(desk.db, "other-host:4242", 60)
    with desk.db.session(write=True) as s:
        for runner in ("other-host:4242", "other-host:777"):  # the leader's, a CLI run's
            s.add(
                BacktestRun(
                    version_id=info.id, symbol="XAUUSD", timeframe="M5", status="running",
                    runner=runner,
                )
            )  # fmt: skip
    svc = AurumServices(str(home))
    with desk.db.session(write=True) as s:
        row = s.get(ServiceLease, lease.LEASE)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)  # the old leader died
    svc.heartbeat()
    assert svc.is_leader
    statuses = [(r.id, r.status) for r in desk.backtest_runs()]
    assert statuses == [(2, "running"), (1, "failed")]
    assert "interrupted" in desk.backtest_run(1).error
    assert [e.action for e in desk.audit_log()].count("backtest.interrupted") == 1
    svc.stop()


def test_the_busy_backtest_worker_notice_is_silenced(caplog: pytest.LogCaptureFixture):
    logger = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        logger.warning(
            'Execution of job "AurumServices.backtests (trigger: interval[0:00:02])" skipped: '
            "maximum number of running instances reached (1)"
        )
    assert caplog.records == []


def test_stopping_while_a_job_reads_the_next_runs_does_not_hang(tmp_path: Path):
    """APScheduler's shutdown(wait=True) holds its job-store lock while it waits for running
    jobs; the heartbeat read the jobs (next_runs) from inside a job: the services hung on stop
    (seen in the soak: a services process waited for ever)."""
    import threading
    import time

    from engine.services import init_home

    init_home(str(tmp_path / "home"))
    svc = AurumServices(str(tmp_path / "home"))
    svc.start()
    stopping = threading.Event()
    seen: list[dict[str, str]] = []

    def job() -> None:  # a job that asks for the next runs once stop() is waiting for it
        stopping.wait(10)
        time.sleep(0.5)
        seen.append(svc.next_runs())

    svc._scheduler.add_job(job, id="reader")
    time.sleep(0.5)  # the job is running
    stopper = threading.Thread(target=svc.stop, daemon=True)
    stopping.set()
    stopper.start()
    stopper.join(timeout=20)
    assert not stopper.is_alive(), "stop() hung on a job reading the scheduler's jobs"
    assert seen == [{}] and svc.stopped.is_set()
