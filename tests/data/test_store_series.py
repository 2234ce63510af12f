"""The stored-series table (Data page, `aurum bars`): every series with its count and first and
last bar, found by index seeks, equal to a GROUP BY over the whole table."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.data.store import series_info, upsert_bars
from engine.data.synthetic import generate_bars
from engine.db.schema import Bar
from engine.services import Desk

# neighbours in key order: a prefix symbol, two timeframes of one symbol, a later symbol
SERIES = [("XAG", "M5", 50), ("XAGUSD", "H1", 70), ("XAGUSD", "M1", 30), ("XAUUSD", "M5", 120)]


def test_series_info_lists_every_series_like_a_group_by(desk: Desk):
    with desk.db.session(write=True) as s:
        assert series_info(s) == []
        for seed, (symbol, timeframe, n) in enumerate(SERIES):
            bars = generate_bars(n_bars=n, seed=seed, start=f"2025-0{seed + 1}-06")
            upsert_bars(s, bars, symbol=symbol, timeframe=timeframe)
    with desk.db.session() as s:
        found = series_info(s)
        grouped = s.execute(
            select(Bar.symbol, Bar.timeframe, func.count(), func.min(Bar.ts), func.max(Bar.ts))
            .group_by(Bar.symbol, Bar.timeframe)
            .order_by(Bar.symbol, Bar.timeframe)
        ).all()
    assert [(i.symbol, i.timeframe, i.bars) for i in found] == [(a, b, n) for a, b, n in SERIES]
    assert [(i.symbol, i.timeframe, i.bars, i.first, i.last) for i in found] == [
        (a, b, n, lo, hi) for a, b, n, lo, hi in grouped
    ]
    assert all(i.first is not None and i.first.tzinfo is not None for i in found)


def test_load_bars_round_trips_the_importers_columns_or_only_those_asked(desk: Desk):
    """Read column by column (the times localised once): the frame equals what was stored,
    with its dtypes; `columns` keeps the time and the columns asked, in the importer's order."""
    import pandas as pd

    from engine.data.store import load_bars

    bars = generate_bars(n_bars=60, seed=4, start="2025-03-03")
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")
    with desk.db.session() as s:
        whole = load_bars(s, symbol="XAUUSD", timeframe="M5")
        prices = load_bars(s, symbol="XAUUSD", timeframe="M5", columns=("close", "open"))
        newest = load_bars(s, symbol="XAUUSD", timeframe="M5", last=5, columns=())
    stored = bars.reset_index(drop=True)[list(whole.columns)]
    pd.testing.assert_frame_equal(whole, stored, check_dtype=False)
    assert str(whole["time"].dtype) == "datetime64[ns, UTC]"
    assert (whole["tick_volume"].dtype, whole["close"].dtype) == ("Int64", "float64")
    assert list(prices.columns) == ["time", "open", "close"]
    pd.testing.assert_frame_equal(prices, whole[["time", "open", "close"]])
    assert list(newest.columns) == ["time"]
    assert list(newest["time"]) == list(whole["time"].iloc[-5:])
