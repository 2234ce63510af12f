"""The dashboard's one Desk, who is acting, and where engine errors are shown.

One `Desk` is cached per (AURUM_HOME, AURUM_DATABASE_URL) for the whole server process; pages
read through `dashboard.reads` (cached) and act through the Desk, then clear the read cache.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.literal import literal
from engine.errors import AurumError
from engine.services import Desk

DEFAULT_ACTOR = "dashboard"


def desk_key() -> tuple[str, str]:
    """What identifies the desk this process shows: the home and the database URL."""
    return os.environ.get("AURUM_HOME", ""), os.environ.get("AURUM_DATABASE_URL", "")


@st.cache_resource(show_spinner=False)
def _open_desk(home: str, database_url: str) -> Desk:
    """Open the desk once per key (the URL is part of the key; `Desk.open` reads it from env)."""
    return Desk.open(home or None)


def get_desk() -> Desk:
    """The cached Desk (acting as the logged-in user, if any); a missing or stale database stops
    the page with the engine's advice."""
    try:
        desk = _open_desk(*desk_key())
    except AurumError as err:
        st.error(literal(err))
        st.stop()
        raise  # unreachable: st.stop() raises
    user = st.session_state.get("aurum_user")
    return desk if user is None else desk.acting_as(user["name"], user["role"])


VIEWER_NOTE = "You are logged in as a viewer: you can read everything; an operator acts."


def can_act() -> bool:
    """False for a logged-in viewer (the engine refuses their actions too; pages hide them)."""
    user = st.session_state.get("aurum_user")
    return user is None or user.get("role") == "operator"


def actor() -> str:
    """Who acts: the logged-in user, else the OS user running the dashboard, else "dashboard"."""
    user = st.session_state.get("aurum_user")
    if user is not None:
        return str(user["name"])
    try:
        return getpass.getuser() or DEFAULT_ACTOR
    except (KeyError, OSError):
        return DEFAULT_ACTOR


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show an engine error as an error box (its message is written for the trader; it may
    quote what a user typed or a file held, so it is shown as text, never as markdown)."""
    try:
        yield
    except AurumError as err:
        st.error(literal(err))


def after_action(message: str) -> None:
    """Forget cached reads so every page shows the new state, keep a toast, and re-run."""
    from dashboard.reads import clear_shared  # reads opens desks through this module

    st.cache_data.clear()
    clear_shared()
    st.session_state["flash"] = message
    st.rerun()


def show_flash() -> None:
    """The message left by the last action (shown once, on the re-run after it)."""
    message = st.session_state.pop("flash", None)
    if message:
        st.success(literal(message))
