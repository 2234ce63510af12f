"""Audit: every recorded action — activation, rollback, config change, cleanup, imports, learning
sessions — with who, when (UTC) and details, filterable."""

from __future__ import annotations

import streamlit as st

from dashboard import reads
from dashboard.desk import get_desk, shown_errors
from dashboard.frame import NEXT_STEPS
from dashboard.tables import audit_frame

st.title("Audit")
get_desk()
k = reads.key()

with shown_errors():
    limit = st.select_slider("Newest events", [100, 500, 2000, 10000], value=500, key="audit_limit")
    frame = audit_frame(reads.audit_log(k, limit), reads.learning_sessions(k, min(limit, 200)))
    if frame.empty:
        st.info(
            "Nothing recorded yet: actions from the dashboard, the CLI and the services "
            f"appear here. To start, {NEXT_STEPS}"
        )
        st.stop()
    c1, c2, c3 = st.columns([2, 2, 3])
    actions = c1.multiselect(
        "Action", sorted(frame["action"].unique()), key="audit_actions", placeholder="all"
    )
    actors = c2.multiselect(
        "Actor", sorted(frame["actor"].unique()), key="audit_actors", placeholder="all"
    )
    text = c3.text_input("Target or details contain", key="audit_text")
    if actions:
        frame = frame[frame["action"].isin(actions)]
    if actors:
        frame = frame[frame["actor"].isin(actors)]
    if text:
        needle = text.lower()
        hit = frame["target"].str.lower().str.contains(needle, regex=False) | frame[
            "details"
        ].str.lower().str.contains(needle, regex=False)
        frame = frame[hit]
    st.caption(f"{len(frame)} event(s), newest first. Times are UTC.")
    st.dataframe(frame, hide_index=True, key="audit_table")
