"""Browser tests: `streamlit run dashboard/app.py` on a free localhost port with a private copy of
the demo desk (background services on), driven by Debian's Chromium through pytest-playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Locator, Page, Playwright, sync_playwright

from tests.dashboard.desks import seeded_copy

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (
    "Debian's Chromium is not installed at /usr/bin/chromium "
    "(`apt-get install -y chromium`; .ci/run installs it in CI)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests, with the reason, where Chromium or Playwright is missing."""
    here = Path(__file__).parent
    reason = MISSING if not CHROMIUM.exists() else None
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None:
        return
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass(frozen=True)
class Server:
    url: str
    home: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {url} within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    work = tmp_path_factory.mktemp("e2e")
    home = seeded_copy(work / "home", scheduler=True)
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
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_healthy(url, process, log)
        yield Server(url, home, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# Playwright, the browser and the server last as long as the browser tests (package scope), not
# the session: the suite runs them as one unit on one worker (tests/scheduling.py), which then
# goes on with other tests. Playwright's sync API runs an event loop in the main thread while it
# is started, and a later test calling asyncio.run() there would fail.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    started = sync_playwright().start()
    yield started
    started.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict, browser_type: BrowserType
) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    launched = launch_browser()
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="package")
def browser_context_args(server: Server) -> dict:
    """Every page opens on the server, 1,400 px wide (pytest-playwright's own defaults come from
    its command-line options, which these tests do not use, and need its session-wide
    Playwright)."""
    return {"base_url": server.url, "viewport": {"width": 1400, "height": 1000}}


BARS_UPLOADER = "MT5 'Export bars' file or CSV"  # the Data page's bar import (views/data.py)


def file_input(page: Page, label: str) -> Locator:
    """The file input of the uploader labelled `label`. The Data page has two (bars, then trade
    history); while it renders, the first file input on the page can be either."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    return uploader.locator('input[type="file"]')
