"""The background services (APScheduler 3, memory job store; durable state in our tables).

Jobs: heartbeat (the leader lease), learning worker (queued sessions, one at a time), backtest
worker (queued backtest runs, one at a time, beside training), evaluate (live metrics,
triggers), shadow (challengers' paper trades), cleanup and report. Only the lease
holder acts; the others wait.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.db.schema import utcnow
from engine.scheduler import lease

log = logging.getLogger("aurum.services")


class _QuietBusyWorker(logging.Filter):
    """APScheduler warns every 3 s that the learning worker is still busy while a session
    trains; that is the design (one session at a time), not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        busy = "AurumServices.work" in message or "AurumServices.backtests" in message
        return not (busy and "maximum number of running" in message)


logging.getLogger("apscheduler.scheduler").addFilter(_QuietBusyWorker())
# "Running job … executed successfully" every 3 s buries what matters; our jobs log their own
# outcomes, and failures are recorded by `guarded`.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


class AurumServices:
    """One process's services; `start()` runs them in background threads, `stop()` ends them."""

    def __init__(self, home: str | None = None) -> None:
        from engine.services import Desk

        self.desk = Desk.open(home)
        self.holder = lease.holder_name()
        self.is_leader = False
        self._scheduler: Any = None
        # held around every read of the scheduler's jobs from a job, and by stop() while it marks
        # the scheduler as stopping: APScheduler's shutdown(wait=True) holds its job-store lock
        # while it waits for running jobs, so a job that asked for the jobs then would wait on it
        # for ever (the heartbeat's next_runs did: a services process hung on stop)
        self._jobs_lock = threading.Lock()
        self._stopping = False
        self._worker_lock = threading.Lock()
        self._backtest_lock = threading.Lock()
        self.stopped = threading.Event()
        self.failures: dict[str, int] = {}
        self._unrecorded: list[tuple[str, str, str]] = []

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        cfg = self.desk.config()
        sched = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        sched.add_job(
            self.guarded("heartbeat", self.heartbeat),
            "interval",
            seconds=cfg.scheduler.heartbeat_seconds,
            id="heartbeat",
            next_run_time=datetime.now().astimezone(),
        )
        sched.add_job(
            self.guarded("learning_worker", self.work), "interval", seconds=3, id="learning_worker"
        )
        sched.add_job(
            self.guarded("backtest_worker", self.backtests),
            "interval",
            seconds=2,
            id="backtest_worker",
        )
        sched.add_job(
            self.guarded("evaluate", self.evaluate),
            "interval",
            minutes=cfg.model_evaluation_interval_minutes,
            id="evaluate",
        )
        sched.add_job(
            self.guarded("shadow", self.shadow),
            "interval",
            minutes=cfg.model_evaluation_interval_minutes,
            id="shadow",
        )
        sched.add_job(self.guarded("cleanup", self.cleanup), "interval", hours=24, id="cleanup")
        sched.add_job(
            self.guarded("alerts", self.alerts),
            "interval",
            seconds=cfg.alerts.check_seconds,
            id="alerts",
        )
        sched.add_job(
            self.guarded("report", self.report),
            "interval",
            hours=cfg.scheduler.report_interval_hours,
            id="report",
        )
        sched.start()
        with self._jobs_lock:
            self._scheduler, self._stopping = sched, False
        log.info("services started as %s", self.holder)

    def stop(self) -> None:
        """Stop scheduling, let a running job finish, give the lease back."""
        with self._jobs_lock:
            self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self.is_leader:
            lease.release(self.desk.db, self.holder)
            self.is_leader = False
        self.stopped.set()
        log.info("services stopped")

    def next_runs(self) -> dict[str, str]:
        """Each job's next run ({} once stop() began: the jobs are not read while it waits)."""
        with self._jobs_lock:
            if self._scheduler is None or self._stopping:
                return {}
            return {
                job.id: job.next_run_time.isoformat()
                for job in self._scheduler.get_jobs()
                if job.next_run_time is not None
            }

    # --- jobs ------------------------------------------------------------------------------
    def guarded(self, name: str, job: Callable[[], None]) -> Callable[[], None]:
        """`job`, but a failure is recorded (log, and an audit event as soon as the database
        answers again) and the services carry on: every job runs again as scheduled."""

        @functools.wraps(job)
        def run() -> None:
            self._flush_unrecorded()
            try:
                job()
            except Exception as err:
                self.failures[name] = self.failures.get(name, 0) + 1
                log.warning("job %s failed (%s): %s; carrying on", name, type(err).__name__, err)
                self._unrecorded.append(
                    (name, f"{type(err).__name__}: {err}"[:500], utcnow().isoformat())
                )
                self._flush_unrecorded()

        return run

    def _flush_unrecorded(self) -> None:
        while self._unrecorded:
            name, error, at = self._unrecorded[0]
            try:
                self.desk.audit(
                    "services",
                    "services.job_failed",
                    name,
                    {"error": error, "failed_at": at, "holder": self.holder},
                )
            except Exception as err:  # the database itself may be what failed: try next run
                log.warning("could not record the failure of %s yet: %s", name, err)
                return
            self._unrecorded.pop(0)

    def heartbeat(self) -> None:
        ttl = self.desk.config().scheduler.lease_seconds
        if self.is_leader:
            self.is_leader = lease.renew(self.desk.db, self.holder, ttl, self.next_runs())
            if not self.is_leader:
                log.warning("lost the lease to another process; standing by")
            return
        before = lease.state(self.desk.db)
        self.is_leader = lease.acquire(self.desk.db, self.holder, ttl)
        if self.is_leader:
            log.info("took the services lease")
            lease.renew(self.desk.db, self.holder, ttl, self.next_runs())
            self._recover(dead_holder=before.holder if before.holder != self.holder else None)
            self._report_silence(before)
        else:
            current = lease.state(self.desk.db)
            log.info("services lease held by %s; waiting", current.holder)

    def _recover(self, *, dead_holder: str | None) -> None:
        """Sessions a dead leader (or any dead process here) left running are closed as failed,
        so the queue and the triggers do not wait for them forever."""
        from engine.learner.records import interrupted, mark_interrupted

        stuck = interrupted(self.desk.db, dead_holder=dead_holder)
        if stuck:
            mark_interrupted(self.desk.db, stuck, by=f"services {self.holder}")
            self.desk.audit("services", "learning.interrupted", "", {"sessions": stuck})
            log.warning("closed interrupted learning session(s) %s", stuck)
        from engine.backtest.runs import close_interrupted

        runs = close_interrupted(
            self.desk.db, dead_holder=dead_holder, by=f"services {self.holder}"
        )
        if runs:
            self.desk.audit("services", "backtest.interrupted", "", {"runs": runs})
            log.warning("closed interrupted backtest run(s) %s", runs)

    def _report_silence(self, before: lease.LeaseState) -> None:
        """An alert when the services were silent for long before this process took over; a
        failure to raise it is logged, never allowed to cost the lease."""
        from engine.alerts import raise_resumed

        try:
            raise_resumed(self.desk, before, self.holder)
        except Exception as err:
            log.warning("could not raise the services-resumed alert: %s", err)

    def work(self) -> None:
        if not self.is_leader or not self._worker_lock.acquire(blocking=False):
            return
        try:
            from engine.scheduler.worker import run_next

            run_next(self.desk)
        finally:
            self._worker_lock.release()

    def backtests(self) -> None:
        """Queued backtest runs, one at a time, in their own thread beside training."""
        if not self.is_leader or not self._backtest_lock.acquire(blocking=False):
            return
        try:
            from engine.scheduler.worker import run_next_backtest

            run_next_backtest(self.desk)
        finally:
            self._backtest_lock.release()

    def evaluate(self) -> None:
        if not self.is_leader:
            return
        from engine.scheduler.evaluate import evaluate_cycle

        evaluate_cycle(self.desk)

    def alerts(self) -> None:
        """Judge the automatic pause rules (the leader), check the alert rules and deliver due
        alerts (every process: a standing-by one watches only the leader's heartbeat)."""
        from engine.alerts import check_alerts

        if self.is_leader:
            self.desk.check_pause_rules()
        check_alerts(self.desk, leader=self.is_leader)

    def shadow(self) -> None:
        """Challengers paper-trade the newest stored bars (shadow.mode); held challengers with a
        significant edge are promoted (engine.shadow)."""
        if not self.is_leader or self.desk.config().shadow.mode == "off":
            return
        self.desk.shadow_cycle()

    def cleanup(self) -> None:
        cfg = self.desk.config()
        if self.is_leader and cfg.auto_cleanup_models:
            report = self.desk.cleanup(cfg.max_models_to_keep, actor="services")
            log.info("cleanup removed %d model file(s)", len(report.removed))

    def report(self) -> None:
        if not self.is_leader or not self.desk.config().monitoring_integration:
            return
        from engine.reports import build_report, write_report

        path = write_report(build_report(self.desk), self.desk.paths.logs_dir)
        log.info("report written to %s", path)
