"""The Data page's coverage chart spans exactly the days chosen (calendar days, not a count of
bars that at 23 hours and 5 days a week covered about half as many days again)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.coverage import coverage_window
from engine.services import Desk
from tests.dashboard.conftest import decoded, open_page


def test_the_window_is_the_days_chosen_ending_on_the_last_bars_day():
    window = coverage_window(datetime(2026, 12, 3, 10, 55, tzinfo=UTC), 7)
    assert (window.first_day, window.last_day) == (date(2026, 11, 27), date(2026, 12, 3))
    assert window.start == datetime(2026, 11, 27, tzinfo=UTC)
    assert window.end == datetime(2026, 12, 3, 23, 59, 59, 999_999, tzinfo=UTC)
    assert window.axis_range == ["2026-11-26 12:00", "2026-12-03 12:00"]
    year = coverage_window(datetime(2026, 1, 1, 0, 30, tzinfo=UTC), 365)
    assert (year.last_day - year.first_day).days + 1 == 365
    with pytest.raises(ValueError):
        coverage_window(datetime(2026, 1, 1, tzinfo=UTC), 0)


def coverage_chart(at) -> dict:  # type: ignore[no-untyped-def]
    (element,) = at.get("plotly_chart")
    return dict(json.loads(element.proto.spec))


def test_the_chart_shows_as_many_days_as_chosen(home: Path, desk: Desk):
    (series,) = desk.bar_series()
    last = series.last.date()
    times = desk.bars(series.symbol, series.timeframe)["time"]
    at = open_page("data")
    at.slider(key="coverage_days").set_value(7).run()
    spec = coverage_chart(at)
    bars = spec["data"][0]
    week = [str(last - timedelta(days=n)) for n in range(6, -1, -1)]
    assert decoded(bars["x"]) == week
    assert sum(decoded(bars["y"])) == int((times.dt.date >= last - timedelta(days=6)).sum())
    assert spec["layout"]["xaxis"]["range"] == coverage_window(series.last, 7).axis_range

    at.slider(key="coverage_days").set_value(365).run()
    spec = coverage_chart(at)
    start, end = (datetime.fromisoformat(t) for t in spec["layout"]["xaxis"]["range"])
    assert end - start == timedelta(days=365)  # a year, though the series holds 60 days
    assert sum(decoded(spec["data"][0]["y"])) == series.bars
    captions = "\n".join(c.value for c in at.caption)
    assert f"The series starts on {series.first:%Y-%m-%d}: nothing is stored before." in captions
