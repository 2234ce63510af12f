"""Learning-session records: created when queued or started, updated with progress, closed
with their outcome. The dashboard and CLI read them; ORM rows stay in here."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.audit import add_audit
from engine.db.connection import Database
from engine.db.schema import LearningSession, Lineage, ModelVersion, utcnow
from engine.errors import AurumError, NotFoundError

FINAL = ("succeeded", "no_improvement", "failed", "cancelled")
# waiting or at work: "cancelling" is a running session asked to stop at its next fit boundary
ACTIVE = ("queued", "running", "cancelling")
RUNNING = ("running", "cancelling")
ETA_BASIS_PERCENT = 8.0  # where the walk-forward fits begin: past it, at least one fit is done


def candidate_name(candidate: Mapping[str, Any]) -> str:
    """How a session's candidate is shown: its label (ensembles say what they combine), else
    its algorithm."""
    return str(candidate.get("label") or candidate.get("algorithm", ""))


def session_lineage(symbol: str, timeframe: str) -> str:
    """The lineage a learning session on `symbol` `timeframe` registers its winners in."""
    return f"{symbol}-{timeframe}-scalper"


def lineage_trials(db: Database, lineage: str | None = None) -> int:
    """Trials ever evaluated on `lineage` (None: on every lineage): each learning session's
    candidates, search trials and ensembles (its `trials`, failed sessions included), plus one
    per version registered outside a session (an import, a hand-registered model)."""
    with db.session() as s:
        per_market = s.execute(
            select(
                LearningSession.symbol, LearningSession.timeframe, func.sum(LearningSession.trials)
            ).group_by(LearningSession.symbol, LearningSession.timeframe)
        ).all()
        outside = select(func.count(ModelVersion.id)).where(ModelVersion.session_id.is_(None))
        if lineage is not None:
            outside = outside.join(Lineage, Lineage.id == ModelVersion.lineage_id).where(
                Lineage.name == lineage
            )
        registered = int(s.scalar(outside) or 0)
    sessions = sum(
        int(total or 0)
        for symbol, timeframe, total in per_market
        if lineage is None or session_lineage(symbol, timeframe) == lineage
    )
    return sessions + registered


@dataclass(frozen=True)
class SessionInfo:
    """A learning session as the trader sees it."""

    id: int
    trigger: str
    requested_by: str
    status: str
    stage: str
    percent: float
    message: str
    symbol: str
    timeframe: str
    window_start: datetime | None
    window_end: datetime | None
    config_hash: str
    config_diff: dict[str, Any]
    result: dict[str, Any]
    error: str
    seed: int
    version_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    library_versions: dict[str, str] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return (end - self.started_at).total_seconds()

    def seconds_left(self, now: datetime) -> float | None:
        """Time a running session still needs, extrapolated from its share done since it
        started; None until there is a basis (its first fit done) or once it has ended."""
        if self.status not in RUNNING or self.started_at is None:
            return None
        elapsed = (now - self.started_at).total_seconds()
        if self.percent <= ETA_BASIS_PERCENT or elapsed <= 0:
            return None
        return elapsed * (100.0 - min(self.percent, 100.0)) / self.percent


def _info(row: LearningSession) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        trigger=row.trigger,
        requested_by=row.requested_by,
        status=row.status,
        stage=row.stage,
        percent=row.percent,
        message=row.message,
        symbol=row.symbol,
        timeframe=row.timeframe,
        window_start=row.window_start,
        window_end=row.window_end,
        config_hash=row.config_hash,
        config_diff=json.loads(row.config_diff_json or "{}"),
        result=json.loads(row.result_json or "{}"),
        error=row.error,
        seed=row.seed,
        version_id=row.version_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        library_versions=json.loads(row.library_versions_json or "{}"),
    )


def create(
    db: Database,
    *,
    trigger: str,
    requested_by: str,
    symbol: str,
    timeframe: str,
    status: str = "queued",
) -> int:
    with db.session(write=True) as s:
        row = LearningSession(
            trigger=trigger,
            requested_by=requested_by,
            symbol=symbol,
            timeframe=timeframe,
            status=status,
            runner=runner_name() if status == "running" else None,
        )
        s.add(row)
        s.flush()
        return row.id


def update(db: Database, session_id: int, **values: Any) -> None:
    """Set columns; dict values for *_json columns are serialised; text is cut to its column's
    length (PostgreSQL refuses longer text where SQLite would store it)."""
    columns = LearningSession.__table__.columns
    with db.session(write=True) as s:
        row = s.get(LearningSession, session_id)
        if row is None:
            raise NotFoundError(f"learning session #{session_id} does not exist")
        for key, value in values.items():
            if key.endswith("_json") and not isinstance(value, str):
                value = json.dumps(value, default=str)
            length = getattr(columns[key].type, "length", None) if key in columns else None
            if isinstance(value, str) and length:
                value = value[:length]
            setattr(row, key, value)


def get(db: Database, session_id: int) -> SessionInfo:
    with db.session() as s:
        row = s.get(LearningSession, session_id)
        if row is None:
            raise NotFoundError(f"learning session #{session_id} does not exist")
        return _info(row)


def recent(db: Database, limit: int = 50) -> list[SessionInfo]:
    with db.session() as s:
        rows = s.scalars(
            select(LearningSession).order_by(LearningSession.id.desc()).limit(limit)
        ).all()
        return [_info(r) for r in rows]


def last_finished(db: Database) -> SessionInfo | None:
    with db.session() as s:
        row = s.scalars(
            select(LearningSession)
            .where(LearningSession.status.in_(FINAL))
            .order_by(LearningSession.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _info(row)


def runner_name() -> str:
    """This process as a session's runner: host:pid (the same form as the services lease)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(runner: str) -> bool | None:
    """True/False for a runner on this host (is its pid gone?); None for another host."""
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def interrupted(db: Database, *, dead_holder: str | None = None) -> list[int]:
    """Sessions marked running whose process is gone: a dead pid on this host, the services
    process `dead_holder` whose lease ran out, or (runner unknown) no live services at all."""
    from engine.scheduler.lease import state

    with db.session() as s:
        rows = s.execute(
            select(LearningSession.id, LearningSession.runner).where(
                LearningSession.status.in_(RUNNING)
            )
        ).all()
    if not rows:
        return []
    services_alive = state(db).alive
    found = []
    for session_id, runner in rows:
        if runner is None:
            gone = not services_alive
        elif dead_holder is not None and runner == dead_holder:
            gone = True
        else:
            gone = bool(_process_gone(runner))
        if gone:
            found.append(session_id)
    return found


