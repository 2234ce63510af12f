"""Importing market data into the desk: parse and validate the whole file, then one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.data.importers import read_bars
from engine.data.store import upsert_bars
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
    """What an import did: counts of new, updated and unchanged bars, and the series' gaps."""

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
    progress: Progress | None = None,
) -> ImportReport:
    """All-or-nothing: a bad row refuses the file before anything is written."""
    step = progress or (lambda _s, _p: None)
    safe_name(symbol, what="symbol")
    tf = timeframe.strip().upper()
    timeframe_seconds(tf)
    step(f"reading and validating {Path(path).name}", 0.05)
    parsed = read_bars(path, timeframe=tf, fmt=fmt, tz=tz)
    step(f"storing {parsed.rows:,} bars", 0.6)
    with desk.db.session(write=True) as s:
        counts = upsert_bars(s, parsed.frame, symbol=symbol, timeframe=tf)
    step("done", 1.0)
    times = parsed.frame["time"]
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
        gap_counts=dict(Counter(g.kind for g in parsed.gaps)),
        holes=[
            GapSummary(
                g.kind,
                g.start.to_pydatetime(),
                g.end.to_pydatetime(),
                round(g.duration.total_seconds() / 3600, 2),
            )
            for g in parsed.gaps
            if g.kind == "hole"
        ],
    )
    desk.audit(
        actor,
        "data.import_bars",
        f"{symbol} {tf}",
        {
            "file": Path(path).name,
            "rows": report.rows,
            "new": report.new,
            "updated": report.updated,
        },
    )
    return report
