"""Reading time columns in bulk: the stored value (naive UTC) for every row, made timezone-aware
once for the whole column.

`UTCDateTime` turns each value into an aware datetime, and pandas then handles 20,000 aware
objects one by one; a big read (a version's trades, a window of bars) instead selects
`stored_utc(column)` and builds its index with `utc_index`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import pandas as pd
from sqlalchemy import DateTime, type_coerce


def stored_utc(column: Any) -> Any:
    """The column as stored: naive datetimes in UTC (no per-row timezone)."""
    return type_coerce(column, DateTime())


def utc_index(
    values: Iterable[datetime], unit: Literal["s", "ms", "us", "ns"] = "us"
) -> pd.DatetimeIndex:
    """Times read with `stored_utc` as a UTC index (aware values, should a driver return
    them, are converted rather than re-labelled)."""
    return pd.DatetimeIndex(pd.to_datetime(list(values), utc=True)).as_unit(unit)
