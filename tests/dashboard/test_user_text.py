"""Every user-supplied string renders as text: the pages pass it through `literal`, so the
markdown a browser would receive holds no image, link or markup made of user text."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.literal import literal
from engine.services import Desk
from tests.dashboard.conftest import open_page
from tests.dashboard.test_literal import RENDERER
from tests.dashboard.user_text import bar_file, payload, plant

EVIL = payload(9)


def markdown_sent(at: AppTest) -> str:
    """The source of every markdown-rendering element of the page, as the browser gets it."""
    kinds = ("markdown", "caption", "success", "info", "warning", "error", "toast", "subheader")
    return "\n".join(str(getattr(e, "value", "")) for kind in kinds for e in at.get(kind))


def assert_only_literal(at: AppTest, *expected: str) -> None:
    sent = markdown_sent(at)
    for text in expected:
        assert literal(text) in sent, (text, sent)
    assert EVIL not in sent  # never the raw markdown
    markup = RENDERER.render(sent)  # and, rendered, no image or link made of it
    assert "<img" not in markup and "<a " not in markup


def test_overview_shows_the_reason_actor_and_session_as_text(home: Path, desk: Desk):
    plant(desk, EVIL)
    at = open_page("overview")
    assert_only_literal(at, f"because {EVIL}", f"mallory {EVIL}", f"refused: {EVIL}")


def test_learning_page_shows_the_sessions_text_as_text(home: Path, desk: Desk):
    plant(desk, EVIL)
    at = open_page("learning")
    assert_only_literal(at, f"api:{EVIL}", f"Failed: refused: {EVIL}")


def test_data_page_refusal_box_shows_the_files_field_as_text(
    home: Path, desk: Desk, tmp_path: Path
):
    """A viewer can trigger this one: uploading is open to every role."""
    at = open_page("data")
    upload = bar_file(tmp_path, EVIL).read_bytes()
    at.file_uploader(key="bars_file").set_value(("evil.csv", upload, "text/csv")).run()
    refused = [e.value for e in at.error]
    assert refused and literal(f"open '{EVIL}' is not a number") in refused[0]
    assert_only_literal(at)


def test_engine_errors_and_flash_messages_are_text(home: Path, desk: Desk):
    """`shown_errors` and the flash after an action: both may quote what a user typed."""
    at = open_page("models")
    at.selectbox(key="models_version").set_value("XAUUSD-M5-scalper:v2").run()
    at.button(key="activate").click().run()
    at.text_input(key="activate_reason").set_value(f"try {EVIL}").run()
    at.button(key="activate_confirm").click().run()
    assert desk.activation_history()[0].reason == f"try {EVIL}"
    assert_only_literal(at, "XAUUSD-M5-scalper:v2 is active")
