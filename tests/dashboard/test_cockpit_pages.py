"""The price chart on the Performance and Models pages and the Overview's verdict, on the demo
desk (AppTest): candles with the version's trades, a picked trade centred with its numbers, the
window moving by index, sources overlaid, the verdict from stored figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from engine.services import Desk
from tests.dashboard.conftest import decoded, open_page
from tests.dashboard.test_pages import frame, texts

REF = "XAUUSD-M5-scalper:v3"
PREFIX = f"perf:{REF}"


def price_chart(at: AppTest) -> dict:
    """The figure with the candles."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if any(trace.get("type") == "candlestick" for trace in spec["data"]):
            return spec
    raise AssertionError("no candlestick chart on the page")


def trace(spec: dict, name_part: str) -> dict:
    found = [t for t in spec["data"] if name_part in (t.get("name") or "")]
    assert len(found) == 1, [t.get("name") for t in spec["data"]]
    return found[0]


def entries(spec: dict, source: str) -> list[tuple[pd.Timestamp, float]]:
    """Every entry marker of a source (its traces split by side and result), in time order."""
    points = []
    for t in spec["data"]:
        if (t.get("name") or "").startswith(f"{source}: ") and " entries, " in t["name"]:
            times = pd.to_datetime(t["x"]).tz_localize("UTC")  # the axes hold naive UTC
            points += list(zip(times, decoded(t["y"]), strict=True))
    return sorted(points)


def window_caption(at: AppTest) -> str:
    (caption,) = [c.value for c in at.caption if c.value.startswith("Window:")]
    return caption


def test_performance_draws_candles_with_the_live_trades_and_the_probabilities(
    home: Path, desk: Desk
):
    at = open_page("performance")
    spec = price_chart(at)
    candles = next(t for t in spec["data"] if t["type"] == "candlestick")
    assert 200 < len(decoded(candles["close"])) <= 300  # one window (fewer at the series' end)
    times = pd.to_datetime(candles["x"]).tz_localize("UTC")
    live = _with_prices(desk, desk.trades(REF))
    end = times[-1] + pd.Timedelta(minutes=5)  # the last candle's close
    shown = [t for t in live if pd.Timestamp(t.close_time) >= times[0] and t.open_time <= end]
    assert shown and entries(spec, "live trades") == [
        (pd.Timestamp(t.open_time), t.open_price) for t in shown
    ]  # the live trades of the window, each at its stored price
    assert trace(spec, "P(long wins)") and trace(spec, "take profit (as the signal carried")
    assert f"Window: {len(times)} bars" in window_caption(at)
    listed = frame(at, "source", "side", "entry (UTC)", "result", "ticket")
    assert list(listed["ticket"]) == [t.key for t in reversed(live)]  # newest first


def _with_prices(desk: Desk, trades: list) -> list:
    """The ledger rows behind LedgerTrades (the chart shows their stored prices)."""
    listed = {t.key: t for t in desk.chart_trades(REF, "live", limit=1000)}
    return [listed[t.ticket] for t in trades]


def test_picking_a_trade_centres_the_chart_on_it_and_shows_its_numbers(home: Path, desk: Desk):
    at = open_page("performance")
    picked = desk.chart_trades(REF, "live", limit=1000)[0]  # the oldest: the list's last row
    rows = len(frame(at, "ticket")["ticket"])
    at.session_state[f"{PREFIX}:list"] = {"selection": {"rows": [rows - 1], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    spec = price_chart(at)
    lo, hi = (pd.Timestamp(v).tz_localize("UTC") for v in spec["layout"]["xaxis"]["range"])
    assert lo < pd.Timestamp(picked.open_time) < pd.Timestamp(picked.close_time) < hi
    centre = pd.Timestamp(picked.open_time)
    assert abs((lo + (hi - lo) / 2) - centre) <= pd.Timedelta(hours=1)
    candles = next(t for t in spec["data"] if t["type"] == "candlestick")
    times = pd.to_datetime(candles["x"]).tz_localize("UTC")
    assert times[0] < centre < times[-1] and len(times) == 300
    numbers = dict(frame(at, "what", "value").itertuples(index=False))
    assert numbers["result after costs"] == _money(picked.net_profit)
    assert numbers["entry"] == f"{picked.open_time:%Y-%m-%d %H:%M} UTC at {picked.open_price:,.2f}"
    assert numbers["spread paid (entry bar's spread)"].startswith("$")
    shown = "\n".join(t.value for t in at.text)
    assert "The signal behind it" in shown and ("BUY" in shown or "SELL" in shown)
    assert any("What pushed this" in json.dumps(json.loads(c.proto.spec)["layout"])
               for c in at.get("plotly_chart"))  # fmt: skip


def _money(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def test_the_window_moves_earlier_and_back_to_the_last_trades(home: Path):
    at = open_page("performance")
    first = window_caption(at)
    at.button(key=f"{PREFIX}:earlier").click().run()
    earlier = window_caption(at)
    assert earlier != first and "300 bars" in earlier
    assert earlier.split(", ")[1][:16] < first.split(", ")[1][:16]  # starts earlier
    at.button(key=f"{PREFIX}:last").click().run()
    assert window_caption(at) == first


def test_sources_can_be_overlaid_with_their_own_legend(home: Path, desk: Desk):
    at = open_page("performance")
    at.multiselect(key=f"{PREFIX}:sources").set_value(["live", "backtest"]).run()
    listed = frame(at, "source", "ticket")
    assert set(listed["source"]) == {"live trades", "backtest (out of sample)"}
    backtest = desk.chart_trades(REF, "backtest", limit=1)[0]
    row = list(listed["ticket"]).index(backtest.key)
    at.session_state[f"{PREFIX}:list"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    spec = price_chart(at)
    chart = desk.price_chart(REF, around=backtest.open_time, before=150, after=150,
                             sources=("live", "backtest"))  # fmt: skip
    groups = {t.get("legendgroup") for t in spec["data"] if t.get("legendgroup")}
    assert groups == {f"trades:{name}" for name, found in chart.trades.items() if found}
    assert "trades:backtest" in groups
    shown = entries(spec, "backtest (out of sample)")
    assert (pd.Timestamp(backtest.open_time), backtest.open_price) in shown
    counts = f"In this window: {len(chart.trades['live'])} live trades, "
    assert any(c.value.startswith(counts) for c in at.caption)


def test_the_models_page_draws_the_versions_price_chart(home: Path):
    at = open_page("models")
    spec = price_chart(at)
    assert entries(spec, "live trades")


def test_the_overview_answers_with_the_verdict(home: Path, desk: Desk):
    at = open_page("overview")
    active = desk.registry.active_version()
    want = desk.trust_report(active.ref).verdict
    assert want.text in texts(at)
    assert "Can I trust the active model today?" in [s.value for s in at.subheader]
    assert "**Last signal served**" in texts(at) and "**Newest bar stored**" in texts(at)
    shown = "\n".join(t.value for t in at.text)
    newest = desk.bars(active.symbol, active.timeframe, last=1)["time"].iloc[0]
    assert f"(opened {newest:%Y-%m-%d %H:%M} UTC)" in shown and "none recorded" in shown
    names = [t.get("name") for c in at.get("plotly_chart")
             for t in json.loads(c.proto.spec)["data"]]  # fmt: skip
    assert "live equity" in names
