"""The Models page's notes on a version: description, tags and named aliases with their history,
editable by operators (every edit audited by the engine). What people wrote is shown as plain
text (st.text, tables), never as Markdown."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.desk import actor, after_action, can_act, shown_errors


def alias_moves_frame(moves: list[Any]) -> pd.DataFrame:
    """Moves of named aliases, newest first (who, when, from, to, why)."""
    return pd.DataFrame(
        [
            {
                "time (UTC)": f"{m.created_at:%Y-%m-%d %H:%M}",
                "alias": m.alias,
                "event": m.kind,
                "from": m.from_ref or "—",
                "to": m.to_ref or "—",
                "by": m.actor,
                "why": m.reason,
            }
            for m in moves
        ],
        columns=["time (UTC)", "alias", "event", "from", "to", "by", "why"],
    )


def show_notes(desk: Any, v: Any, moves: list[Any]) -> None:
    """Description, tags and aliases of version `v`; forms to change them for operators."""
    st.subheader("Notes, tags and aliases")
    left, right = st.columns(2)
    left.markdown("**Description**")
    if v.description:
        left.text(v.description)
    else:
        left.caption("No description yet.")
    right.markdown("**Tags**")
    if v.tags:
        right.dataframe(
            pd.DataFrame({"key": list(v.tags), "value": list(v.tags.values())}),
            hide_index=True,
            key="version_tags",
        )
    else:
        right.caption("No tags yet.")
    right.markdown("**Aliases**")
    right.text(", ".join(f"{v.lineage}@{a}" for a in v.aliases) or "none")
    if can_act():
        _edit_forms(desk, v)
    if moves:
        st.dataframe(alias_moves_frame(moves), hide_index=True, key="alias_moves")
    st.caption(
        "Aliases are named pointers per lineage besides `active` (e.g. `staging`): "
        "`LINEAGE@NAME` works wherever a version is asked for (CLI, HTTP). Each move is kept "
        "with who, when and why. Tags and descriptions are notes about a version; the version "
        "itself never changes."
    )


def _edit_forms(desk: Any, v: Any) -> None:
    tag_col, text_col, alias_col = st.columns(3)
    with tag_col.form("tag_form", clear_on_submit=True):
        key = st.text_input("Tag key", key="tag_key", max_chars=64)
        value = st.text_input("Value", key="tag_value", max_chars=256)
        if st.form_submit_button("Set tag"):
            _act(lambda: desk.tag(v.ref, f"{key}={value}", actor=actor()), "tag set")
    if v.tags:
        with tag_col.form("untag_form"):
            gone = st.selectbox("Remove tag", list(v.tags), key="untag_key")
            if st.form_submit_button("Remove tag"):
                _act(lambda: desk.untag(v.ref, gone, actor=actor()), "tag removed")
    with text_col.form("description_form"):
        text = st.text_area(
            "Description", v.description, key="description_text", max_chars=5000, height=140
        )
        if st.form_submit_button("Save description"):
            _act(lambda: desk.describe(v.ref, text, actor=actor()), "description saved")
    with alias_col.form("alias_form", clear_on_submit=True):
        name = st.text_input("Alias name (e.g. staging)", key="alias_name", max_chars=32)
        why = st.text_input("Reason (recorded in the history)", key="alias_reason")
        if st.form_submit_button("Point alias here"):
            _act(lambda: desk.set_alias(v.ref, name, actor=actor(), reason=why), "alias moved")
    named = [a for a in v.aliases if a != "active"]
    if named:
        with alias_col.form("unalias_form"):
            gone_alias = st.selectbox("Remove alias", named, key="unalias_name")
            if st.form_submit_button("Remove alias"):
                _act(
                    lambda: desk.remove_alias(f"{v.lineage}@{gone_alias}", actor=actor()),
                    "alias removed",
                )


def _act(change: Any, done: str) -> None:
    """Run one edit; an engine refusal is shown as an error and nothing changes."""
    with shown_errors():
        result = change()
        after_action(f"{getattr(result, 'ref', '') or getattr(result, 'lineage', '')}: {done}.")
