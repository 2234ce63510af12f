"""Bulk time reads: the stored naive UTC values, made aware once per column, equal what the
per-row UTCDateTime gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
from sqlalchemy import select

from engine.db.schema import Trade
from engine.db.times import stored_utc, utc_index
from engine.services import Desk

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_utc_index_localises_naive_times_and_converts_aware_ones():
    naive = [datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 30)]
    aware = [datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=2))), T0]
    assert list(utc_index(naive)) == [T0, T0 + timedelta(minutes=90)]
    assert list(utc_index(aware)) == [T0, T0]
    assert str(utc_index(naive).dtype) == "datetime64[us, UTC]"
    assert str(utc_index([], "ns").dtype) == "datetime64[ns, UTC]"


def test_a_stored_utc_column_reads_the_same_instants_as_the_orm(desk: Desk):
    opened = T0 + timedelta(minutes=7, microseconds=250)
    desk.log_trade(
        {"ticket": "T1", "symbol": "XAUUSD", "side": "buy", "open_time": opened,
         "close_time": opened + timedelta(minutes=30), "open_price": 2900.0,
         "close_price": 2901.0, "volume": 0.1, "profit": 1.0}
    )  # fmt: skip
    with desk.db.session() as s:
        (raw,) = s.execute(select(stored_utc(Trade.open_time))).scalars().all()
        (orm,) = s.execute(select(Trade.open_time)).scalars().all()
    assert raw.tzinfo is None and orm == opened
    assert list(utc_index([raw])) == [pd.Timestamp(opened)]
