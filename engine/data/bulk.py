"""Long bar series read in bulk: what a replay of a million bars needs.

`engine.data.store.load_bars` builds a datetime object per bar through the ORM's time type
and a frame from row tuples: about 13 s of CPU for 1,000,000 bars. Here the database's rows
stream straight into one numpy record array (the open time as SQLite's text or PostgreSQL's
timestamp, converted once for the whole column; a missing spread as a flag beside it): about
2.5 s. The frame is the same as `load_bars` gives (a test holds them equal), so features built
on it are the same too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from engine.data.synthetic import BAR_COLUMNS
from engine.db.schema import Bar

_VALUES = [
    ("open", "f8"),
    ("high", "f8"),
    ("low", "f8"),
    ("close", "f8"),
    ("tick_volume", "i8"),
    ("spread_points", "i8"),
    ("no_spread", "?"),
]


def load_bars_bulk(
    session: Session,
    *,
    symbol: str,
    timeframe: str,
    start: datetime | None = None,
    end: datetime | None = None,
    last: int | None = None,
) -> pd.DataFrame:
    """Bars in time order, like `load_bars` (same arguments, same frame), read in bulk."""
    query = select(
        type_coerce(Bar.ts, String),
        Bar.open,
        Bar.high,
        Bar.low,
        Bar.close,
        Bar.tick_volume,
        func.coalesce(Bar.spread_points, 0),
        Bar.spread_points.is_(None),
    ).where(Bar.symbol == symbol, Bar.timeframe == timeframe)
    if start is not None:
        query = query.where(Bar.ts >= start)
    if end is not None:
        query = query.where(Bar.ts <= end)
    query = query.order_by(Bar.ts.desc() if last else Bar.ts)
    if last:
        query = query.limit(last)
    connection = session.connection()
    # SQLite keeps times as text, PostgreSQL as timestamps (both naive UTC)
    when = "U32" if connection.dialect.name == "sqlite" else "M8[us]"
    result = connection.execute(query)
    try:
        rows = np.fromiter(
            cast(Iterable[Any], result.cursor), dtype=np.dtype([("time", when), *_VALUES])
        )
    finally:
        result.close()
    return bar_frame(rows[::-1] if last else rows)


def bar_frame(rows: np.ndarray) -> pd.DataFrame:
    """The bars frame (importer's columns and dtypes) from the record array as read."""
    times = rows["time"].astype("datetime64[us]").astype("datetime64[ns]")
    frame = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(times).tz_localize("UTC"),
            **{c: np.ascontiguousarray(rows[c], dtype=float) for c in ("open", "high", "low")},
            "close": np.ascontiguousarray(rows["close"], dtype=float),
            "tick_volume": pd.array(rows["tick_volume"], dtype="Int64"),
            "spread_points": pd.arrays.IntegerArray(
                np.ascontiguousarray(rows["spread_points"]), np.ascontiguousarray(rows["no_spread"])
            ),
        }
    )
    return frame[list(BAR_COLUMNS)]
