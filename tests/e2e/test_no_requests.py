"""In a real browser, the dashboard makes no request outside its own host: user text holding
markdown for an image served by a local listener (an activation's reason and actor, a learning
session's requester and error, a field of an uploaded bar file) is shown as text and the
listener is never asked; on every page, no request goes to another host (no icon font, no
favicon from fonts.gstatic.com) and no element points at one."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.literal import WORD_JOINER
from engine.services import Desk
from tests.dashboard.desks import seeded_copy
from tests.dashboard.user_text import bar_file, payload, plant
from tests.e2e.conftest import (
    BARS_UPLOADER,
    CHROMIUM,
    MISSING,
    ROOT,
    _free_port,
    _wait_healthy,
    file_input,
)

pytestmark = pytest.mark.slow
LONG = 60_000
PAGES = ["", "leaderboard", "performance", "learning", "models", "configuration", "data", "audit"]


@dataclass
class Listener:
    """An HTTP server on this machine that records every path it is asked for."""

    port: int
    hits: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Planted:
    url: str
    text: str
    bars: Path


@pytest.fixture(scope="package")
def listener() -> Iterator[Listener]:
    found = Listener(0)

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found.hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="package")
def planted(tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> Iterator[Planted]:
    """The demo desk with the listener's image planted in its user text, served by
    `streamlit run` with the options `aurum dashboard` uses (background services off)."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    work = tmp_path_factory.mktemp("e2e-requests")
    home = seeded_copy(work / "home")
    text = payload(listener.port)
    with Desk.open(str(home)) as desk:
        plant(desk, text)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "streamlit.log"
    env = {**os.environ, "AURUM_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("AURUM_DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
                "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
                "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
                "--client.toolbarMode=viewer",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_healthy(url, process, log)
        yield Planted(url, text, bar_file(work, text))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def watched_page(browser: Browser, planted: Planted) -> tuple[Page, list[str]]:
    """A page on the planted dashboard and the list of every URL it requests."""
    context = browser.new_context(base_url=planted.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return page, requested


def visit(page: Page, path: str) -> None:
    page.goto(f"/{path}")
    expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=LONG)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=LONG)


def shown_text(page: Page) -> str:
    """The main block's text as a reader sees it (invisible word joiners dropped)."""
    return page.locator('[data-testid="stMain"]').inner_text().replace(WORD_JOINER, "")


def wait_shown(page: Page, *parts: str, timeout: float = LONG) -> None:
    """Until the main block shows every part (a page still rerunning shows a part of itself)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        text = shown_text(page)
        missing = [part for part in parts if part not in text]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown: {missing!r} in {text[:2000]!r}")
        page.wait_for_timeout(500)


def links_elsewhere(page: Page, planted: Planted) -> list[str]:
    """Links in the page to anywhere but the dashboard itself (user text made into links)."""
    return page.evaluate(
        """(own) => [...document.querySelectorAll('[data-testid="stMain"] a[href]')]
            .map(a => a.href).filter(h => h.startsWith('http') && !h.startsWith(own))""",
        planted.url,
    )


def test_user_text_with_an_image_makes_no_request(
    browser: Browser, planted: Planted, listener: Listener
):
    page, _ = watched_page(browser, planted)
    text = planted.text
    visit(page, "")
    expect(page.get_by_text("because", exact=False).first).to_be_visible(timeout=LONG)
    # the Overview caption, the last session's actor and its message
    wait_shown(page, f"mallory {text}: because {text}", f"api:{text}", f"refused: {text}")
    assert links_elsewhere(page, planted) == []
    visit(page, "learning")
    expect(page.get_by_text("Failed: refused:", exact=False)).to_be_visible(timeout=LONG)
    wait_shown(page, f"Failed: refused: {text}", f"api:{text}")
    assert links_elsewhere(page, planted) == []
    visit(page, "data")
    file_input(page, BARS_UPLOADER).set_input_files(str(planted.bars))
    expect(page.get_by_text("is not a number", exact=False)).to_be_visible(timeout=LONG)
    wait_shown(page, f"open '{text}' is not a number")  # the refusal box
    assert links_elsewhere(page, planted) == []
    page.wait_for_timeout(2000)  # time for any image the page would load
    assert page.locator(f'img[src*=":{listener.port}"]').count() == 0
    assert listener.hits == []
    page.context.close()


def test_no_page_requests_anything_from_another_host(browser: Browser, planted: Planted):
    page, requested = watched_page(browser, planted)
    for path in PAGES:
        visit(page, path)
        page.wait_for_timeout(1500)
        pointing = page.evaluate(
            """() => [...document.querySelectorAll('[src], link[href]')]
                .map(e => e.src || e.href)
                .filter(u => u && !u.startsWith(location.origin) && !u.startsWith('data:')
                             && !u.startsWith('blob:'))"""
        )
        assert pointing == [], (path, pointing)
    elsewhere = sorted({u for u in requested if not u.startswith((planted.url, "data:", "blob:"))})
    assert elsewhere == []
    assert any(u.startswith(planted.url) for u in requested)  # the watch itself works
    page.context.close()
