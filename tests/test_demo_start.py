"""The demo's bars start on a Monday, so seeding it on any day gives the same bars shifted by
whole weeks (tests on the demo desk must not depend on the day they run)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import engine.demo as demo
from engine.data.synthetic import generate_bars


class _Clock(datetime):
    now_value = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return cls.now_value


@pytest.mark.parametrize("day", range(7))
def test_the_demo_starts_on_a_monday_and_ends_before_now(monkeypatch, day: int) -> None:
    _Clock.now_value = datetime(2026, 12, 1, 9, 30, tzinfo=UTC) + timedelta(days=day)
    monkeypatch.setattr(demo, "datetime", _Clock)
    for n_bars in (8000, 24_000):
        start = demo.demo_start(n_bars)
        assert start.weekday() == 0 and start.hour == 0
        bars = generate_bars(start=start.strftime("%Y-%m-%d"), n_bars=n_bars, seed=42)
        end = bars["time"].iloc[-1].to_pydatetime()
        assert _Clock.now_value - timedelta(days=11) < end < _Clock.now_value


def test_two_mondays_give_the_same_bars_a_week_apart() -> None:
    a = generate_bars(start="2026-10-19", n_bars=3000, seed=42)
    b = generate_bars(start="2026-10-26", n_bars=3000, seed=42)
    assert (b["time"] - a["time"]).eq(timedelta(days=7)).all()
    cols = ["open", "high", "low", "close"]
    assert np.array_equal(a[cols].to_numpy(), b[cols].to_numpy())
