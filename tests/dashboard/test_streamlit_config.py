"""The dashboard's Streamlit settings (.streamlit/config.toml, read by `aurum dashboard`, which
runs Streamlit in the project folder): bound to this machine, quiet, and no full garbage
collection after every rerun (~0.2 s of CPU a page, docs/BENCHMARKS.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_settings():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["address"] == "127.0.0.1"
    assert settings["server"]["fileWatcherType"] == "none"
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["runner"]["postScriptGC"] is False


def test_a_page_run_from_the_project_folder_reads_them():
    script = (
        "import streamlit as st\n"
        "from streamlit import config\n"
        "st.write(f\"gc={config.get_option('runner.postScriptGC')}\")\n"
    )
    app = AppTest.from_string(script).run()
    assert not app.exception
    assert app.markdown[0].value == "gc=False"
