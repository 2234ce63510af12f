"""The pause switch in the dashboard: Pause / Resume on the Overview asks for a reason and a
confirmation, acts through the desk (audited under the user's name), shows a PAUSED banner on
every page, and is for operators only. The Risk tab edits the sizing keys."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.desk import actor
from engine.services import Desk
from tests.dashboard.conftest import APP, PAGES, open_page
from tests.dashboard.test_flows import messages
from tests.dashboard.test_login import login, setup_users


def banner(at: AppTest) -> list[str]:
    return [e.value for e in at.error if "TRADING PAUSED" in e.value]


def test_pause_asks_for_a_reason_and_a_confirmation_then_holds_everything(home: Path, desk: Desk):
    at = open_page("overview")
    assert "Trading is on" in messages(at) and not banner(at)
    at.button(key="pause").click().run()
    assert "Every signal becomes **HOLD**" in "".join(m.value for m in at.markdown)
    assert not desk.pause_state().paused  # the dialog asks first
    at.button(key="pause_confirm").click().run()
    assert "Give a reason" in messages(at) and not desk.pause_state().paused
    at.text_input(key="pause_reason").set_value("FOMC at 19:00 UTC")
    at.button(key="pause_confirm").click().run()
    assert not at.exception
    state = desk.pause_state()
    assert (state.paused, state.event.actor, state.event.reason) == (
        True,
        actor(),
        "FOMC at 19:00 UTC",
    )
    audited = [(a.action, a.actor) for a in desk.audit_log(5) if a.target == "signals"]
    assert audited == [("trading.pause", actor())]
    assert "Trading is paused: every signal is HOLD." in messages(at)
    (shown,) = banner(at)
    assert "every signal is HOLD" in shown and "FOMC at 19:00 UTC" in shown
    assert "PAUSED" in "".join(m.value for m in at.sidebar.markdown)
    for page in PAGES[1:]:  # the banner is part of the frame: on every page
        at.switch_page(f"views/{page}.py").run()
        assert banner(at), page

    at = open_page("overview")
    assert not [b for b in at.button if b.key == "pause"]
    at.button(key="resume").click().run()
    at.text_input(key="resume_reason").set_value("statement out, spreads normal")
    at.button(key="resume_confirm").click().run()
    assert not desk.pause_state().paused and not banner(at)
    history = next(d.value for d in at.dataframe if "switch" in d.value.columns)
    assert history[["switch", "by", "reason"]].to_dict("records") == [
        {"switch": "resume", "by": actor(), "reason": "statement out, spreads normal"},
        {"switch": "pause", "by": actor(), "reason": "FOMC at 19:00 UTC"},
    ]


def test_cancel_pauses_nothing(home: Path, desk: Desk):
    at = open_page("overview")
    at.button(key="pause").click().run()
    at.button(key="pause_cancel").click().run()
    assert not [b for b in at.button if b.key == "pause_confirm"]
    assert not desk.pause_state().paused and desk.pause_history() == []


def test_a_pause_made_elsewhere_shows_its_rule_on_every_page(home: Path, desk: Desk):
    desk.pause("spread spike on the broker", actor="cli:olga")
    at = open_page("models")
    (shown,) = banner(at)
    assert "by cli:olga" in shown and "spread spike on the broker" in shown


def test_only_operators_see_the_switch_and_viewers_see_the_banner(home: Path, desk: Desk):
    setup_users(desk)
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "vic", "viewer-pass")
    assert not [b for b in at.button if b.key in {"pause", "resume"}]
    assert "logged in as a viewer" in "\n".join(c.value for c in at.caption)
    desk.pause("olga stopped it", actor="olga")
    st.cache_data.clear()  # as after reads.PAUSE_TTL seconds: the switch is read again
    at.run()
    assert banner(at) and not [b for b in at.button if b.key == "resume"]

    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "olga", "operator-pass")
    at.button(key="resume").click().run()
    at.text_input(key="resume_reason").set_value("checked")
    at.button(key="resume_confirm").click().run()
    assert not desk.pause_state().paused
    assert desk.pause_history()[0].actor == "olga"


def test_the_risk_tab_edits_the_sizing(home: Path, desk: Desk):
    at = open_page("configuration")
    assert at.selectbox(key="cfg:risk.sizing").value == "fixed_lots"
    at.number_input(key="cfg:risk.min_lots").set_value(5.0).run()  # above max_lots 1.0
    assert any("risk.min_lots must not exceed risk.max_lots" in e.value for e in at.error)
    assert at.button(key="save_config").disabled
    at.number_input(key="cfg:risk.min_lots").set_value(0.01).run()
    at.selectbox(key="cfg:risk.sizing").set_value("risk_percent").run()
    at.button(key="save_config").click().run()
    at.text_input(key="save_config_reason").set_value("size by risk")
    at.button(key="save_config_confirm").click().run()
    assert json.loads(desk.paths.config_file.read_text())["risk"]["sizing"] == "risk_percent"
