"""Broker clocks: the time zone a bar file's times are written in, and their conversion to UTC.

Three spellings (see docs/TIME_ZONES.md for how to tell which one a broker uses):

* an IANA name: ``UTC``, ``Europe/Athens``, ``America/New_York`` (that zone's own DST rules);
* a fixed offset from UTC: ``UTC+2``, ``UTC-03:30``, ``UTC+5:45`` (no DST ever);
* ``NY+7``: New York time plus 7 hours, the common MT5 server clock (UTC+2 in the US winter,
  UTC+3 in the US summer, switching on the US DST dates, on a Sunday morning when gold is shut).

A wall time that a DST fall-back makes occur twice is *ambiguous*: refused unless a policy says
which occurrence is meant (``earlier``: the first, still on summer time; ``later``: the second).
A wall time that the spring-forward jump skips does not exist and is always refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from engine.data.errors import DataError, quoted

Ambiguous = Literal["earlier", "later"]
AMBIGUOUS_POLICIES: tuple[str, ...] = ("earlier", "later")
NAT = np.iinfo(np.int64).min
US_PER_MINUTE = 60_000_000
EXAMPLES = "an IANA name (Europe/Athens, UTC), a fixed offset (UTC+2, UTC-03:30) or NY+7"
COMMON_CLOCKS: tuple[str, ...] = (
    "UTC",
    "NY+7",
    "Europe/Athens",
    "UTC+2",
    "UTC+3",
    "Europe/London",
    "America/New_York",
)
_FIXED = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_NEW_YORK = re.compile(r"^NY\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)
_MAX_NAME = 64
_MAX_OFFSET_MIN = 14 * 60  # real UTC offsets run from -12 to +14 hours
_MAX_NY_SHIFT_MIN = 18 * 60  # New York is UTC-5/-4, so NY+18 is UTC+13/+14
_WINTER, _SUMMER = pd.Timestamp("2025-01-15 12:00"), pd.Timestamp("2025-07-15 12:00")


@dataclass(frozen=True)
class Clock:
    """A broker clock: wall time = local time of ``zone`` + ``shift_minutes``."""

    name: str
    zone: str
    shift_minutes: int

    @property
    def has_dst(self) -> bool:
        return self.zone != "UTC" and _offset(self.zone, _WINTER) != _offset(self.zone, _SUMMER)

    def describe(self) -> str:
        """What the clock means in a trader's words, e.g. ``UTC+2, UTC+3 in the US summer``."""
        winter = _offset(self.zone, _WINTER) + self.shift_minutes
        summer = _offset(self.zone, _SUMMER) + self.shift_minutes
        if self.zone.startswith("America/New_York") and self.shift_minutes:
            return (
                f"New York time {_signed(self.shift_minutes)}: {_utc(winter)} in the US winter, "
                f"{_utc(summer)} in the US summer (US DST dates)"
            )
        if winter == summer:
            return f"{_utc(winter)} all year (no DST)"
        return f"{_utc(winter)} in January, {_utc(summer)} in July ({self.zone}'s DST dates)"

    def to_utc(self, wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTC µs of each wall time (µs, NAT where missing) read as the earlier and as the later
        occurrence; both NAT where the wall time does not exist, different where ambiguous."""
        local = np.where(wall == NAT, NAT, wall - self.shift_minutes * US_PER_MINUTE)
        idx = pd.DatetimeIndex(local.view("datetime64[us]"))
        n = len(local)
        earlier = idx.tz_localize(self.zone, ambiguous=np.ones(n, bool), nonexistent="NaT")
        later = idx.tz_localize(self.zone, ambiguous=np.zeros(n, bool), nonexistent="NaT")
        return _utc_us(earlier), _utc_us(later)


def parse_clock(text: str) -> Clock:
    """The clock named by ``text``; DataError with examples when it is not one."""
    name = text.strip() if isinstance(text, str) else ""
    if not name or len(name) > _MAX_NAME:
        raise DataError(f"unknown time zone {quoted(text)}; use {EXAMPLES}")
    fixed, ny = _FIXED.match(name), _NEW_YORK.match(name)
    if fixed:
        minutes = _minutes(fixed.groups(), name, limit=_MAX_OFFSET_MIN)
        return Clock(name=f"UTC{_signed(minutes)}" if minutes else "UTC", zone="UTC",
                     shift_minutes=minutes)  # fmt: skip
    if ny:
        minutes = _minutes(ny.groups(), name, limit=_MAX_NY_SHIFT_MIN)
        label = f"NY{_signed(minutes)}" if minutes else "America/New_York"
        return Clock(name=label, zone="America/New_York", shift_minutes=minutes)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise DataError(f"unknown time zone {quoted(name)}; use {EXAMPLES}") from None
    return Clock(name=name, zone=name, shift_minutes=0)


def parse_policy(value: str | None) -> Ambiguous | None:
    """``earlier``, ``later`` or None (refuse ambiguous times); DataError otherwise."""
    if value is None or value == "":
        return None
    low = value.strip().lower() if isinstance(value, str) else ""
    if low == "earlier":
        return "earlier"
    if low == "later":
        return "later"
    raise DataError(
        f"unknown policy for ambiguous times {quoted(value)}; use 'earlier' (the first "
        "occurrence, summer time) or 'later' (the second, winter time)"
    )


def _minutes(groups: tuple[str | None, ...], name: str, *, limit: int) -> int:
    """Signed minutes of (sign, hours, minutes) groups; DataError when out of range."""
    sign, hours, minutes = groups
    extra = int(minutes or 0)
    total = int(hours or 0) * 60 + extra
    if extra >= 60 or total > limit:
        raise DataError(f"time zone offset in {quoted(name)} is out of range; use {EXAMPLES}")
    return -total if sign == "-" else total


def _offset(zone: str, when: pd.Timestamp) -> int:
    delta = when.tz_localize(zone).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def _signed(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}" if not m else f"{sign}{h:02d}:{m:02d}"


def _utc(minutes: int) -> str:
    return "UTC" if minutes == 0 else f"UTC{_signed(minutes)}"


def _utc_us(idx: pd.DatetimeIndex) -> np.ndarray:
    naive = idx.tz_convert("UTC").tz_localize(None)
    return np.asarray(naive.as_unit("us").asi8, dtype=np.int64)
