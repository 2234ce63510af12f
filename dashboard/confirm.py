"""Confirmation dialogs for actions that change what trades: each asks for a reason when the
history records one, names what will happen, and does nothing until confirmed."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.desk import after_action, shown_errors

ASK = "confirm_action"
DISARM = "confirm_disarm"


def ask(kind: str, **details: object) -> None:
    """Open the dialog `kind` on this and the following runs, until confirmed or cancelled."""
    st.session_state[ASK] = {"kind": kind, **details}


def pending(kind: str) -> dict[str, object] | None:
    wanted = st.session_state.get(ASK)
    return wanted if wanted and wanted.get("kind") == kind else None


def cancel() -> None:
    st.session_state.pop(ASK, None)


def confirm_buttons(
    kind: str,
    label: str,
    act: Callable[[str], str],
    *,
    reason_required: bool = True,
    ask_reason: bool = True,
    dismiss_label: str = "Cancel",
) -> None:
    """A reason field (unless `ask_reason` is off), then Confirm (runs `act(reason)`, which
    returns the success message) and `dismiss_label` (closes it, nothing done)."""
    reason = (
        st.text_input(
            "Reason (recorded in the history)" if reason_required else "Note (optional)",
            key=f"{kind}_reason",
        )
        if ask_reason
        else ""
    )
    go, stop = st.columns(2)
    if go.button(label, type="primary", key=f"{kind}_confirm"):
        if reason_required and ask_reason and not reason.strip():
            st.error("Give a reason: it is recorded with the action.")
            return
        with shown_errors():
            message = act(reason.strip())
            cancel()
            after_action(message)
    if stop.button(dismiss_label, key=f"{kind}_cancel"):
        cancel()
        st.rerun()


def sure_box(label: str, key: str) -> bool:
    """The "I am sure" tick that enables an action; unticked again after the action it allowed
    (see `disarm`), so the next action needs a tick of its own."""
    waiting = st.session_state.get(DISARM, [])
    if key in waiting:
        waiting.remove(key)
        st.session_state[key] = False  # before the widget is drawn: allowed, and sent to it
    return st.checkbox(label, key=key)


def disarm(key: str) -> None:
    """Untick the box `key` on the next run (a widget's value cannot change once drawn)."""
    st.session_state.setdefault(DISARM, []).append(key)
