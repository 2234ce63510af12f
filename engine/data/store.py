"""Bars in the database: idempotent upsert (new / updated / unchanged) and windowed reads.
Every bar records its origin (engine.data.origin); generated and real bars never share a series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from engine.data.origin import (
    all_series_origins,
    check_origin,
    data_origin,
    forget_origins,
    note_origin,
)
from engine.data.synthetic import BAR_COLUMNS
from engine.db.schema import Bar
from engine.db.times import stored_utc, utc_index

BARS: Table = Bar.__table__  # type: ignore[assignment]
VALUE_COLUMNS = ("open", "high", "low", "close", "tick_volume", "spread_points")
PRICE_COLUMNS = ("open", "high", "low", "close")


@dataclass(frozen=True)
class UpsertCounts:
    new: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class BarSeriesInfo:
    """What is stored for one symbol/timeframe."""

    symbol: str
    timeframe: str
    bars: int
    first: datetime | None
    last: datetime | None
    origin: str = "imported"  # generated | imported | live | mixed (imported and live)
    origins: tuple[str, ...] = ()


def _py_times(times: pd.Series) -> list[datetime]:
    return [t.to_pydatetime() for t in pd.to_datetime(times, utc=True)]


def _existing(
    session: Session, symbol: str, timeframe: str, lo: datetime, hi: datetime
) -> pd.DataFrame:
    cols = [Bar.ts, *(getattr(Bar, c) for c in VALUE_COLUMNS)]
    rows = session.execute(
        select(*cols).where(
            Bar.symbol == symbol, Bar.timeframe == timeframe, Bar.ts >= lo, Bar.ts <= hi
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["ts", *VALUE_COLUMNS])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def _records(
    frame: pd.DataFrame, symbol: str, timeframe: str, origin: str
) -> list[dict[str, object]]:
    spread = frame["spread_points"].astype("Int64")
    volume = frame["tick_volume"].astype("Int64").fillna(0)
    return [
        {
            "symbol": symbol,
            "timeframe": timeframe,
            "ts": ts,
            "open": float(o),
            "high": float(h),
            "low": float(lo),
            "close": float(c),
            "tick_volume": int(v),
            "spread_points": None if sp is pd.NA else int(sp),
            "origin": origin,
        }
        for ts, o, h, lo, c, v, sp in zip(
            _py_times(frame["time"]),
            frame["open"],
            frame["high"],
            frame["low"],
            frame["close"],
            volume,
            spread,
            strict=True,
        )
    ]


def _changed_mask(incoming: pd.DataFrame, stored: pd.DataFrame) -> np.ndarray:
    """Rows of `incoming` (aligned to `stored` on time) whose values differ."""
    diff = np.zeros(len(incoming), dtype=bool)
    for col in ("open", "high", "low", "close"):
        diff |= ~np.isclose(
            incoming[col].to_numpy(float), stored[col].to_numpy(float), rtol=0.0, atol=1e-9
        )
    for col in ("tick_volume", "spread_points"):
        a = incoming[col].astype("Int64").reset_index(drop=True)
        b = stored[col].astype("Int64").reset_index(drop=True)
        diff |= ~(a.eq(b).fillna(a.isna() & b.isna())).to_numpy(bool)
    return diff


def upsert_bars(
    session: Session,
    frame: pd.DataFrame,
    *,
    symbol: str,
    timeframe: str,
    origin: str = "imported",
    home: Path | None = None,
) -> UpsertCounts:
    """Insert new bars and update changed ones; re-importing the same file changes nothing.
    `origin` says where the bars come from (a changed bar takes it); bars that would mix
    generated and real ones in a series are refused (OriginConflictError) before any write;
    `home` goes into the command the refusal prints."""
    if frame.empty:
        return UpsertCounts(0, 0, 0)
    check_origin(session, symbol=symbol, timeframe=timeframe, origin=origin, home=home)
    times = pd.to_datetime(frame["time"], utc=True)
    stored = _existing(
        session, symbol, timeframe, times.min().to_pydatetime(), times.max().to_pydatetime()
    )
    known = times.isin(stored["ts"])
    fresh = frame.loc[~known.to_numpy()]
    overlap = frame.loc[known.to_numpy()].reset_index(drop=True)
    aligned = stored.set_index("ts").loc[pd.DatetimeIndex(overlap["time"])]
    changed = overlap.loc[_changed_mask(overlap, aligned.reset_index(drop=True))]
    if len(fresh):
        session.connection().execute(insert(BARS), _records(fresh, symbol, timeframe, origin))
    if len(changed):
        stmt = (
            update(BARS)
            .where(
                and_(
                    BARS.c.symbol == bindparam("b_symbol"),
                    BARS.c.timeframe == bindparam("b_timeframe"),
                    BARS.c.ts == bindparam("b_ts", type_=BARS.c.ts.type),
                )
            )
            .values({c: bindparam(c) for c in (*VALUE_COLUMNS, "origin")})
        )
        params = [
            {
                **{c: r[c] for c in (*VALUE_COLUMNS, "origin")},
                "b_symbol": symbol,
                "b_timeframe": timeframe,
                "b_ts": r["ts"],
            }
            for r in _records(changed, symbol, timeframe, origin)
        ]
        session.connection().execute(stmt, params)
    if len(fresh) or len(changed):
        note_origin(session, symbol=symbol, timeframe=timeframe, origin=origin)
    return UpsertCounts(len(fresh), len(changed), len(overlap) - len(changed))


def load_bars(
    session: Session,
    *,
    symbol: str,
    timeframe: str,
    last: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    columns: Sequence[str] = VALUE_COLUMNS,
) -> pd.DataFrame:
    """Bars in time order with the importer's columns (`columns`: only those after the time,
    e.g. the prices a regime needs); `last` keeps only the newest N.

    Read column by column: the open time as the stored naive UTC value (localised once for the
    whole column, not one timezone-aware datetime per row) and no DataFrame built from row
    objects (40,000 bars: about 0.4 s instead of 0.9 s)."""
    wanted = [c for c in VALUE_COLUMNS if c in columns]
    query = select(stored_utc(Bar.ts), *(getattr(Bar, c) for c in wanted)).where(
        Bar.symbol == symbol, Bar.timeframe == timeframe
    )
    if start is not None:
        query = query.where(Bar.ts >= start)
    if end is not None:
        query = query.where(Bar.ts <= end)
    query = query.order_by(Bar.ts.desc() if last else Bar.ts)
    if last:
        query = query.limit(last)
    rows = list(session.execute(query).all())
    if last:
        rows.reverse()
    values = list(zip(*rows, strict=True)) if rows else [()] * (1 + len(wanted))
    frame = pd.DataFrame(
        {
            "time": utc_index(values[0], "ns"),
            **{
                col: np.asarray(column, dtype="float64")
                if col in PRICE_COLUMNS
                else pd.array(list(column), dtype="Int64")
                for col, column in zip(wanted, values[1:], strict=True)
            },
        }
    )
    return frame[[c for c in BAR_COLUMNS if c == "time" or c in wanted]]


def bar_times(
    session: Session, *, symbol: str, timeframe: str, start: datetime, end: datetime
) -> pd.Series:
    """Stored bar open times from `start` to `end` (inclusive), in order, tz-aware UTC."""
    rows = session.scalars(
        select(Bar.ts)
        .where(Bar.symbol == symbol, Bar.timeframe == timeframe, Bar.ts >= start, Bar.ts <= end)
        .order_by(Bar.ts)
    ).all()
    return pd.Series(pd.to_datetime(list(rows), utc=True), name="time", dtype="datetime64[ns, UTC]")


def count_bars(
    session: Session, *, symbol: str, timeframe: str, start: datetime, end: datetime
) -> int:
    """How many bars are stored from `start` to `end` (inclusive)."""
    return int(
        session.scalar(
            select(func.count()).where(
                Bar.symbol == symbol, Bar.timeframe == timeframe, Bar.ts >= start, Bar.ts <= end
            )
        )
        or 0
    )


def neighbours(
    session: Session, *, symbol: str, timeframe: str, start: datetime, end: datetime
) -> tuple[datetime | None, datetime | None]:
    """Open times of the last stored bar before `start` and the first after `end` (or None)."""
    series = (Bar.symbol == symbol, Bar.timeframe == timeframe)
    before = session.scalar(select(func.max(Bar.ts)).where(*series, Bar.ts < start))
    after = session.scalar(select(func.min(Bar.ts)).where(*series, Bar.ts > end))
    return _aware(before), _aware(after)


# Above every stored bar time: seeking past (symbol, timeframe, END_OF_TIME) skips a whole series.
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def series_info(session: Session) -> list[BarSeriesInfo]:
    """Every stored series with its bar count and first/last bar. Walks the bars' primary-key
    index: one seek finds each next series and one each its first and last bar; only the count
    reads the series' index entries (a GROUP BY over the table took 4.5 s at 10,000,000 bars)."""
    out: list[BarSeriesInfo] = []
    after: tuple[str, str] | None = None
    origins = all_series_origins(session)
    while True:
        query = select(Bar.symbol, Bar.timeframe).order_by(Bar.symbol, Bar.timeframe, Bar.ts)
        if after is not None:
            past = literal(END_OF_TIME, Bar.ts.type)
            query = query.where(tuple_(Bar.symbol, Bar.timeframe, Bar.ts) > tuple_(*after, past))
        found = session.execute(query.limit(1)).first()
        if found is None:
            return out
        symbol, timeframe = after = (str(found[0]), str(found[1]))
        where = (Bar.symbol == symbol, Bar.timeframe == timeframe)
        first = session.scalar(select(Bar.ts).where(*where).order_by(Bar.ts).limit(1))
        last = session.scalar(select(Bar.ts).where(*where).order_by(Bar.ts.desc()).limit(1))
        count = session.scalar(select(func.count()).select_from(Bar).where(*where))
        held = origins.get((symbol, timeframe), set())
        out.append(
            BarSeriesInfo(
                symbol,
                timeframe,
                int(count or 0),
                _aware(first),
                _aware(last),
                data_origin(held),
                tuple(sorted(held)),
            )
        )


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def delete_bars(session: Session, *, symbol: str, timeframe: str, origin: str | None = None) -> int:
    """Delete a series' bars (only those of `origin` when given); returns how many went."""
    query = delete(Bar).where(Bar.symbol == symbol, Bar.timeframe == timeframe)
    if origin is not None:
        query = query.where(Bar.origin == origin)
    result = session.execute(query)
    forget_origins(session, symbol=symbol, timeframe=timeframe, origin=origin)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
