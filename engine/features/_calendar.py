"""Calendar feature groups: time of day, day of week and trading session, from the bar's OPEN time.

Sessions use fixed UTC hours (no daylight-saving shift), by the hour of the bar's open time:

* ``session_asia``     23:00-07:00 UTC (Tokyo/Sydney into the London open);
* ``session_london``   07:00-12:00 UTC;
* ``session_ny``       12:00-21:00 UTC (London/New York overlap and the New York afternoon);
* ``session_rollover`` 21:00-23:00 UTC (daily break and the thin reopen hour).

Exactly one session column is 1.0 on every bar. Time of day is the second of the day on a
24-hour circle (sin, cos); day of week is Monday=0 ... Sunday=6 on a 7-day circle.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.features._bars import BarArrays
from engine.features.names import SESSIONS
from engine.features.spec import FeatureSpec

Columns = dict[str, np.ndarray]
DAY = 86_400
_HOURS = {
    "asia": (*range(23, 24), *range(0, 7)),
    "london": tuple(range(7, 12)),
    "ny": tuple(range(12, 21)),
    "rollover": (21, 22),
}


@cache
def _circle(period: int) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of 2*pi*k/period for k = 0 .. period-1 (lookup tables)."""
    angle = 2.0 * np.pi * np.arange(period) / period
    return np.sin(angle), np.cos(angle)


@cache
def _session_table() -> np.ndarray:
    """(sessions x 24) one-hot table indexed by UTC hour."""
    table = np.zeros((len(SESSIONS), 24))
    for row, name in enumerate(SESSIONS):
        table[row, list(_HOURS[name])] = 1.0
    return table


def time_of_week(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """Time of day and day of week as points on circles."""
    day, second = np.divmod(bars.secs, DAY)
    dow = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    tod_sin, tod_cos = _circle(DAY)
    dow_sin, dow_cos = _circle(7)
    return {
        "tod_sin": tod_sin[second],
        "tod_cos": tod_cos[second],
        "dow_sin": dow_sin[dow],
        "dow_cos": dow_cos[dow],
    }


def session(bars: BarArrays, spec: FeatureSpec) -> Columns:
    """One-hot trading session of the bar's open hour (UTC)."""
    hour = (bars.secs % DAY) // 3600
    table = _session_table()
    return {f"session_{name}": table[row][hour] for row, name in enumerate(SESSIONS)}
