"""The Learning page in a real browser follows a session it started: the new session is picked
by itself while it runs, and Cancel (confirmed) stops it, recorded as cancelled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from engine.config.schema import Phase3Config
from engine.services import Desk
from tests.e2e.conftest import Server
from tests.e2e.test_dashboard_browser import LONG, choose, visit

pytestmark = pytest.mark.slow
# slow fits (a few seconds each on 2 cores), so the session is still running when Cancel is
# pressed; the session stops after the fit it is running
SLOW_LEARNING = {
    "algorithms": ["extra_trees"],
    "hyperparameters": {"extra_trees": {"n_estimators": 800}},
    "n_folds": 6,
}


@pytest.fixture
def slow_learning(server: Server) -> Iterator[None]:
    """The server's desk learns slowly for this test; its settings are put back after it."""
    with Desk.open(str(server.home)) as desk:
        before = desk.config()
        data = before.model_dump()
        data["learning"].update(SLOW_LEARNING)
        desk.config_store.save(Phase3Config.model_validate(data), actor="test-setup")
    try:
        yield
    finally:
        with Desk.open(str(server.home)) as desk:
            desk.config_store.save(before, actor="test-setup")


def test_a_started_session_is_followed_and_cancelled(
    page: Page, server: Server, slow_learning: None
):
    visit(page, "learning", "Learning", 3)
    choose(page, "Session", "#1")  # the trader reads an old session
    picker = page.get_by_role("combobox", name="Session", exact=True)
    expect(picker).to_have_value("#1")
    page.get_by_role("button", name="Retrain now…").click()
    page.get_by_role("dialog").get_by_role("button", name="Retrain now", exact=True).click()
    expect(page.get_by_text("queued: the background worker will run it")).to_be_visible(
        timeout=LONG
    )
    with Desk.open(str(server.home)) as desk:
        session_id = desk.learning_sessions(1)[0].id
    row = page.locator('[data-testid="stProgress"]').filter(has_text=f"Session #{session_id}")
    expect(row.filter(has_text="running")).to_be_visible(timeout=120_000)  # the worker took it
    expect(picker).to_have_value(f"#{session_id}")  # picked by itself, not the trader's #1
    # this session's own button (by its key; another queued session has one too), not a copy
    # left standing for a moment by a rerun
    page.locator(
        f'[class*="st-key-cancel_session-{session_id}"]:not([data-stale="true"] *) button'
    ).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Cancel learning session #{session_id}")
    dialog.get_by_role("button", name=f"Cancel session #{session_id}").click()
    expect(page.get_by_text("will stop after its current fit")).to_be_visible(timeout=LONG)
    expect(page.get_by_text(f"Session #{session_id} finished: cancelled")).to_be_visible(
        timeout=240_000
    )
    expect(picker).to_have_value(f"#{session_id}")
    with Desk.open(str(server.home)) as desk:
        session = desk.learning_session(session_id)
        assert session.status == "cancelled" and session.version_id is None
        assert "nothing registered" in session.message
        assert not [v for v in desk.leaderboard() if v.session_id == session_id]
        actions = [a.action for a in desk.audit_log(50) if a.target == f"#{session_id}"]
        assert {"learning.cancel", "learning.cancelled"} <= set(actions)
