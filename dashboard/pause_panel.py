"""The pause switch on every page (a PAUSED banner) and on the Overview (Pause / Resume for
operators, confirmed with a reason, and the switch's history)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import confirm, reads
from dashboard.desk import VIEWER_NOTE, actor, can_act
from dashboard.literal import literal

HISTORY_COLUMNS = ["when (UTC)", "switch", "by", "rule", "figure", "limit", "reason"]


def paused_text(state: Any) -> str:
    """What the banner says: since when, by whom, why, and how to resume."""
    event = state.event
    rule = f" (rule {literal(event.rule)})" if event.rule else ""
    return (
        f"**⏸ TRADING PAUSED — every signal is HOLD.** Since {event.at:%Y-%m-%d %H:%M} UTC, by "
        f"{literal(event.actor)}{rule}: {literal(event.reason)}  \nResume on the Overview page "
        "(operators) or with `aurum resume`."
    )


def pause_banner(state: Any) -> None:
    """Across the top of the page and in the sidebar, while paused: impossible to miss."""
    if not state.paused or state.event is None:
        return
    st.error(paused_text(state), icon="⏸️")
    st.sidebar.markdown(":red-badge[**PAUSED**] every signal is HOLD")


def history_frame(events: Sequence[Any]) -> pd.DataFrame:
    """One row per pause or resume, newest first as given."""
    rows = [
        [
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            "pause" if e.paused else "resume",
            e.actor,
            e.rule or "",
            "" if e.figure is None else f"{e.figure:g}",
            "" if e.threshold is None else f"{e.threshold:g}",
            e.reason,
        ]
        for e in events
    ]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


@st.dialog("Pause trading", on_dismiss=confirm.cancel)
def pause_dialog(desk: Any) -> None:
    st.markdown(
        "Every signal becomes **HOLD** (with `paused: true` and your reason) from the trading "
        "side's next request, until someone resumes. Open positions are not touched."
    )

    def run(why: str) -> str:
        desk.pause(why, actor=actor())
        return "Trading is paused: every signal is HOLD."

    confirm.confirm_buttons("pause", "Pause trading", run)


@st.dialog("Resume trading", on_dismiss=confirm.cancel)
def resume_dialog(desk: Any, state: Any) -> None:
    st.markdown(
        f"Serve BUY and SELL signals again. Paused since {state.event.at:%Y-%m-%d %H:%M} UTC "
        f"by {literal(state.event.actor)}: {literal(state.event.reason)}"
    )

    def run(why: str) -> str:
        desk.resume(why, actor=actor())
        return "Trading resumed: signals trade again."

    confirm.confirm_buttons("resume", "Resume trading", run)


def show_pause_switch(desk: Any, k: reads.Key) -> None:
    """The switch's state, the button that flips it (operators), its recent history."""
    state = reads.pause_state(k)
    if not state.paused:
        st.success("Trading is on: BUY and SELL signals are served (sized by the risk section).")
    if not can_act():
        st.caption(VIEWER_NOTE)
    elif state.paused:
        if st.button("Resume trading…", key="resume"):
            confirm.ask("resume")
    elif st.button("Pause trading…", key="pause"):
        confirm.ask("pause")
    if confirm.pending("pause"):
        pause_dialog(desk)
    if confirm.pending("resume") and state.paused:
        resume_dialog(desk, state)
    events = reads.pause_history(k)
    if events:
        st.dataframe(history_frame(events), hide_index=True, key="pause_history")
