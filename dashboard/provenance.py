"""What the desk's versions learnt from, as the pages show it: DEMO for generated bars (the
demo's), never passed off as market data. Labels are pure; `demo_banner` draws the frame's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

DEMO_LABEL = "DEMO (generated)"
DEMO_MEANING = (
    "trained on generated bars, not market data: its figures show how Aurum works, not an edge"
)


def origin_label(origin: str) -> str:
    """What a version or session learnt from, as shown: DEMO for generated bars."""
    return DEMO_LABEL if origin == "generated" else origin


def session_origin(session: Any, version_origins: Mapping[int, str]) -> str:
    """What a learning session learnt from: as it recorded, else its version's; a demo session
    from before origins were recorded learnt on generated bars."""
    recorded = (session.result or {}).get("data_origin")
    if recorded:
        return str(recorded)
    if session.version_id in version_origins:
        return version_origins[session.version_id]
    return "generated" if session.trigger == "demo" else "—"


def demo_warning(version: Any) -> None:
    """A DEMO version's warning where a page shows it (nothing for one on real bars)."""
    if version is not None and version.is_demo:
        st.warning(f"**DEMO** — {version.ref} was {DEMO_MEANING}.", icon=":material/science:")


def demo_banner(active: Any) -> None:
    """The frame's banner above every page while the active model is a DEMO version."""
    if active is None or not active.is_demo:
        return
    st.warning(
        f"**DEMO desk** — the active model {active.ref} was {DEMO_MEANING}. A real feed gets "
        "HOLD from it unless serving.allow_demo_models is set; `aurum demo --remove` takes "
        "the demo out before you import real bars.",
        icon=":material/science:",
    )
