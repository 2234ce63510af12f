"""Importing bars into a desk: counts of an overlapping re-import, and the gaps of the stored
series (not just of the file) over the imported range and its seams with the bars already there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.imports import ImportReport
from engine.services import Desk

HEADER = "time,open,high,low,close,tick_volume,spread\n"


def write_bars(path: Path, start: str, end: str, *, changes: dict[str, str] | None = None) -> Path:
    """A plain CSV of M5 bars from ``start`` to ``end`` (UTC); ``changes`` replaces whole rows."""
    rows = []
    for ts in pd.date_range(start, end, freq="5min"):
        stamp = f"{ts:%Y-%m-%d %H:%M}"
        price = 2650 + (ts.hour * 12 + ts.minute // 5) % 7  # the same bar has the same prices
        row = f"{stamp},{price},{price + 2},{price - 1},{price + 1},100,20"
        rows.append((changes or {}).get(stamp, row))
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def imported(desk: Desk, path: Path) -> ImportReport:
    report: ImportReport = desk.import_bars(
        str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test"
    )
    return report


def holes(report: ImportReport) -> list[tuple[str, str]]:
    return [(f"{h.start:%H:%M}", f"{h.end:%H:%M}") for h in report.holes]


def test_a_hole_at_the_seam_with_stored_bars_is_reported(desk: Desk, tmp_path: Path) -> None:
    first = imported(desk, write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55"))
    assert first.new == 12 and first.gap_counts == {} and first.holes == []
    later = imported(desk, write_bars(tmp_path / "b.csv", "2025-01-07 11:30", "2025-01-07 12:00"))
    assert later.new == 7
    assert holes(later) == [("11:00", "11:30")]  # the file alone has no gap
    assert later.holes[0].hours == 0.5 and later.gap_counts == {"hole": 1}
    earlier = imported(desk, write_bars(tmp_path / "c.csv", "2025-01-07 09:00", "2025-01-07 09:30"))
    assert holes(earlier) == [("09:35", "10:00")]  # the seam after the file, before stored bars


def test_a_hole_in_the_file_that_stored_bars_fill_is_not_reported(
    desk: Desk, tmp_path: Path
) -> None:
    imported(desk, write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55"))
    path = write_bars(tmp_path / "d.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:5] + lines[8:]))  # drops 10:20, 10:25 and 10:30
    report = imported(desk, path)
    assert report.rows == 9 and report.unchanged == 9
    assert report.holes == [] and report.gap_counts == {}


def test_partly_overlapping_reimport_counts_new_updated_and_unchanged(
    desk: Desk, tmp_path: Path
) -> None:
    imported(desk, write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55"))
    changes = {
        "2025-01-07 10:40": "2025-01-07 10:40,2652,2654,2651,2653.5,100,20",  # close changed
        "2025-01-07 10:50": "2025-01-07 10:50,2654,2656,2653,2655,100,35",  # spread changed
    }
    path = write_bars(tmp_path / "e.csv", "2025-01-07 10:30", "2025-01-07 11:25", changes=changes)
    report = imported(desk, path)
    assert report.rows == 12
    assert (report.new, report.updated, report.unchanged) == (6, 2, 4)
    bars = desk.bars("XAUUSD", "M5").set_index("time")
    assert len(bars) == 18
    assert bars.loc[pd.Timestamp("2025-01-07 10:40", tz="UTC"), "close"] == 2653.5
    assert bars.loc[pd.Timestamp("2025-01-07 10:50", tz="UTC"), "spread_points"] == 35
    again = imported(desk, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 12)


def test_the_progress_and_the_audit_name_the_file_as_the_trader_calls_it(
    desk: Desk, tmp_path: Path
) -> None:
    kept = write_bars(tmp_path / "3f9c0a.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    stages: list[tuple[str, float]] = []
    desk.import_bars(
        str(kept),
        symbol="XAUUSD",
        timeframe="M5",
        tz="UTC",
        actor="test",
        progress=lambda stage, part: stages.append((stage, part)),
        file_name="broker export.csv",
    )
    assert stages == [
        ("reading and validating broker export.csv", 0.05),
        ("storing 12 bars", 0.6),
        ("done", 1.0),
    ]
    assert desk.audit_log(1)[0].detail["file"] == "broker export.csv"
    imported(desk, write_bars(tmp_path / "b.csv", "2025-01-07 11:00", "2025-01-07 11:55"))
    assert desk.audit_log(1)[0].detail["file"] == "b.csv"  # no name given: the path's
