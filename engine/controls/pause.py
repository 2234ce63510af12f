"""The pause switch: durable in the database, with the history of every pause and resume.

The newest `trading_pauses` row is the switch's state, so every process (the HTTP bridge, the
CLI, the dashboard, the services) sees a pause at its next signal. Pausing a paused desk and
resuming a running one change nothing (no row, no audit, no alert): safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from engine.audit import add_audit
from engine.db.connection import Database
from engine.db.schema import TradingPause
from engine.errors import AurumError, DatabaseError

MAX_REASON = 500
_NEWEST = (
    "SELECT paused, actor, reason, rule, figure, threshold, created_at, id "
    "FROM trading_pauses ORDER BY id DESC LIMIT 1"
)


def now() -> datetime:
    """The switch's clock (tests replace it to pin the day)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class PauseEvent:
    """One pause or resume: who, when, why; an automatic pause names its rule and figures."""

    id: int
    paused: bool
    actor: str
    reason: str
    at: datetime
    rule: str | None = None
    figure: float | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class PauseState:
    """Whether signals are held now, and the event that made it so (None: never paused)."""

    paused: bool
    event: PauseEvent | None = None
    changed: bool = False  # set by pause/resume: whether this call moved the switch

    @property
    def reason(self) -> str | None:
        return self.event.reason if self.paused and self.event else None

    @property
    def resumed_at(self) -> datetime | None:
        """When the switch was last turned back on (the automatic rules count from there)."""
        return self.event.at if self.event is not None and not self.paused else None


def _event(row: TradingPause) -> PauseEvent:
    return PauseEvent(
        row.id,
        row.paused,
        row.actor,
        row.reason,
        row.created_at,
        row.rule,
        row.figure,
        row.threshold,
    )


def current(db: Database) -> PauseState:
    """The switch now: one primary-key read on a pooled DBAPI connection (tens of µs, for the
    signal path; the ORM round trip costs ten times more)."""
    conn = db.engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute(_NEWEST)
        row = cursor.fetchone()
        cursor.close()
    except db.engine.dialect.loaded_dbapi.Error as err:
        raise DatabaseError(f"could not read the pause switch: {err}") from err
    finally:
        conn.close()
    if row is None:
        return PauseState(False)
    paused, actor, reason, rule, figure, threshold, at, event_id = row
    when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    event = PauseEvent(
        int(event_id),
        bool(paused),
        str(actor),
        str(reason),
        when.replace(tzinfo=UTC) if when.tzinfo is None else when,
        rule,
        figure,
        threshold,
    )
    return PauseState(event.paused, event)


def switch(
    db: Database,
    *,
    paused: bool,
    actor: str,
    reason: str,
    rule: str | None = None,
    figure: float | None = None,
    threshold: float | None = None,
) -> PauseState:
    """Pause (or resume) with its audit event in one transaction; nothing when it already is."""
    reason = reason.strip()
    if paused and not reason:
        raise AurumError("a pause needs a reason (it is shown with every held signal)")
    if len(reason) > MAX_REASON:
        raise AurumError(f"the reason is {len(reason)} characters; keep it under {MAX_REASON}")
    with db.session(write=True) as s:
        newest = s.scalars(select(TradingPause).order_by(TradingPause.id.desc()).limit(1)).first()
        if (newest is not None and newest.paused) == paused:
            return PauseState(paused, None if newest is None else _event(newest))
        row = TradingPause(
            paused=paused,
            actor=actor[:64],
            reason=reason,
            rule=rule,
            figure=figure,
            threshold=threshold,
            created_at=now(),
        )
        s.add(row)
        s.flush()
        detail: dict[str, object] = {"reason": reason, "event": row.id}
        if rule is not None:
            detail.update(rule=rule, figure=figure, limit=threshold)
        add_audit(s, actor, "trading.pause" if paused else "trading.resume", "signals", detail)
        return PauseState(paused, _event(row), changed=True)


def history(db: Database, limit: int = 50) -> list[PauseEvent]:
    """Pauses and resumes, newest first."""
    with db.session() as s:
        rows = s.scalars(select(TradingPause).order_by(TradingPause.id.desc()).limit(limit)).all()
        return [_event(r) for r in rows]
