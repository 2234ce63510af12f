"""The bar window: exactly N bars around a time, read by the bars' primary key (no scan)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import event

from engine.chart.window import MAX_WINDOW, read_window
from engine.data.store import upsert_bars
from engine.data.synthetic import generate_bars
from engine.errors import AurumError
from engine.services import Desk

N_BARS = 1500


@pytest.fixture
def bars(desk: Desk) -> pd.DataFrame:
    """1,500 M5 bars from Monday 2026-03-02, plus another series that must never leak in."""
    frame = generate_bars(start="2026-03-02", n_bars=N_BARS, timeframe="M5", seed=3)
    with desk.db.session(write=True) as s:
        upsert_bars(s, frame, symbol="XAUUSD", timeframe="M5")
        upsert_bars(s, frame, symbol="XAGUSD", timeframe="M5")
        upsert_bars(s, frame.iloc[:300], symbol="XAUUSD", timeframe="M15")
    return frame


def window(desk: Desk, around, before: int, after: int, lead: int = 0):
    with desk.db.session() as s:
        return read_window(
            s, symbol="XAUUSD", timeframe="M5", around=around, before=before, after=after,
            lead=lead,
        )  # fmt: skip


def test_exactly_n_bars_around_a_bar_time(desk: Desk, bars: pd.DataFrame):
    at = bars["time"].iloc[700].to_pydatetime()
    found = window(desk, at, 60, 40)
    assert len(found) == 100
    assert list(found.bars["time"]) == list(bars["time"].iloc[641:741])
    assert found.bars["time"].iloc[59] == at  # the bar at the anchor counts among `before`
    assert (found.first, found.last) == (bars["time"].iloc[641], bars["time"].iloc[740])
    pd.testing.assert_frame_equal(
        found.bars.reset_index(drop=True),
        bars.iloc[641:741].reset_index(drop=True),
        check_dtype=False,
    )
    assert found.earlier and found.later and found.lead.empty


def test_an_anchor_between_bars_takes_the_bar_before_it(desk: Desk, bars: pd.DataFrame):
    at = bars["time"].iloc[700] + timedelta(minutes=2)
    found = window(desk, at.to_pydatetime(), 10, 10)
    assert found.bars["time"].iloc[9] == bars["time"].iloc[700]
    assert found.bars["time"].iloc[10] == bars["time"].iloc[701]


def test_lead_bars_come_before_the_window_and_are_kept_apart(desk: Desk, bars: pd.DataFrame):
    at = bars["time"].iloc[700].to_pydatetime()
    found = window(desk, at, 50, 50, lead=300)
    assert len(found) == 100 and len(found.lead) == 300
    assert list(found.lead["time"]) == list(bars["time"].iloc[351:651])
    both = found.with_lead()
    assert len(both) == 400 and both["time"].is_monotonic_increasing
    assert found.earlier  # bars 0..350 are still stored before the lead


def test_the_ends_of_the_series_give_fewer_bars_and_say_so(desk: Desk, bars: pd.DataFrame):
    first = window(desk, bars["time"].iloc[0].to_pydatetime(), 50, 50, lead=20)
    assert len(first) == 51 and first.lead.empty and not first.earlier and first.later
    last = window(desk, bars["time"].iloc[-1].to_pydatetime(), 50, 50)
    assert len(last) == 50 and last.later is False and last.earlier
    exact = window(desk, bars["time"].iloc[49].to_pydatetime(), 50, 0)
    assert len(exact) == 50 and not exact.earlier  # exactly the first 50: nothing before
    before_all = window(desk, (bars["time"].iloc[0] - timedelta(days=3)).to_pydatetime(), 5, 5)
    assert list(before_all.bars["time"]) == list(bars["time"].iloc[:5])


def test_an_oversized_or_empty_window_is_refused(desk: Desk, bars: pd.DataFrame):
    at = bars["time"].iloc[700].to_pydatetime()
    with pytest.raises(AurumError, match="1 to 5000 bars"):
        window(desk, at, MAX_WINDOW, 1)
    with pytest.raises(AurumError):
        window(desk, at, 0, 0)


def test_the_desk_reads_a_window(desk: Desk, bars: pd.DataFrame):
    at = bars["time"].iloc[1000].to_pydatetime()
    found = desk.bar_window("XAUUSD", "M5", at, before=150, after=150)
    assert len(found) == 300 and found.bars["time"].iloc[149] == at


@pytest.mark.sqlite_only
def test_the_window_is_read_by_the_primary_key_never_by_a_scan(desk: Desk, bars: pd.DataFrame):
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM bars" in statement:
            seen.append((statement, parameters))

    event.listen(desk.db.engine, "before_cursor_execute", keep)
    try:
        window(desk, bars["time"].iloc[700].to_pydatetime(), 150, 150, lead=600)
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", keep)
    assert len(seen) == 2
    with desk.db.engine.connect() as conn:
        for statement, parameters in seen:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "SEARCH bars USING" in details and "SCAN" not in details, details
            assert "TEMP B-TREE" not in details, details  # ordered by the index, not sorted
