"""The Learning page following its sessions: a row per queued or running session (stage,
percent, time left, Cancel), the page re-run when a session starts or ends, and that session
picked in the detail by itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import streamlit as st

from dashboard import confirm, reads
from dashboard.desk import actor, can_act, get_desk, shown_errors
from dashboard.literal import literal
from engine.db.schema import utcnow
from engine.learner.records import ACTIVE, FINAL

POLL_SECONDS = 2
FOLLOWED = 5  # the newest sessions whose start and end the page watches
SEEN = "sessions_seen"
PICK = "session_pick"


def duration_text(seconds: float) -> str:
    """A time left as a trader reads it: "45 s", "3 min", "1 h 05 min"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = round(whole / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def time_left_text(session: Any, now: datetime) -> str:
    """What a session's row says about its end: never "None"."""
    if session.status == "queued":
        return "waiting for the background worker"
    if session.status == "cancelling":
        return "cancelling: stops after the current fit"
    left = session.seconds_left(now)
    return "estimating…" if left is None else f"about {duration_text(left)} left"


def progress_text(session: Any, now: datetime) -> str:
    """One running session in a line: its number, stage, percent and time left."""
    stage = session.message or session.stage or "starting"
    if session.status == "queued":
        stage = "queued"
    return (
        f"Session #{session.id} {session.status}: {stage} ({session.percent:.0f} %) · "
        f"{time_left_text(session, now)}"
    )


def states(sessions: Sequence[Any]) -> dict[int, str]:
    """The newest sessions' statuses: what the page compares to notice a start or an end."""
    return {s.id: s.status for s in sessions[:FOLLOWED]}


def changed_pick(sessions: Sequence[Any], before: Mapping[int, str] | None) -> int | None:
    """The session to show after a start or an end: a newly queued or running one first, else
    the newest that changed; None when nothing changed (the trader's own pick stays)."""
    if before is None:
        return None
    changed = [s for s in sessions[:FOLLOWED] if before.get(s.id) != s.status]
    if not changed:
        return None
    return next((s.id for s in changed if s.status in ACTIVE), changed[0].id)


def follow(sessions: Sequence[Any]) -> None:
    """On a full run: say which sessions just ended, pick the one that started or ended, and
    keep watching (call before the session picker is drawn)."""
    before = st.session_state.get(SEEN)
    for s in sessions[:FOLLOWED]:
        if before is not None and s.status in FINAL and before.get(s.id, "queued") in ACTIVE:
            text = f"Session #{s.id} finished: {s.status.replace('_', ' ')} — {s.message}"
            (st.warning if s.status == "cancelled" else st.success)(literal(text))
    pick = changed_pick(sessions, before)
    if pick is not None:
        st.session_state[PICK] = pick
    st.session_state[SEEN] = states(sessions)
    wanted = confirm.pending("cancel_session")
    if wanted:
        cancel_dialog(int(str(wanted["session_id"])))
    running_rows()


@st.fragment(run_every=POLL_SECONDS)
def running_rows() -> None:
    """Every POLL_SECONDS: one row per queued or running session (never cached); a start or
    an end re-runs the whole page, which then shows that session."""
    desk = get_desk()
    with shown_errors():
        recent = desk.learning_sessions(FOLLOWED)
        if states(recent) != st.session_state.get(SEEN):
            st.cache_data.clear()
            st.rerun()
        now = utcnow()
        active = [s for s in recent if s.status in ACTIVE]
        alive = getattr(reads.service_status(reads.key()), "alive", False)
        for s in active:
            left, right = st.columns([5, 1], vertical_alignment="center")
            text = progress_text(s, now)
            if s.status == "queued" and not alive:
                text += " (no background service is running: start `aurum services`)"
            left.progress(min(1.0, s.percent / 100.0), text=literal(text))
            if s.status == "cancelling" or not can_act():
                continue
            if right.button("Cancel…", key=f"cancel_session:{s.id}"):
                confirm.ask("cancel_session", session_id=s.id)
                st.rerun()


@st.dialog("Cancel a learning session", on_dismiss=confirm.cancel)
def cancel_dialog(session_id: int) -> None:
    st.markdown(
        f"Cancel learning session **#{session_id}**. A queued session is dropped now; a running "
        "one stops after the fit it is running, before anything is registered: no new version, "
        "no model file, the registry as it was. It is recorded as cancelled, with your name."
    )

    def run(reason: str) -> str:
        return str(get_desk().cancel_learning(session_id, actor=actor(), reason=reason).message())

    confirm.confirm_buttons(
        "cancel_session",
        f"Cancel session #{session_id}",
        run,
        reason_required=False,
        dismiss_label="Keep it running",
    )
