"""Gaps between consecutive bars: weekends, the daily break and unexpected holes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from engine.data.timeframes import timeframe_seconds

GapKind = Literal["weekend", "daily_break", "hole"]

_DAY = 86_400
_SATURDAY = 5  # Monday = 0
_BREAK_MIN, _BREAK_MAX = 30 * 60, 2 * 3_600
_BREAK_MID_FROM, _BREAK_MID_TO = 20 * 3_600 + 1_800, 23 * 3_600 + 1_800
MIN_HOLE_BARS = 2


@dataclass(frozen=True)
class Gap:
    """Bars missing from ``start`` (open time of the first missing bar, i.e. the close of the bar
    before) up to ``end`` (open time of the next bar), both UTC.

    ``kind``: ``weekend`` if the gap covers part of a Saturday; ``daily_break`` for a 30 min to
    2 h gap centred between 20:30 and 23:30 UTC (the ~1 h XAUUSD break, 21:00-23:00 UTC depending
    on DST); otherwise ``hole`` (holidays, outages), reported only when >= 2 bars are missing.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    kind: GapKind

    @property
    def duration(self) -> pd.Timedelta:
        return self.end - self.start


def find_gaps(times: pd.Series | pd.DatetimeIndex, *, timeframe: str) -> list[Gap]:
    """Classify the gaps in sorted tz-aware UTC bar open ``times`` of the given timeframe."""
    tf = timeframe_seconds(timeframe)
    return gaps_from_seconds(_epoch_seconds(times), tf)


def gaps_from_seconds(secs: np.ndarray, tf: int) -> list[Gap]:
    """Gaps between sorted bar open times given as int64 UTC epoch seconds."""
    after = np.flatnonzero(np.diff(secs) > tf)
    start = secs[after] + tf
    end = secs[after + 1]
    kinds = _classify(start, end)
    keep = (kinds != "hole") | ((end - start) // tf >= MIN_HOLE_BARS)
    return [
        Gap(_ts(s), _ts(e), str(k))  # type: ignore[arg-type]
        for s, e, k in zip(start[keep], end[keep], kinds[keep], strict=True)
    ]


def _classify(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    first_day = start // _DAY
    last_day = (end - 1) // _DAY
    to_saturday = (_SATURDAY - (first_day + 3) % 7) % 7  # 1970-01-01 was a Thursday
    weekend = first_day + to_saturday <= last_day
    duration = end - start
    mid = (start + duration // 2) % _DAY
    daily = (
        (duration >= _BREAK_MIN)
        & (duration <= _BREAK_MAX)
        & (mid >= _BREAK_MID_FROM)
        & (mid <= _BREAK_MID_TO)
    )
    return np.where(weekend, "weekend", np.where(daily, "daily_break", "hole"))


def _epoch_seconds(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    idx = pd.DatetimeIndex(times)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return np.asarray(idx.tz_convert("UTC").as_unit("us").asi8 // 1_000_000, dtype=np.int64)


def _ts(seconds: np.integer) -> pd.Timestamp:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").as_unit("ns")
