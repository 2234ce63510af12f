"""The dashboard in a real browser: every page (each says DEMO on the demo desk), activate and roll
back, a config change, an import, and a retrain followed to its end; a full-page screenshot of each
page is taken (into docs/screenshots/ under `make e2e`, which sets AURUM_SCREENSHOTS; otherwise
into the run's temporary folder, so a test run leaves the checkout as it was)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from engine.data.synthetic import generate_bars
from engine.services import Desk
from tests.e2e.conftest import BARS_UPLOADER, ROOT, Server, file_input

pytestmark = pytest.mark.slow
SHOTS_ENV = "AURUM_SCREENSHOTS"
PAGES = {  # url path: (title, charts expected on the seeded desk)
    "": ("Overview", 0),
    "leaderboard": ("Leaderboard", 0),
    "performance": ("Performance", 5),
    "learning": ("Learning", 3),
    "models": ("Models", 2),
    "configuration": ("Configuration", 0),
    "data": ("Data", 1),
    "audit": ("Audit", 0),
}
LONG = 60_000
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


def visit(page: Page, path: str, title: str, charts: int = 0) -> None:
    page.goto(f"/{path}")
    expect(page.locator('[data-testid="stMain"] h1').filter(has_text=title)).to_be_visible(
        timeout=LONG
    )
    if charts:
        expect(page.locator(".js-plotly-plot").nth(charts - 1)).to_be_visible(timeout=LONG)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $AURUM_SCREENSHOTS (relative to the project), else a temporary
    folder."""
    chosen = os.environ.get(SHOTS_ENV)
    return ROOT / chosen if chosen else tmp_path_factory.mktemp("screenshots")


def full_page_screenshot(page: Page, folder: Path, name: str) -> Path:
    """Streamlit scrolls inside its main block: grow the viewport to it, then shoot."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 9000))})
    page.wait_for_timeout(1500)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def commit(
    page: Page,
    label: str,
    value: str,
    scope: Page | None = None,
    *,
    taken: Callable[[], None] | None = None,
) -> None:
    """Type into a text or number field and press Enter (Streamlit commits on Enter).

    `taken` waits for what the page shows once it has the value (raising AssertionError when
    it does not): a rerun still drawing the field's old value can overwrite what was typed, so
    the value is typed again, three times at most."""
    field = (scope or page).get_by_label(label, exact=True)
    for _ in range(3):
        field.fill(value)
        field.press("Enter")
        page.wait_for_timeout(700)
        if taken is None:
            return
        try:
            taken()
            return
        except AssertionError:
            continue
    raise AssertionError(f"the page never took {value!r} for {label!r}")


def pick_versions(page: Page, *refs: str) -> None:
    """Choose versions in the leaderboard's "Pick 2 to 5 versions" box."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Pick 2 to 5 versions")
    for ref in refs:
        option = page.get_by_role("option", name=ref, exact=True)
        for _ in range(3):  # a click while the page reruns can leave the list closed: again
            box.click()
            try:
                option.click(timeout=20_000)
                break
            except PlaywrightTimeoutError:
                page.keyboard.press("Escape")
        else:
            raise AssertionError(f"{ref} was never offered in the versions to compare")
        page.wait_for_timeout(700)
    page.keyboard.press("Escape")


def says_demo(page: Page, server: Server, path: str) -> None:
    """The demo desk says DEMO on the page: the frame's banner above it, the sidebar's badge, and
    the page's own mark where it shows a version."""
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(BANNER)).to_be_visible(timeout=LONG)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("DEMO", exact=True)).to_be_visible()
    if path not in OWN_MARK:
        return
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