def mark_interrupted(db: Database, session_ids: list[int], *, by: str) -> None:
    """Close interrupted sessions as failed, saying so (they never finish on their own); one
    asked to cancel is closed as cancelled (it registered nothing: its process is gone)."""
    if not session_ids:
        return
    with db.session(write=True) as s:
        for row in s.scalars(
            select(LearningSession).where(
                LearningSession.id.in_(session_ids), LearningSession.status.in_(RUNNING)
            )
        ):
            if row.status == "cancelling":
                row.status, row.finished_at = "cancelled", utcnow()
                row.message = f"cancelled; its process stopped (closed by {by})"
                continue
            row.status, row.finished_at = "failed", utcnow()
            row.error = row.error or "interrupted: the process running it stopped"
            row.message = f"interrupted (marked failed by {by})"


class SessionCancelled(AurumError):
    """A running session was asked to stop; raised at its next fit boundary, before anything is
    registered (handled: `run_session` records it as cancelled)."""


class SessionCancelRefused(AurumError):
    """A cancel of a session that is already finished (its outcome stands)."""


@dataclass(frozen=True)
class CancelRequest:
    """What a cancel did: a queued session is cancelled at once; a running one stops at its
    next fit boundary (status "cancelling" until then)."""

    session_id: int
    was: str
    status: str

    def message(self) -> str:
        if self.status == "cancelled":
            return f"Session #{self.session_id} cancelled before it started: nothing was trained."
        return (
            f"Session #{self.session_id} will stop after its current fit: it is recorded as "
            "cancelled and registers nothing."
        )


def request_cancel(db: Database, session_id: int, *, actor: str, reason: str = "") -> CancelRequest:
    """Cancel a queued session now, or ask a running one to stop between fits; audited in the
    same transaction. A finished session is refused (its outcome stands)."""
    with db.session(write=True) as s:
        row = s.scalars(
            select(LearningSession).where(LearningSession.id == session_id).with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(f"learning session #{session_id} does not exist")
        was = row.status
        if was not in ACTIVE:
            raise SessionCancelRefused(
                f"learning session #{session_id} is {was.replace('_', ' ')}: only a queued or "
                "running session can be cancelled"
            )
        who = f"cancelled by {actor}" + (f": {reason}" if reason else "")
        if was == "queued":
            row.status, row.finished_at, row.message = "cancelled", utcnow(), who
        elif was == "running":
            row.status = "cancelling"
        row.error = who
        add_audit(s, actor, "learning.cancel", f"#{session_id}", {"was": was, "reason": reason})
        return CancelRequest(session_id, was, row.status)


def cancel_asked(db: Database, session_id: int) -> bool:
    """Whether someone asked the running session to stop (read between its fits)."""
    with db.session() as s:
        status = s.scalar(select(LearningSession.status).where(LearningSession.id == session_id))
    return status == "cancelling"


def close_cancelled(db: Database, session_id: int, *, where: str, result: dict[str, Any]) -> None:
    """Record a session that stopped on request: cancelled, with where it stopped; audited."""
    with db.session(write=True) as s:
        row = s.get(LearningSession, session_id)
        if row is None:
            raise NotFoundError(f"learning session #{session_id} does not exist")
        row.status, row.finished_at = "cancelled", utcnow()
        row.message = f"{row.error or 'cancelled'} (stopped {where}; nothing registered)"
        row.result_json = json.dumps(result, default=str)
        add_audit(s, "learner", "learning.cancelled", f"#{session_id}", {"stopped": where})
