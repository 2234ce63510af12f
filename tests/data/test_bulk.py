"""Bars read in bulk are the very frame `load_bars` gives: same times, values, gaps, dtypes."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from engine.data import generate_bars
from engine.data.bulk import load_bars_bulk
from engine.data.store import load_bars, upsert_bars
from engine.services import Desk


@pytest.fixture
def stored(desk: Desk) -> Desk:
    """3,000 generated M5 bars from Monday 2026-03-02, some without a spread."""
    bars = generate_bars(start="2026-03-02", n_bars=3_000, timeframe="M5", seed=4)
    bars["spread_points"] = bars["spread_points"].astype("Int64")
    bars.loc[bars.index % 7 == 3, "spread_points"] = pd.NA
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")
        upsert_bars(s, bars.iloc[:10], symbol="XAUUSD", timeframe="M15")  # another series
    return desk


@pytest.mark.parametrize(
    "window",
    [
        {},
        {"start": datetime(2026, 3, 4, 10, 0, tzinfo=UTC)},
        {"end": datetime(2026, 3, 4, 10, 0, tzinfo=UTC)},
        {"start": datetime(2026, 3, 3, tzinfo=UTC), "end": datetime(2026, 3, 5, 12, tzinfo=UTC)},
        {"last": 700},
        {"last": 50, "end": datetime(2026, 3, 3, 9, 3, tzinfo=UTC)},
        {"start": datetime(2030, 1, 1, tzinfo=UTC)},
    ],
)
def test_bulk_bars_equal_load_bars(stored: Desk, window: dict):
    with stored.db.session() as s:
        bulk = load_bars_bulk(s, symbol="XAUUSD", timeframe="M5", **window)
        orm = load_bars(s, symbol="XAUUSD", timeframe="M5", **window)
    pd.testing.assert_frame_equal(bulk, orm)
    if window.get("last") == 700:
        assert len(bulk) == 700 and bulk["spread_points"].isna().sum() > 50
        assert bulk["time"].is_monotonic_increasing


def test_an_unknown_series_is_an_empty_frame_of_the_same_shape(stored: Desk):
    with stored.db.session() as s:
        bulk = load_bars_bulk(s, symbol="EURUSD", timeframe="M5")
        orm = load_bars(s, symbol="EURUSD", timeframe="M5")
    assert bulk.empty
    pd.testing.assert_frame_equal(bulk, orm)
