"""Aurum's dashboard: a router around the pages (`streamlit run dashboard/app.py`).

The frame — title, the active model and the background services in the sidebar — is drawn on
every page; each page file is short: set up, call the desk, render.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import reads
from dashboard.desk import desk_key, get_desk, shown_errors
from dashboard.frame import sidebar, start_services
from dashboard.login import login_gate
from dashboard.pause_panel import pause_banner
from dashboard.provenance import demo_banner

TITLE = "Aurum — XAUUSD model desk"
VIEWS = Path(__file__).parent / "views"

# An emoji favicon is drawn in the browser (a data: URL); a `:material/...:` one is fetched from
# fonts.gstatic.com, and the dashboard makes no request outside its own host.
st.set_page_config(page_title=TITLE, page_icon="🥇", layout="wide")

navigation = st.navigation(
    {
        "Review": [
            st.Page(
                VIEWS / "overview.py",
                title="Overview",
                icon=":material/home:",
                url_path="overview",
                default=True,
            ),
            st.Page(
                VIEWS / "leaderboard.py",
                title="Leaderboard",
                icon=":material/leaderboard:",
                url_path="leaderboard",
            ),
            st.Page(
                VIEWS / "performance.py",
                title="Performance",
                icon=":material/show_chart:",
                url_path="performance",
            ),
            st.Page(
                VIEWS / "learning.py",
                title="Learning",
                icon=":material/psychology:",
                url_path="learning",
            ),
        ],
        "Act": [
            st.Page(
                VIEWS / "models.py",
                title="Models",
                icon=":material/inventory_2:",
                url_path="models",
            ),
            st.Page(
                VIEWS / "configuration.py",
                title="Configuration",
                icon=":material/tune:",
                url_path="configuration",
            ),
            st.Page(VIEWS / "data.py", title="Data", icon=":material/database:", url_path="data"),
            st.Page(VIEWS / "audit.py", title="Audit", icon=":material/history:", url_path="audit"),
        ],
    }
)

st.sidebar.markdown(f"### {TITLE}")
login_gate(get_desk())  # stops with advice on a stale database, or with the login form
note = "not started"
active = None
with shown_errors():
    note = start_services(*desk_key())
    active = sidebar(note)
    pause_banner(reads.pause_state(reads.key()))
demo_banner(active)  # above every page while the active model learnt on generated bars
navigation.run()
