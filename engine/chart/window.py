"""A window of stored bars around a time, read by the bars' primary key (symbol, timeframe, ts).

Two index seeks, never a scan: the `before` bars up to the anchor (the bar at or just before it
counts among them, plus `lead` more for indicators' warm-up) walking the index backwards, and the
`after` bars following it walking forwards. One extra bar is asked on each side to know whether
more are stored, so the page can offer "earlier" and "later" without counting anything. The cost
is the same for a desk of 10,000 bars or 10,000,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.synthetic import BAR_COLUMNS
from engine.db.schema import Bar
from engine.errors import AurumError

MAX_WINDOW = 5000  # bars: a screen holds a few hundred candles; more is a mistake, refused


@dataclass(frozen=True)
class BarWindow:
    """The bars of one window (`bars`, time order) and the `lead` bars stored just before it
    (indicator warm-up; never shown); `earlier` / `later`: more bars are stored on that side."""

    symbol: str
    timeframe: str
    around: datetime
    bars: pd.DataFrame
    lead: pd.DataFrame
    earlier: bool
    later: bool

    def __len__(self) -> int:
        return len(self.bars)

    @property
    def first(self) -> datetime | None:
        return None if self.bars.empty else self.bars["time"].iloc[0].to_pydatetime()

    @property
    def last(self) -> datetime | None:
        return None if self.bars.empty else self.bars["time"].iloc[-1].to_pydatetime()

    def with_lead(self) -> pd.DataFrame:
        """Lead and window bars together, index 0..n-1 (the window starts at `len(lead)`)."""
        return pd.concat([self.lead, self.bars], ignore_index=True)


def read_window(
    session: Session,
    *,
    symbol: str,
    timeframe: str,
    around: datetime,
    before: int,
    after: int,
    lead: int = 0,
) -> BarWindow:
    """`before` bars opening at or before `around` and `after` bars opening after it (fewer at
    the ends of the series), plus `lead` bars before those."""
    if min(before, after, lead) < 0 or before + after < 1 or before + after > MAX_WINDOW:
        raise AurumError(
            f"a bar window holds 1 to {MAX_WINDOW} bars (asked: {before} before, {after} after)"
        )
    anchor = around if around.tzinfo is not None else around.replace(tzinfo=UTC)
    series = (Bar.symbol == symbol, Bar.timeframe == timeframe)
    older = session.execute(
        select(*_COLUMNS)
        .where(*series, Bar.ts <= anchor)
        .order_by(Bar.ts.desc())
        .limit(before + lead + 1)
    ).all()[::-1]
    newer = session.execute(
        select(*_COLUMNS).where(*series, Bar.ts > anchor).order_by(Bar.ts).limit(after + 1)
    ).all()
    earlier = len(older) > before + lead
    shown_older = older[len(older) - before :] if before else []
    lead_rows = older[max(0, len(older) - before - lead) : len(older) - before]
    return BarWindow(
        symbol=symbol,
        timeframe=timeframe,
        around=anchor,
        bars=bars_frame([*shown_older, *newer[:after]]),
        lead=bars_frame(lead_rows),
        earlier=earlier or (before > 0 and len(older) > before and lead == 0),
        later=len(newer) > after,
    )


_COLUMNS = (Bar.ts, Bar.open, Bar.high, Bar.low, Bar.close, Bar.tick_volume, Bar.spread_points)


def bars_frame(rows: Sequence[Any]) -> pd.DataFrame:
    """Rows of `_COLUMNS` as a bars frame with the importer's columns and dtypes."""
    frame = pd.DataFrame(rows, columns=list(BAR_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True).astype("datetime64[ns, UTC]")
    for col in ("open", "high", "low", "close"):
        frame[col] = frame[col].astype("float64")
    frame["tick_volume"] = frame["tick_volume"].astype("Int64")
    frame["spread_points"] = frame["spread_points"].astype("Int64")
    return frame
