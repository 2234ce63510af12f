"""The `shadow_trades` table: paper trades of versions on live bars, kept apart from the ledger.

Writing is idempotent: a trade is keyed by (version, symbol, timeframe, entry bar), and a trade
already stored is never written again, so re-running a shadow step changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from engine.db.schema import Bar, ShadowTrade
from engine.ledger import ResultSeries, closed_between

SHADOW: Table = ShadowTrade.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ShadowTradeRecord:
    """One paper trade as the dashboard lists it; `net_profit` is after every cost."""

    version_id: int
    symbol: str
    timeframe: str
    side: str
    open_time: datetime
    close_time: datetime
    open_price: float
    close_price: float
    net_profit: float
    confidence: float | None
    exit_reason: str


def resume_bar(session: Session, version_id: int, symbol: str, timeframe: str) -> Any:
    """Open time of the exit bar of the version's newest paper trade on this market (its next
    signal may come at that bar: one position at a time), or None before its first trade."""
    newest = session.execute(
        select(SHADOW.c.close_time)
        .where(
            SHADOW.c.version_id == version_id,
            SHADOW.c.symbol == symbol,
            SHADOW.c.timeframe == timeframe,
        )
        .order_by(SHADOW.c.open_time.desc())
        .limit(1)
    ).scalar()
    if newest is None:
        return None
    from engine.data.timeframes import timeframe_seconds

    return _utc(newest) - timedelta(seconds=timeframe_seconds(timeframe))


def store_trades(
    session: Session, version_id: int, symbol: str, timeframe: str, trades: pd.DataFrame
) -> int:
    """Insert the paper trades (`engine.backtest` columns) not stored yet; returns how many."""
    if trades.empty:
        return 0
    opens = [_utc(t.to_pydatetime()) for t in pd.DatetimeIndex(trades["entry_time"])]
    known = {
        _utc(t)
        for t in session.execute(
            select(SHADOW.c.open_time).where(
                SHADOW.c.version_id == version_id,
                SHADOW.c.symbol == symbol,
                SHADOW.c.timeframe == timeframe,
                SHADOW.c.open_time >= min(opens),
                SHADOW.c.open_time <= max(opens),
            )
        ).scalars()
    }
    rows = [
        {
            "version_id": version_id,
            "symbol": symbol,
            "timeframe": timeframe,
            "side": str(t["side"]),
            "open_time": opened,
            "close_time": _utc(pd.Timestamp(t["exit_time"]).to_pydatetime()),
            "open_price": float(t["entry_price"]),
            "close_price": float(t["exit_price"]),
            "profit": float(t["net_profit"]),
            "confidence": _confidence(t["confidence"]),
            "exit_reason": str(t["exit_reason"])[:16],
        }
        for opened, t in zip(opens, trades.to_dict("records"), strict=True)
        if opened not in known
    ]
    if rows:
        session.connection().execute(insert(SHADOW), rows)
    return len(rows)


def shadow_series(
    session: Session, version_id: int, *, opened_after: datetime | None = None
) -> ResultSeries:
    """The version's paper results (net profit, close time) in close-time order; with
    `opened_after`, only trades opened after it."""
    query = select(SHADOW.c.close_time, SHADOW.c.profit).where(SHADOW.c.version_id == version_id)
    if opened_after is not None:
        query = query.where(SHADOW.c.open_time > opened_after)
    rows = session.execute(query.order_by(SHADOW.c.close_time, SHADOW.c.id)).all()
    if not rows:
        return ResultSeries(np.zeros(0), pd.DatetimeIndex([], tz="UTC"))
    times, profits = zip(*rows, strict=True)
    return ResultSeries(
        np.asarray(profits, dtype=float),
        pd.DatetimeIndex([_utc(t) for t in times]),
    )


def shadow_trade_list(
    session: Session,
    version_id: int,
    *,
    limit: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ShadowTradeRecord]:
    """The version's paper trades in close-time order (closed from `since` to `until`, both
    included; the newest `limit` of them when given)."""
    query = select(ShadowTrade).where(ShadowTrade.version_id == version_id)
    query = closed_between(query, ShadowTrade, since=since, until=until, newest=limit)
    rows = [
        ShadowTradeRecord(
            r.version_id,
            r.symbol,
            r.timeframe,
            r.side,
            _utc(r.open_time),
            _utc(r.close_time),
            r.open_price,
            r.close_price,
            r.profit,
            r.confidence,
            r.exit_reason,
        )
        for r in session.scalars(query)
    ]
    return rows[::-1] if limit is not None else rows


def shadowed_version_ids(session: Session) -> list[int]:
    """Every version with at least one paper trade."""
    return [int(v) for v in session.scalars(select(SHADOW.c.version_id).distinct())]


def trade_counts(session: Session) -> dict[int, int]:
    """Paper trades per version."""
    rows = session.execute(
        select(SHADOW.c.version_id, func.count()).group_by(SHADOW.c.version_id)
    ).all()
    return {int(v): int(n) for v, n in rows}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _confidence(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(min(max(number, 0.0), 1.0), 4)


def last_bar_time(session: Session, symbol: str, timeframe: str) -> datetime | None:
    """The open time of the newest stored bar of a market (None without bars)."""
    newest = session.scalar(
        select(func.max(Bar.ts)).where(Bar.symbol == symbol, Bar.timeframe == timeframe)
    )
    return None if newest is None else _utc(newest)
