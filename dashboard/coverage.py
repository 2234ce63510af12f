"""The Data page's coverage window: the days the trader chose, ending on the series' last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class CoverageWindow:
    """`days` whole UTC days, the last one the day of the newest stored bar."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The last instant of the last day (a bar opens at or before it)."""
        return datetime.combine(self.last_day, time.max, tzinfo=UTC)

    @property
    def axis_range(self) -> list[str]:
        """The x-axis of a bars-per-day chart over exactly these days (a day's bar is centred
        on its date, so half a day either side)."""
        half = timedelta(hours=12)
        return [
            (self.start - half).strftime("%Y-%m-%d %H:%M"),
            (datetime.combine(self.last_day, time(), tzinfo=UTC) + half).strftime("%Y-%m-%d %H:%M"),
        ]


def coverage_window(last_bar: datetime, days: int) -> CoverageWindow:
    """The `days` UTC days that end on the day of `last_bar`."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    last_day = last_bar.astimezone(UTC).date()
    return CoverageWindow(last_day - timedelta(days=days - 1), last_day)
