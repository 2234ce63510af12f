"""The dashboard's own login (no identity provider needed): on when `security.require_login`
is set or the dashboard listens beyond this machine. Sessions expire after
`security.session_idle_minutes` without a click."""

from __future__ import annotations

import os
import time
from typing import Any

import streamlit as st

from dashboard.literal import literal
from engine import auth
from engine.errors import AuthError

SESSION_KEY = "aurum_user"


def login_required(desk: Any) -> bool:
    return os.environ.get("AURUM_REQUIRE_LOGIN") == "1" or desk.config().security.require_login


def current_user() -> dict[str, Any] | None:
    return st.session_state.get(SESSION_KEY)


def login_gate(desk: Any) -> dict[str, Any] | None:
    """The logged-in user (name, role); shows the form and stops the page until there is one."""
    if not login_required(desk):
        return None
    user = current_user()
    idle = desk.config().security.session_idle_minutes * 60
    ended = None
    if user is not None and time.time() - user["seen"] > idle:
        ended = "Your session expired after a period without activity: please log in again."
    elif user is not None:
        ended = _rights_changed(desk, user)
    if user is not None and ended is None:
        user["seen"] = time.time()
        _sidebar(user)
        return user
    if user is not None:
        st.session_state.pop(SESSION_KEY, None)
        st.warning(ended)
    _form(desk)
    st.stop()
    return None


def _rights_changed(desk: Any, user: dict[str, Any]) -> str | None:
    """Why the session must end now that the database says otherwise (the user was removed or
    their role changed since they logged in), else None. Checked on every click."""
    role = auth.current_role(desk, user["name"])
    if role is None:
        return "Your user no longer exists on this desk: you were logged out."
    if role != user["role"]:
        return f"Your role changed to {role}: please log in again."
    return None


def _form(desk: Any) -> None:
    st.title("Aurum — log in")
    with st.form("login"):
        name = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in")
    if submitted:
        try:
            user = auth.authenticate(desk, name.strip(), password)
        except AuthError as err:
            st.error(literal(err))
            return
        st.session_state[SESSION_KEY] = {"name": user.name, "role": user.role, "seen": time.time()}
        st.rerun()
    st.caption("Users are managed with `aurum user add NAME --role viewer|operator`.")


def _sidebar(user: dict[str, Any]) -> None:
    st.sidebar.markdown(f"Logged in as **{literal(user['name'])}** ({literal(user['role'])})")
    if st.sidebar.button("Log out", key="logout"):
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()
