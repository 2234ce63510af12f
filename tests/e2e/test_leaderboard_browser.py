"""The Leaderboard in a 1,400 px wide browser: the pinned columns' headers are on screen, and stay
where they are when the table is scrolled to its last column.

The table is drawn on a canvas (glide-data-grid): its DOM header cells are an accessibility copy
with empty boxes. Each column's help appears as a tooltip while the mouse is over its header, so
a sweep along the header row finds each header's horizontal extent: its box on screen.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.leaderboard_table import PINNED_WIDTH, leaderboard_columns, pinned_columns
from tests.e2e.conftest import Server

pytestmark = pytest.mark.slow
WIDTH = 1400
LONG = 60_000
STEP = 12  # px between hover points along the header row
PAST_PINNED = 60  # px swept beyond the pinned columns' width
TOOLTIP = '[data-testid="stTooltipContent"], [role="tooltip"]'
SHOWN = 1_500  # ms: a header's help shows 600 ms after the mouse enters it
AGAIN = 100  # ms: the wait at the next point where the last showed none
# The tooltip showing (its text, or null) two frames and a task after a mouse move: the grid's
# hover handler has run and React has rendered its outcome (a tooltip of a header left is gone).
SETTLED_TOOLTIP = """async (selector) => {
    const frame = () => new Promise(r => requestAnimationFrame(r));
    await frame();
    await frame();
    await new Promise(r => setTimeout(r, 20));
    const tip = document.querySelector(selector);
    return tip === null ? null : tip.innerText;
}"""


def header_boxes(
    page: Page, helps: dict[str, str], texts: list[tuple[float, str]] | None = None
) -> dict[str, tuple[float, float]]:
    """Each column's header as (left, right) in page pixels: where its help tooltip shows
    (`texts` collects every tooltip met, for the failure message)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    y = box["y"] + 17  # the middle of the header row (35 px high)
    seen: dict[str, list[float]] = {}
    x = box["x"] + 4
    text = None
    # the pinned columns come first: the sweep ends a little past their width (a pinned header
    # drawn anywhere further right would be missing from the boxes, and the test fails)
    end = box["x"] + min(box["width"] - 4, PINNED_WIDTH + PAST_PINNED)
    while x < end:
        page.mouse.move(x, y)
        # where no help showed at the last point, the mouse is most likely still in a header
        # without one (the right part of the table): a short wait there
        text = tooltip_here(page, SHOWN if text != "" else AGAIN)
        if texts is not None:
            texts.append((x, text))
        for name, help_text in helps.items():
            if text == " ".join(help_text.split()):
                seen.setdefault(name, []).append(x)
        x += STEP
    page.mouse.move(0, 0)
    return {name: (min(xs), max(xs)) for name, xs in seen.items()}


def tooltip_here(page: Page, timeout: float) -> str:
    """The help tooltip of the header under the mouse ("" if none shows within `timeout` ms).

    The grid reports a hover only when the mouse enters another cell: Streamlit then removes the
    tooltip at once and shows the new header's help 600 ms later, and keeps it while the mouse
    stays in that header. So once the move has been rendered, a tooltip still showing is this
    header's; none showing means a new header, whose tooltip is waited for (rather than waiting
    a fixed 300 ms at every point, which took 100 s for the test's three sweeps)."""
    text = page.evaluate(SETTLED_TOOLTIP, TOOLTIP)
    if text is None:
        tip = page.locator(TOOLTIP).first
        try:
            tip.wait_for(state="visible", timeout=timeout)
        except PlaywrightTimeout:
            return ""
        text = tip.inner_text()
    return " ".join(str(text).split())


def add_columns(page: Page, *names: str) -> None:
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="More columns")
    for name in names:
        box.locator("input").click()  # not the box's middle: that may be a chip's ✕
        page.keyboard.type(name)  # the list is long: filter it to the column wanted
        page.get_by_role("option", name=name, exact=True).click()
        page.wait_for_timeout(700)
    page.keyboard.press("Escape")


def test_pinned_headers_are_on_screen_at_1400_px_and_stay_when_scrolled(page: Page, server: Server):
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.goto("/leaderboard")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=LONG)
    pinned = pinned_columns("USD")
    config = leaderboard_columns("USD")
    helps = {name: str(config[name]["help"]) for name in pinned}
    # sidebar open (the table ~940 px): all nine headers on screen, first, without scrolling
    met: list[tuple[float, str]] = []
    opened = header_boxes(page, helps, met)
    assert list(opened) == pinned, met
    assert all(0 <= left < right <= WIDTH for left, right in opened.values()), opened

    # sidebar closed (the table ~1,240 px): pinned, so they stay put when the table scrolls
    page.locator('[data-testid="stSidebar"]').hover()
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    page.wait_for_timeout(1500)
    add_columns(
        page,
        "backtest win rate 95 % interval",
        "backtest DSR (trials)",
        "created (UTC)",
        "not ranked because",
        "algorithm",
    )
    page.wait_for_timeout(1000)
    table_width = grid.bounding_box()["width"]  # type: ignore[index]
    assert 0.6 * table_width >= PINNED_WIDTH  # Streamlit's limit for pinning at all
    before = header_boxes(page, helps, met)
    assert list(before) == pinned, met  # every pinned header found, left to right in order
    for name, (left, right) in before.items():
        assert 0 <= left < right <= WIDTH, (name, left, right)

    scroller = grid.locator(".dvn-scroller")
    assert scroller.evaluate("s => s.scrollWidth - s.clientWidth") > 0  # it does scroll
    scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; }")
    page.wait_for_timeout(700)
    assert scroller.evaluate("s => s.scrollLeft") > 0
    after = header_boxes(page, helps, met)
    assert list(after) == pinned, met
    for name in pinned:  # pinned: the same place on screen after the scroll
        assert after[name] == pytest.approx(before[name], abs=STEP), name
