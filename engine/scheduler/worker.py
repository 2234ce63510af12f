"""The learning worker: runs queued learning requests one at a time."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from engine.db.schema import LearningSession, utcnow
from engine.learner.records import runner_name

log = logging.getLogger("aurum.worker")


def claim_next(desk: Any) -> int | None:
    """Mark the oldest queued request running and return its id (None when the queue is empty)."""
    with desk.db.session(write=True) as s:
        row = s.scalars(
            select(LearningSession)
            .where(LearningSession.status == "queued")
            .order_by(LearningSession.id)
            .limit(1)
            .with_for_update()
        ).first()
        if row is None:
            return None
        row.status, row.started_at, row.message = "running", utcnow(), "picked up by the worker"
        row.runner = runner_name()
        return row.id


def run_next(desk: Any) -> int | None:
    """Run one queued session if there is one; a failure is recorded on it, never raised.
    While the config file is broken the queue waits (nothing is claimed and left running)."""
    from engine.errors import ConfigError

    try:
        desk.config()
    except ConfigError as err:
        log.warning("the learning queue waits: %s", err)
        return None
    session_id = claim_next(desk)
    if session_id is None:
        return None
    from engine.learner.records import get
    from engine.learner.session import run_session

    request = get(desk.db, session_id)
    log.info("learning session #%s (%s) started", session_id, request.trigger)
    try:
        outcome = run_session(
            desk,
            trigger=request.trigger,
            actor=request.requested_by,
            session_id=session_id,
            symbol=request.symbol,
            timeframe=request.timeframe,
        )
        log.info("learning session #%s: %s", session_id, outcome.message)
    except Exception as err:  # recorded on the session by run_session; the service keeps going
        log.warning("learning session #%s failed: %s", session_id, err)
    return session_id


def run_next_backtest(desk: Any) -> int | None:
    """Run one queued backtest if there is one; a failure is recorded on it, never raised."""
    from engine.backtest.replay import run_replay
    from engine.backtest.runs import claim_next as claim_backtest

    run_id = claim_backtest(desk.db)
    if run_id is None:
        return None
    log.info("backtest run #%s started", run_id)
    try:
        run = run_replay(desk, run_id)
        log.info("backtest run #%s: %s", run_id, run.message)
    except Exception as err:  # recorded on the run by run_replay; the service keeps going
        log.warning("backtest run #%s failed: %s", run_id, err)
    return run_id
