"""Import bar files (MT5 "Export bars" or plain CSV) into a validated UTC frame.

Every row is checked and every problem is reported with the line number a text editor shows
(header = line 1); one bad row refuses the whole file, so nothing half-imported ever reaches the
database. The result has the same columns as the synthetic generator: ``time`` (bar open,
``datetime64[ns, UTC]``), ``open/high/low/close`` (float64), ``tick_volume`` and
``spread_points`` (nullable ``Int64``; all <NA> when the file has no such column).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from engine.data._problems import ProblemLog
from engine.data._spacing import check_spacing
from engine.data._text import TextTable, clean, open_table, read_header, split_fields
from engine.data._times import (
    MT5_EXPECTED,
    MT5_FORMATS,
    US,
    Times,
    check_times,
    csv_times,
    epoch_scale,
    localize,
    parse_wall_times,
)
from engine.data._values import PRICE_COLUMNS, check_ohlc, parse_counts, parse_prices
from engine.data.errors import DataError, quoted
from engine.data.gaps import Gap, gaps_from_seconds
from engine.data.timeframes import timeframe_seconds
from engine.data.zones import Ambiguous, Clock, parse_clock, parse_policy

Format = Literal["mt5", "csv"]
FORMATS: tuple[str, ...] = ("mt5", "csv")

MT5_HEADER = "<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL> <SPREAD>"
TIME_ALIASES: tuple[str, ...] = ("time", "time_utc", "timestamp", "datetime", "date")
VOLUME_ALIASES: tuple[str, ...] = ("tick_volume", "tickvol", "volume", "vol")
SPREAD_ALIASES: tuple[str, ...] = ("spread_points", "spread")
_TIME_PRIORITY = ("time_utc", "timestamp", "datetime", "time", "date")
_MT5_REQUIRED = ("<DATE>", "<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>")
_EXPECTED = (
    f"expected an MT5 'Export bars' header {MT5_HEADER} (tab or comma separated; <TIME> may be "
    "absent for D1), or a CSV header with a time column (one of "
    f"{', '.join(TIME_ALIASES)}) and open, high, low, close columns (any letter case)"
)


@dataclass(frozen=True)
class ParsedBars:
    """A validated import: the bars, the detected format, the bar count and the gaps found."""

    frame: pd.DataFrame
    source_format: str
    rows: int
    gaps: list[Gap]


def detect_format(path: str | Path) -> Format:
    """``"mt5"`` or ``"csv"`` judged by the header; DataError saying what was expected."""
    path = Path(path)
    names, _sep = read_header(path)
    return _format_of(names, path.name)


def read_bars(
    path: str | Path,
    *,
    timeframe: str,
    fmt: str | None = None,
    tz: str = "UTC",
    ambiguous: str | None = None,
    max_problems: int = 50,
) -> ParsedBars:
    """Parse and validate a bar file; ``tz`` is the clock of times written without an offset.

    ``tz`` is an IANA name, a fixed offset (``UTC+2``) or ``NY+7`` (see `engine.data.zones`).
    ``fmt`` is ``"mt5"``, ``"csv"`` or None (detect from the header). ``ambiguous`` says how a
    local time repeated by a DST fall-back is read (``earlier`` | ``later``); without it such a
    row is refused. A local time in the spring-forward gap is always refused. Bar alignment is
    checked on the clock as written (server time), order/duplicates/spacing on UTC. Epoch-number
    times are UTC. The file is streamed (see `engine.data._text` for the size limits).

    Raises DataError listing (up to ``max_problems`` collected) line numbers and reasons if any
    row is wrong, or if the file is empty, header-only, too big or of an unknown format.
    """
    tf = timeframe_seconds(timeframe)
    tf_name = timeframe.strip().upper()
    clock = parse_clock(tz)
    policy = parse_policy(ambiguous)
    log = ProblemLog()
    with open_table(Path(path)) as table:
        kind = _resolve_format(fmt, table)
        columns = _columns(kind, table)
        batches: list[_Rows] = []
        scale: int | None = None  # epoch units of a CSV's times, judged on the first batch
        for lines, body in table.batches():
            rows, scale = _parse_batch(
                kind, table, columns, (lines, body), clock, policy, log, scale, first=not batches
            )
            batches.append(rows)
    rows = _Rows.concat(batches)
    ok = check_times(rows.times, rows.lines, clock, log)
    check_spacing(rows.times.wall[ok], rows.times.utc[ok], rows.lines[ok], tf_name, tf, log)
    if log:
        raise DataError(
            f"refused: {log.total} problem(s) found, nothing was imported",
            log.top(max_problems),
            source=table.name,
            total_problems=log.total,
        )
    frame = _frame(rows.times.utc, rows.prices, rows.volume, rows.spread)
    gaps = gaps_from_seconds(rows.times.utc // US, tf)
    return ParsedBars(frame=frame, source_format=kind, rows=len(frame), gaps=gaps)


@dataclass(frozen=True)
class _Rows:
    """The parsed columns of a batch of rows (or of the whole file, once concatenated)."""

    lines: np.ndarray
    times: Times
    prices: dict[str, np.ndarray]
    volume: pd.Series
    spread: pd.Series

    @classmethod
    def concat(cls, parts: list[_Rows]) -> _Rows:
        if len(parts) == 1:
            return parts[0]
        return cls(
            lines=np.concatenate([p.lines for p in parts]),
            times=Times(
                wall=np.concatenate([p.times.wall for p in parts]),
                utc=np.concatenate([p.times.utc for p in parts]),
                ambiguous=np.concatenate([p.times.ambiguous for p in parts]),
            ),
            prices={c: np.concatenate([p.prices[c] for p in parts]) for c in PRICE_COLUMNS},
            volume=pd.concat([p.volume for p in parts], ignore_index=True),
            spread=pd.concat([p.spread for p in parts], ignore_index=True),
        )


def _parse_batch(
    kind: Format,
    table: TextTable,
    columns: dict[str, int],
    batch: tuple[np.ndarray, pd.Series],
    clock: Clock,
    policy: Ambiguous | None,
    log: ProblemLog,
    scale: int | None,
    *,
    first: bool,
) -> tuple[_Rows, int | None]:
    """Row-by-row parsing and checks of one batch (problems go to ``log``), and the epoch
    scale of a CSV's times (decided on the first batch, then kept)."""
    fields, lines = split_fields(*batch, table, log)
    raw = {role: clean(fields[i]) for role, i in columns.items()}
    if kind == "csv":
        stamps = raw["time"] if "date" not in raw else raw["date"] + " " + raw["time"]
        scale = epoch_scale(stamps) if first else scale
        times = csv_times(stamps, clock, policy, scale, lines, log)
    else:
        stamps = raw["date"] if "time" not in raw else raw["date"] + " " + raw["time"]
        wall = parse_wall_times(stamps, MT5_FORMATS, lines, MT5_EXPECTED, log)
        times = localize(wall, clock, policy, lines, log)
    prices = parse_prices(raw, lines, log)
    check_ohlc(prices, lines, log)
    volume = _counts("tick_volume", raw, lines, log)
    spread = _counts("spread_points", raw, lines, log)
    return _Rows(lines, times, prices, volume, spread), scale


