"""Importing market data into the desk: parse and validate the whole file, then one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.data.gaps import Gap, find_gaps
from engine.data.importers import read_bars
from engine.data.origin import check_origin
from engine.data.store import bar_times, count_bars, neighbours, upsert_bars
from engine.data.timeframes import timeframe_seconds
from engine.home import safe_name

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class GapSummary:
    kind: str
    start: datetime
    end: datetime
    hours: float


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts of new, updated and unchanged bars, and the gaps the stored
    series has over the imported range, including its seams with the bars stored before."""

    file: str
    symbol: str
    timeframe: str
    source_format: str
    time_zone: str
    rows: int
    new: int
    updated: int
    unchanged: int
    first: datetime | None
    last: datetime | None
    gap_counts: dict[str, int]
    holes: list[GapSummary] = field(default_factory=list)


def import_bars(
    desk: Any,
    path: str | Path,
    *,
    symbol: str,
    timeframe: str,
    fmt: str | None,
    tz: str,
    actor: str,
    ambiguous: str | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> ImportReport:
    """All-or-nothing: a bad row refuses the file before anything is written. `file_name` is
    what the trader calls the file (an upload kept under another name), shown in the progress
    and recorded in the audit; by default the path's name."""
    step = progress or (lambda _s, _p: None)
    name = file_name or Path(path).name
    safe_name(symbol, what="symbol")
    tf = timeframe.strip().upper()
    timeframe_seconds(tf)
    with desk.db.session() as s:  # before reading the file: a refusal costs nothing
        check_origin(s, symbol=symbol, timeframe=tf, origin="imported", home=desk.paths.root)
    step(f"reading and validating {name}", 0.05)
    parsed = read_bars(path, timeframe=tf, fmt=fmt, tz=tz, ambiguous=ambiguous)
    step(f"storing {parsed.rows:,} bars", 0.6)
    times = parsed.frame["time"]
    with desk.db.session(write=True) as s:
        counts = upsert_bars(s, parsed.frame, symbol=symbol, timeframe=tf, origin="imported")
        gaps = _stored_gaps(s, times, symbol=symbol, timeframe=tf)
    step("done", 1.0)
    report = ImportReport(
        file=str(path),
        symbol=symbol,
        timeframe=tf,
        source_format=parsed.source_format,
        time_zone=tz,
        rows=parsed.rows,
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        first=times.iloc[0].to_pydatetime() if parsed.rows else None,
        last=times.iloc[-1].to_pydatetime() if parsed.rows else None,
        gap_counts=dict(Counter(g.kind for g in gaps)),
        holes=[
            GapSummary(
                g.kind,
                g.start.to_pydatetime(),
                g.end.to_pydatetime(),
                round(g.duration.total_seconds() / 3600, 2),
            )
            for g in gaps
            if g.kind == "hole"
        ],
    )
    desk.audit(
        actor,
        "data.import_bars",
        f"{symbol} {tf}",
        {
            "file": name,
            "rows": report.rows,
            "new": report.new,
            "updated": report.updated,
        },
    )
    return report


def _stored_gaps(session: Any, times: pd.Series, *, symbol: str, timeframe: str) -> list[Gap]:
    """Gaps of the stored series (after the upsert) over the imported range, plus its seams: the
    nearest stored bar on each side. Every imported bar is stored by now, so the range is read
    back only when stored bars the file lacks sit inside it."""
    if times.empty:
        return []
    where = {
        "symbol": symbol,
        "timeframe": timeframe,
        "start": times.iloc[0].to_pydatetime(),
        "end": times.iloc[-1].to_pydatetime(),
    }
    inside = times
    if count_bars(session, **where) != len(times):
        inside = bar_times(session, **where)
    edges = pd.to_datetime([t for t in neighbours(session, **where) if t is not None], utc=True)
    stored = pd.concat([inside, pd.Series(edges, dtype=inside.dtype)]).sort_values()
    return find_gaps(stored, timeframe=timeframe)
