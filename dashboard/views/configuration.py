"""Configuration: a form per section from the schema, a diff before saving, history with revert."""

from __future__ import annotations

import streamlit as st

from dashboard import config_form, confirm, reads
from dashboard.desk import VIEWER_NOTE, actor, can_act, get_desk, show_flash, shown_errors
from dashboard.frame import NEXT_STEPS
from dashboard.literal import literal
from dashboard.tables import config_history_frame, diff_frame
from engine.config.store import diff_configs

st.title("Configuration")
desk = get_desk()
k = reads.key()
show_flash()


@st.dialog("Save the configuration", width="large", on_dismiss=confirm.cancel)
def save_dialog(result: config_form.Check, diff: dict) -> None:
    st.markdown(f"Write **{len(diff)}** change(s) to the config file (recorded, revertible):")
    st.dataframe(diff_frame(diff), hide_index=True)

    def run(why: str) -> str:
        assert result.config is not None
        change = desk.save_config(result.config, actor=actor(), reason=why)
        config_form.reset()
        return f"Saved as change #{change.id}." if change else "Nothing changed."

    confirm.confirm_buttons("save_config", "Save", run)


@st.dialog("Revert a change", width="large", on_dismiss=confirm.cancel)
def revert_dialog(change_id: int) -> None:
    st.markdown(f"Restore the configuration as it was **before change #{change_id}**.")

    def run(note: str) -> str:
        change = desk.revert_config(change_id, actor=actor(), note=note)
        config_form.reset()
        return (
            f"Reverted change #{change_id} (new change #{change.id})."
            if change
            else "Nothing changed."
        )

    confirm.confirm_buttons("revert_config", "Revert", run, reason_required=False)


with shown_errors():
    current = desk.config().model_dump(mode="json")
    if st.session_state.get("cfg_base", current) != current:
        config_form.reset()  # the file changed elsewhere (CLI, another browser): start from it
        st.info("The configuration changed since this form was drawn; it shows the file again.")
    st.session_state["cfg_base"] = current
    data, parse_errors = config_form.candidate(current, config_form.edits())
    result = config_form.check(data, parse_errors)
    st.caption(
        f"File: {literal(desk.paths.config_file)}. Every key has a type, bounds and a default; "
        "a bad value is refused under its field and nothing is written."
    )
    if not reads.has_versions(k):
        st.info(f"No models yet; the defaults below are ready to use. Next, {NEXT_STEPS}")
    config_form.draw_form(current, result)

    st.subheader("Changes")
    diff = diff_configs(current, data)
    for problem in result.general:
        st.error(literal(problem), icon="⛔")
    if result.errors:
        fields = literal(", ".join(sorted(result.errors)))
        st.error(f"Refused: fix {fields} (see the field).", icon="⛔")
    if not diff:
        st.caption("No change yet: edit a field above.")
    else:
        st.dataframe(diff_frame(diff), hide_index=True, key="config_diff")
        if not can_act():
            st.info(VIEWER_NOTE)
        elif st.button("Save…", type="primary", key="save_config", disabled=result.config is None):
            confirm.ask("save_config")
        if st.button("Discard changes", key="discard_config"):
            config_form.reset()
            st.rerun()
    if confirm.pending("save_config") and result.config is not None and diff:
        save_dialog(result, diff)

    st.subheader("History")
    history = reads.config_history(k)
    if not history:
        st.caption("No change saved yet.")
    else:
        st.dataframe(config_history_frame(history), hide_index=True, key="config_history")
        pick = st.selectbox(
            "Change", [c.id for c in history], format_func=lambda i: f"#{i}", key="change_pick"
        )
        chosen = next(c for c in history if c.id == pick)
        st.dataframe(diff_frame(chosen.diff), hide_index=True, key="change_diff")
        if can_act() and st.button("Revert…", key="revert_config"):
            confirm.ask("revert_config", change=pick)
        wanted = confirm.pending("revert_config")
        if wanted:
            revert_dialog(int(wanted["change"]))  # type: ignore[call-overload]
