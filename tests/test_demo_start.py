"""The demo's bars start on a Monday, so seeding it on any day gives the same bars shifted by
whole weeks (tests on the demo desk must not depend on the day they run)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from engine.data.synthetic import generate_bars
from engine.demo import demo_start


@pytest.mark.parametrize("day", range(7))
@pytest.mark.parametrize("hour", [9.5, 21.5, 23.85])  # a morning, the daily break, before midnight
def test_the_demo_starts_on_a_monday_and_ends_before_now(time_machine, day: int, hour: float):
    now = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=day, hours=hour)
    time_machine.move_to(now, tick=False)
    for n_bars in (8000, 24_000):
        start = demo_start(n_bars)
        assert start.weekday() == 0 and start.hour == 0
        bars = generate_bars(start=start.strftime("%Y-%m-%d"), n_bars=n_bars, seed=42)
        end = bars["time"].iloc[-1].to_pydatetime()
        # demo_start counts whole UTC days: the bound is from today's midnight (from `now` it
        # failed late on a Monday: 11 days and 16 minutes before 23:51)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        assert midnight - timedelta(days=11) < end < now


def test_two_mondays_give_the_same_bars_a_week_apart() -> None:
    a = generate_bars(start="2026-10-19", n_bars=3000, seed=42)
    b = generate_bars(start="2026-10-26", n_bars=3000, seed=42)
    assert (b["time"] - a["time"]).eq(timedelta(days=7)).all()
    cols = ["open", "high", "low", "close"]
    assert np.array_equal(a[cols].to_numpy(), b[cols].to_numpy())