# One visit per page checks it renders, says DEMO and is captured (a page load costs Chromium
# 2-6 s of CPU: a second sweep of the pages for the DEMO marks alone cost the suite ~15 s).
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_says_demo_and_is_captured(
    page: Page, server: Server, shots: Path, path: str
):
    title, charts = PAGES[path]
    visit(page, path, title, charts)
    expect(page.get_by_text("XAUUSD-M5-scalper:v3").first).to_be_visible()
    says_demo(page, server, path)
    if path == "leaderboard":  # the comparison, with its two charts, is what this page is for
        pick_versions(page, "XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v1")
        expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=LONG)
        expect(page.get_by_text("Sharpe (daily, ×√252) by version")).to_be_visible()
    if path == "performance":  # the backtest view: the version's out-of-sample trades
        page.get_by_text("backtest (out of sample, after costs)", exact=True).click()
        expect(page.get_by_text("Equity curve — backtest trades (out of sample)")).to_be_visible(
            timeout=LONG
        )
        expect(page.get_by_text("win rate and profit factor — backtest trades")).to_be_visible(
            timeout=LONG
        )
    shot = full_page_screenshot(page, shots, path or "overview")  # (it waits 1.5 s for the charts)
    assert shot.stat().st_size > 20_000


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).click()
    page.keyboard.type(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    page.wait_for_timeout(700)


def test_a_session_with_ensembles_shows_them_as_candidates(page: Page, server: Server, shots: Path):
    """The demo's session #2 also tried a soft vote and a stacking of its top 3 candidates."""
    visit(page, "learning", "Learning", 3)
    choose(page, "Session", "#2")
    # while the page reruns, the previous session's chart can still stand next to the new one
    chart = page.locator(".js-plotly-plot").filter(has_text="Model vs its baselines")
    expect(chart.filter(has_text="soft vote of top").first).to_be_visible(timeout=LONG)
    expect(chart.filter(has_text="stacking of top").first).to_be_visible(timeout=LONG)
    expect(chart).to_have_count(1, timeout=LONG)  # the rerun is over
    choose(page, "Folds of", "stacking of top")
    picked = page.get_by_role("combobox", name="Folds of").first
    expect(picked).to_have_value(re.compile(r"^#\d+ stacking of top"), timeout=LONG)
    folds = page.get_by_text("Walk-forward folds (out of sample, after costs)")
    expect(folds.first).to_be_visible(timeout=LONG)
    expect(folds).to_have_count(1, timeout=LONG)  # the rerun is over (its copy gone)
    shot = full_page_screenshot(page, shots, "ensembles")
    assert shot.stat().st_size > 20_000
    with Desk.open(str(server.home)) as desk:
        names = [c["algorithm"] for c in desk.learning_session(2).result["candidates"]]
    assert names[-2:] == ["ensemble_soft_vote", "ensemble_stacking"]


def test_activate_with_a_reason_then_roll_back(page: Page, server: Server):
    visit(page, "models?version=XAUUSD-M5-scalper:v2", "Models", 2)
    page.get_by_role("button", name="Activate…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Make XAUUSD-M5-scalper:v2 the active model")
    commit(page, "Reason (recorded in the history)", "browser test: try v2", dialog)
    dialog.get_by_role("button", name="Activate", exact=True).click()
    expect(
        page.get_by_text("XAUUSD-M5-scalper:v2 is active (was XAUUSD-M5-scalper:v3).")
    ).to_be_visible(timeout=LONG)
    with Desk.open(str(server.home)) as desk:
        assert desk.registry.active_version().ref == "XAUUSD-M5-scalper:v2"
        assert desk.activation_history()[0].reason == "browser test: try v2"

    page.get_by_role("button", name="Roll back…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Re-activate XAUUSD-M5-scalper:v3")
    commit(page, "Reason (recorded in the history)", "browser test: back", dialog)
    dialog.get_by_role("button", name="Roll back", exact=True).click()
    expect(page.get_by_text("Rolled back: XAUUSD-M5-scalper:v3 is active again")).to_be_visible(
        timeout=LONG
    )
    with Desk.open(str(server.home)) as desk:
        assert desk.registry.active_version().ref == "XAUUSD-M5-scalper:v3"
        assert desk.activation_history()[0].kind == "rollback"


def test_pin_asks_first_then_pins(page: Page, server: Server):
    visit(page, "models?version=XAUUSD-M5-scalper:v2", "Models", 2)
    page.get_by_role("button", name="Pin…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Pin XAUUSD-M5-scalper:v2: cleanup will keep its model file")
    with Desk.open(str(server.home)) as desk:
        assert not desk.version("XAUUSD-M5-scalper:v2").pinned
    dialog.get_by_role("button", name="Pin", exact=True).click()
    expect(page.get_by_text("XAUUSD-M5-scalper:v2 pinned: cleanup keeps its file.")).to_be_visible(
        timeout=LONG
    )
    with Desk.open(str(server.home)) as desk:
        assert desk.version("XAUUSD-M5-scalper:v2").pinned


def test_config_refuses_a_bad_value_and_saves_a_good_one(page: Page, server: Server):
    file = server.home / "config" / "phase3_config.json"
    before = file.read_bytes()
    visit(page, "configuration", "Configuration")
    commit(page, "max_models_to_keep", "0")
    expect(
        page.get_by_text("max_models_to_keep: Input should be greater than or equal to 1")
    ).to_be_visible(timeout=LONG)
    expect(page.get_by_role("button", name="Save…")).to_be_disabled()
    assert file.read_bytes() == before

    save = page.get_by_role("button", name="Save…")
    commit(page, "max_models_to_keep", "12", taken=lambda: expect(save).to_be_enabled())
    save.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Write 1 change(s)")
    commit(page, "Reason (recorded in the history)", "browser test: keep 12", dialog)
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved as change #")).to_be_visible(timeout=LONG)
    assert json.loads(file.read_text())["max_models_to_keep"] == 12


def test_import_a_small_csv(page: Page, server: Server, tmp_path: Path):
    bars = generate_bars(start="2026-01-05", n_bars=300, seed=5)
    bars["time"] = bars["time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    csv = tmp_path / "small_export.csv"
    bars.to_csv(csv, index=False)
    visit(page, "data", "Data", 1)
    commit(page, "Symbol", "XAUTEST")
    file_input(page, BARS_UPLOADER).set_input_files(str(csv))
    expect(page.get_by_text("300 valid csv bars")).to_be_visible(timeout=LONG)
    page.get_by_text("Import these 300 bars as XAUTEST M5").click()
    page.get_by_role("button", name="Import bars").click()
    expect(page.get_by_text("Imported 300 XAUTEST M5 bars: 300 new")).to_be_visible(timeout=LONG)
    with Desk.open(str(server.home)) as desk:
        assert ("XAUTEST", 300) in [(s.symbol, s.bars) for s in desk.bar_series()]


def test_retrain_now_shows_progress_until_the_session_ends(page: Page, server: Server):
    visit(page, "learning", "Learning", 3)
    page.get_by_role("button", name="Retrain now…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Queue a learning session on XAUUSD M5")
    dialog.get_by_role("button", name="Retrain now", exact=True).click()
    expect(page.get_by_text("queued: the background worker will run it")).to_be_visible(
        timeout=LONG
    )
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible(timeout=LONG)
    expect(page.get_by_text("finished:")).to_be_visible(timeout=240_000)
    with Desk.open(str(server.home)) as desk:
        last = desk.learning_sessions(1)[0]
        assert last.trigger == "manual" and last.status in ("succeeded", "no_improvement")
