"""Vectorised time parsing, time-zone conversion and time checks for imported bars.

Internally times are int64 microseconds since the Unix epoch (pandas' own default resolution),
with ``NAT`` where a time is missing. Two clocks are kept per row:

* ``wall``: the clock time as written in the file (broker server time for MT5); bar alignment is
  checked on it, because a D1 or H4 bar opens at 00:00 *server* time, which is not a multiple of
  a day or 4 hours in UTC for a broker on UTC+2;
* ``utc``: the same instant in UTC; duplicates, order and spacing are checked on it.

DST (see `engine.data.zones`): a wall time that occurs twice (fall-back hour) is a problem unless
a policy says which occurrence is meant; a file repeating that hour under a policy shows up as
duplicate UTC times; a wall time that does not exist (spring-forward gap) is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.data._problems import ProblemLog
from engine.data.errors import quoted
from engine.data.zones import Ambiguous, Clock

NAT = np.iinfo(np.int64).min
US = 1_000_000
_MIN_US = int(pd.Timestamp("1970-01-01").value // 1000)
_MAX_US = int(pd.Timestamp("2200-01-01").value // 1000)
_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"
_NUMERIC = r"[+-]?\d+(?:\.\d*)?"
MT5_FORMATS = ("%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d", "ISO8601")
CSV_FORMATS = ("ISO8601", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")
MT5_EXPECTED = "DATE as YYYY.MM.DD and TIME as HH:MM[:SS]"
CSV_EXPECTED = "ISO 8601 such as 2025-01-02 01:00:00, or epoch seconds"


@dataclass(frozen=True)
class Times:
    """Per-row wall-clock and UTC times (µs, NAT when missing) and DST flags."""

    wall: np.ndarray
    utc: np.ndarray
    ambiguous: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return np.asarray(self.utc != NAT)


def parse_wall_times(
    stamps: pd.Series, formats: tuple[str, ...], lines: np.ndarray, expected: str, log: ProblemLog
) -> np.ndarray:
    """Parse naive wall-clock stamps, trying ``formats`` in turn; failures go to ``log``."""
    result = np.full(len(stamps), NAT, dtype=np.int64)
    todo = np.ones(len(stamps), dtype=bool)
    for fmt in formats:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        parsed = _to_us(pd.to_datetime(stamps.iloc[idx], format=fmt, errors="coerce"))
        hit = parsed != NAT
        result[idx[hit]] = parsed[hit]
        todo[idx[hit]] = False
    if todo.any():
        raw = stamps.to_numpy(dtype=object)[todo]
        log.add(
            lines[todo], lambda k: f"time {quoted(raw[k])} is not a date/time (expected {expected})"
        )
    return result


def localize(
    wall: np.ndarray, clock: Clock, policy: Ambiguous | None, lines: np.ndarray, log: ProblemLog
) -> Times:
    """Convert wall-clock times on ``clock`` to UTC. A time the spring-forward jump skips is a
    problem; one the fall-back repeats is read by ``policy``, or is a problem without one."""
    earlier, later = clock.to_utc(wall)
    missing = (wall != NAT) & (earlier == NAT)
    if missing.any():
        gone = wall[missing]
        log.add(
            lines[missing],
            lambda k: (
                f"local time {fmt_us(gone[k])} does not exist on {clock.name} "
                "(clocks jump forward at the DST change)"
            ),
        )
    twice = (earlier != later) & (earlier != NAT)
    utc = later if policy == "later" else earlier.copy()
    if policy is None and twice.any():
        when = wall[twice]
        log.add(
            lines[twice],
            lambda k: (
                f"local time {fmt_us(when[k])} occurs twice on {clock.name} (clocks go back at "
                "the DST change): say which is meant with --ambiguous earlier (summer time) "
                "or later (winter time), also on the Data page"
            ),
        )
        utc[twice] = NAT
    return Times(wall=wall, utc=utc, ambiguous=twice)


def epoch_scale(stamps: pd.Series) -> int | None:
    """µs per unit when a CSV's times are epoch numbers (seconds or milliseconds), else None.
    Judged on the first batch of rows and kept for the rest of the file."""
    numeric = stamps.str.fullmatch(_NUMERIC).to_numpy(dtype=bool)
    if not (numeric.size and numeric.mean() > 0.5 and _looks_like_epoch(stamps[numeric])):
        return None
    values = pd.to_numeric(stamps[numeric], errors="coerce").to_numpy(dtype=float)
    return 1_000 if np.nanmedian(values) >= 1e11 else US


def csv_times(
    stamps: pd.Series,
    clock: Clock,
    policy: Ambiguous | None,
    scale: int | None,
    lines: np.ndarray,
    log: ProblemLog,
) -> Times:
    """Times of a plain CSV: epoch numbers (UTC, ``scale`` µs per unit; see `epoch_scale`),
    ISO with offset (absolute) or naive on ``clock``."""
    if scale is not None:
        return _epoch_times(stamps, scale, lines, log)
    aware = stamps.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
    naive_rows = np.flatnonzero(~aware)
    wall = np.full(len(stamps), NAT, dtype=np.int64)
    wall[naive_rows] = parse_wall_times(
        stamps.iloc[naive_rows], CSV_FORMATS, lines[naive_rows], CSV_EXPECTED, log
    )
    local = localize(wall, clock, policy, lines, log)
    if not aware.any():
        return local
    rows = np.flatnonzero(aware)
    utc = local.utc.copy()
    utc[rows] = _to_us(
        pd.to_datetime(stamps.iloc[rows], format="ISO8601", utc=True, errors="coerce")
    )
    stripped = stamps.iloc[rows].str.replace(_OFFSET, "", regex=True)
    as_written = _to_us(pd.to_datetime(stripped, format="ISO8601", errors="coerce"))
    wall[rows] = np.where(as_written == NAT, utc[rows], as_written)
    bad = utc[rows] == NAT
    if bad.any():
        raw = stamps.to_numpy(dtype=object)[rows[bad]]
        log.add(
            lines[rows[bad]],
            lambda k: f"time {quoted(raw[k])} is not a date/time (expected {CSV_EXPECTED})",
        )
    return Times(wall=wall, utc=utc, ambiguous=local.ambiguous)


def check_times(times: Times, lines: np.ndarray, clock: Clock, log: ProblemLog) -> np.ndarray:
    """Range, duplicates and order of every row; returns the mask of rows with a usable time."""
    ok = times.ok
    out = ok & ((times.utc < _MIN_US) | (times.utc >= _MAX_US))
    if out.any():
        far = times.utc[out]
        log.add(lines[out], lambda k: f"time {fmt_us(far[k])} UTC is outside 1970..2199")
    ok = ok & ~out
    utc, ln, amb = times.utc[ok], lines[ok], times.ambiguous[ok]
    _check_duplicates(utc, ln, amb, clock.name, log)
    _check_order(utc, ln, log)
    return ok


def fmt_us(value: int) -> str:
    """A µs timestamp as ``YYYY-MM-DD HH:MM[:SS]``."""
    text = str(pd.Timestamp(int(value), unit="us"))
    return text[:-3] if text.endswith(":00") else text


def _check_duplicates(
    utc: np.ndarray, lines: np.ndarray, ambiguous: np.ndarray, tz: str, log: ProblemLog
) -> None:
    dup = pd.Series(utc).duplicated(keep="first").to_numpy(dtype=bool)
    if not dup.any():
        return
    first_line = pd.Series(lines).groupby(utc).transform("first").to_numpy()[dup]
    when, amb = utc[dup], ambiguous[dup]
    hint = f"; the local hour repeats when {tz} leaves summer time (DST fall-back)"

    def reason(k: int) -> str:
        extra = hint if amb[k] else ""
        return f"duplicate time {fmt_us(when[k])} UTC (same as line {first_line[k]}){extra}"

    log.add(lines[dup], reason)


def _check_order(utc: np.ndarray, lines: np.ndarray, log: ProblemLog) -> None:
    back = np.flatnonzero(utc[1:] < utc[:-1]) + 1
    if back.size:
        now, before, prev_line = utc[back], utc[back - 1], lines[back - 1]
        log.add(
            lines[back],
            lambda k: (
                f"time {fmt_us(now[k])} UTC is earlier than line {prev_line[k]} "
                f"({fmt_us(before[k])} UTC); rows must be in ascending time order"
            ),
        )


def _epoch_times(stamps: pd.Series, scale: int, lines: np.ndarray, log: ProblemLog) -> Times:
    numeric = stamps.str.fullmatch(_NUMERIC).to_numpy(dtype=bool)
    values = pd.to_numeric(stamps.where(numeric), errors="coerce").to_numpy(dtype=float)
    good = np.isfinite(values) & (np.abs(values) < 2**62 / scale)
    utc = np.full(len(values), NAT, dtype=np.int64)
    utc[good] = np.round(values[good] * scale).astype(np.int64)
    if (~good).any():
        raw = stamps.to_numpy(dtype=object)[~good]
        unit = "seconds" if scale == US else "milliseconds"
        log.add(lines[~good], lambda k: f"time {quoted(raw[k])} is not epoch {unit}")
    return Times(wall=utc, utc=utc, ambiguous=np.zeros(len(utc), dtype=bool))


def _looks_like_epoch(numbers: pd.Series) -> bool:
    """Epoch seconds of real bars are > 1e8 (1973); digits like 20250102 are a compact date."""
    return bool(np.nanmedian(pd.to_numeric(numbers, errors="coerce").to_numpy(dtype=float)) >= 1e8)


def _to_us(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """int64 µs since the epoch (UTC for tz-aware input), NAT for NaT."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return np.asarray(idx.as_unit("us").asi8, dtype=np.int64)