def _format_of(names: list[str], source: str) -> Format:
    upper = [n.upper() for n in names]
    if "<DATE>" in upper:
        missing = [c for c in _MT5_REQUIRED if c not in upper]
        if missing:
            raise DataError(f"MT5 header lacks {', '.join(missing)}; {_EXPECTED}", source=source)
        return "mt5"
    lower = [n.lower() for n in names]
    if any(a in lower for a in TIME_ALIASES) and all(p in lower for p in PRICE_COLUMNS):
        return "csv"
    shown = quoted(" | ".join(names), 200)
    raise DataError(f"unrecognised header {shown}; {_EXPECTED}", source=source)


def _resolve_format(fmt: str | None, table: TextTable) -> Format:
    if fmt is None:
        return _format_of(table.header, table.name)
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise DataError(f"unknown format {quoted(fmt)}; use one of: {', '.join(FORMATS)} (or None)")
    return "mt5" if name == "mt5" else "csv"


def _columns(kind: Format, table: TextTable) -> dict[str, int]:
    """Map roles (date/time/open/.../tick_volume/spread_points) to field positions."""
    if kind == "mt5":
        wanted = {
            "date": ("<DATE>",),
            "time": ("<TIME>",),
            **{p: (f"<{p.upper()}>",) for p in PRICE_COLUMNS},
            "tick_volume": ("<TICKVOL>", "<VOL>"),
            "spread_points": ("<SPREAD>",),
        }
        names = [n.upper() for n in table.header]
        required = ("date", *PRICE_COLUMNS)
    else:
        time_col = next((a for a in _TIME_PRIORITY if a in [n.lower() for n in table.header]), "")
        wanted = {
            "time": (time_col,),
            "date": ("date",) if time_col == "time" else (),
            **{p: (p,) for p in PRICE_COLUMNS},
            "tick_volume": VOLUME_ALIASES,
            "spread_points": SPREAD_ALIASES,
        }
        names = [n.lower() for n in table.header]
        required = ("time", *PRICE_COLUMNS)
    found = {role: _first_index(names, aliases) for role, aliases in wanted.items()}
    missing = [role for role in required if found[role] is None]
    if missing:
        raise DataError(
            f"a {kind} file needs {', '.join(missing)} column(s); {_EXPECTED}", source=table.name
        )
    return {role: i for role, i in found.items() if i is not None}


def _first_index(names: list[str], aliases: tuple[str, ...]) -> int | None:
    for alias in aliases:
        if alias and alias in names:
            return names.index(alias)
    return None


def _counts(role: str, raw: dict[str, pd.Series], lines: np.ndarray, log: ProblemLog) -> pd.Series:
    if role not in raw:
        n = len(lines)
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool)))
    return parse_counts(role, raw[role], lines, log)


def _frame(
    utc: np.ndarray, prices: dict[str, np.ndarray], volume: pd.Series, spread: pd.Series
) -> pd.DataFrame:
    time = pd.DatetimeIndex(utc.view("datetime64[us]")).tz_localize("UTC").as_unit("ns")
    frame = pd.DataFrame({"time": time, **{p: prices[p] for p in PRICE_COLUMNS}})
    frame["tick_volume"] = volume.array
    frame["spread_points"] = spread.array
    return frame
