"""The trader's cockpit in Chromium: the Performance page of the demo desk holds a candlestick
chart with trade markers; picking a trade in the list centres the chart on it; the Overview shows
the verdict. Run them one at a time (`-m slow -k ...`); they take no screenshots."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from engine.services import Desk
from tests.e2e.conftest import Server

pytestmark = pytest.mark.slow
LONG = 90_000
REF = "XAUUSD-M5-scalper:v3"
PRICE_CHART = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(el => (el.data || []).some(t => t.type === 'candlestick'))
  .filter(el => el.closest('[data-stale="true"]') === null)
  .map(el => ({
    candles: el.data.find(t => t.type === 'candlestick').x.length,
    entries: el._fullData.filter(t => (t.name || '').includes(' entries, '))  // y decoded
      .flatMap(t => Array.from(t.x, (x, i) => [String(x), t.y[i]])),
    range: el.layout.xaxis.range,
    markers: el.querySelectorAll('.scatterlayer .trace .points path').length,
  }))"""


def price_chart(page: Page) -> dict:
    """The price chart as drawn (its Plotly data and layout), once it is on the page."""
    page.get_by_text("Price chart — XAUUSD M5").wait_for(timeout=LONG)
    page.wait_for_function(f"() => ({PRICE_CHART})().length === 1", timeout=LONG)
    return page.evaluate(PRICE_CHART)[0]


def live_trades(server: Server) -> list:
    with Desk.open(str(server.home)) as desk:
        return desk.chart_trades(REF, "live", limit=1000)


def test_performance_holds_a_candlestick_chart_with_trade_markers(page: Page, server: Server):
    page.goto("/performance")
    chart = price_chart(page)
    assert 200 < chart["candles"] <= 300  # one window of bars (fewer at the end), not the series
    stored = {pd.Timestamp(t.open_time): t.open_price for t in live_trades(server)}
    shown = sorted((pd.Timestamp(x, tz="UTC"), y) for x, y in chart["entries"])
    assert len(shown) >= 2 and all(x in stored for x, _ in shown)  # real trades of the window
    assert [y for _, y in shown] == pytest.approx([stored[x] for x, _ in shown])  # stored prices
    assert chart["markers"] >= 2 * len(shown)  # entry and exit markers drawn as SVG points
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_picking_a_trade_in_the_list_centres_the_chart_on_it(page: Page, server: Server):
    page.goto("/performance")
    before = price_chart(page)
    trades = live_trades(server)
    rows = min(len(trades), 3)  # a row in view without scrolling (212 px: about 5 rows)
    oldest = trades[-rows]  # the list's row `rows` (newest first)
    grid = page.locator(  # the trade list, by its key (Streamlit's st-key-* class, ':' -> '-')
        '[class*="st-key-perf-"][class*="-list"] [data-testid="stDataFrame"]'
    )
    expect(grid).to_have_count(1, timeout=LONG)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    row_height, header = 35, 35
    page.mouse.click(box["x"] + 18, box["y"] + header + (rows - 1) * row_height + row_height / 2)
    page.wait_for_function(
        f"() => {{ const c = ({PRICE_CHART})(); return c.length === 1 && "
        f"JSON.stringify(c[0].range) !== {json.dumps(json.dumps(before['range']))} && "
        "new Date(c[0].range[1]) - new Date(c[0].range[0]) < 20 * 3600e3; }",  # not the window
        timeout=LONG,
    )
    lo, hi = (pd.Timestamp(v).tz_localize("UTC") for v in price_chart(page)["range"])
    opened, closed = pd.Timestamp(oldest.open_time), pd.Timestamp(oldest.close_time)
    assert lo < opened < closed < hi
    assert abs((lo + (hi - lo) / 2) - (opened + (closed - opened) / 2)) <= pd.Timedelta(minutes=5)
    expect(page.get_by_text("Picked trade")).to_be_visible(timeout=LONG)
    # the numbers table is drawn on a canvas; its cells are in the DOM for screen readers
    expect(page.get_by_text(f"{oldest.open_time:%Y-%m-%d %H:%M} UTC at")).to_be_attached()


def test_the_overview_shows_the_verdict(page: Page, server: Server):
    with Desk.open(str(server.home)) as desk:
        active = desk.registry.active_version()
        verdict = desk.trust_report(active.ref).verdict
    page.goto("/")
    expect(page.get_by_text("Can I trust the active model today?")).to_be_visible(timeout=LONG)
    expect(page.get_by_text(verdict.text, exact=True)).to_be_visible(timeout=LONG)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
