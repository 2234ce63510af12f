"""In a real browser, the demo desk says DEMO on every page: the frame's banner above each page,
the sidebar's badge, and each page's own mark where it shows a version (no screenshots)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engine.services import Desk
from tests.e2e.conftest import Server
from tests.e2e.test_dashboard_browser import LONG, PAGES, visit

pytestmark = pytest.mark.slow
BANNER = "DEMO desk — the active model XAUUSD-M5-scalper:v3 was trained on generated bars"
OWN_MARK = {  # url path: what the page itself says about the version(s) it shows
    "": "trained on DEMO (generated) bars",
    # the leaderboard's mark counts the versions it shows, all of them here (every version on
    # this desk is a demo one): the count is read from the page's own "N of M versions". Another
    # browser test on this server may have trained one more, which the page shows within its
    # cache's 15 s (dashboard/reads.py): the desk's count can be ahead of the page's.
    "leaderboard": "{versions} of these versions were trained on generated bars",
    "performance": "XAUUSD-M5-scalper:v3 was trained on generated bars, not market data",
    "learning": "learnt on generated bars, not market data",
    "models": "XAUUSD-M5-scalper:v3 was trained on generated bars, not market data",
}


def test_every_page_of_the_demo_desk_says_demo(page: Page, server: Server):
    for path, (title, _) in PAGES.items():
        visit(page, path, title)
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_text(BANNER)).to_be_visible(timeout=LONG)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("DEMO", exact=True)).to_be_visible()
        if path in OWN_MARK:
            versions = 0
            if path == "leaderboard":
                with Desk.open(str(server.home)) as desk:
                    assert all(v.is_demo for v in desk.leaderboard())
                caption = main.get_by_text(re.compile(r"^\d+ of \d+ versions, ranked")).first
                shown, _, total = caption.inner_text().split()[:3]
                versions = int(shown)
                assert versions == int(total) >= 3
            mark = OWN_MARK[path].format(versions=versions)
            expect(main.get_by_text(mark).first).to_be_visible(timeout=LONG)
