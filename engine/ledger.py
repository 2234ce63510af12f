"""The trade ledger: every closed trade with the model version that produced it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine.db.schema import ActivationEvent, Alias, Bar, Lineage, ModelVersion, Trade
from engine.errors import TicketConflictError, TradeError

if TYPE_CHECKING:  # numpy and pandas load with the first result series: listings need neither
    import numpy as np
    import pandas as pd

# Bounds of every number a trade carries: beyond them a value is a mistake (or an attack), and
# unbounded integers overflow the database's 64-bit (PostgreSQL: 32-bit) columns.
MAX_VERSION_ID = 2**31 - 1
MAX_PRICE = 1e9
MAX_MONEY = 1e9  # profit, commission, swap: account currency per trade
EARLIEST_TRADE = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_EPOCH_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime holds
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
Money = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]


class TradeInput(BaseModel):
    """One trade result as the trading side reports it; every field is checked. Times are
    ISO 8601 or UNIX seconds (never read as milliseconds), from 2000 on."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ticket: str = Field(min_length=1, max_length=64)
    symbol: str = Field("XAUUSD", min_length=1, max_length=32)
    side: Literal["buy", "sell"]
    open_time: datetime
    close_time: datetime
    open_price: float | None = Field(None, gt=0, le=MAX_PRICE, allow_inf_nan=False)
    close_price: float | None = Field(None, gt=0, le=MAX_PRICE, allow_inf_nan=False)
    volume: float = Field(gt=0, le=1000, allow_inf_nan=False, description="Lots.")
    profit: Money
    commission: Money = 0.0
    swap: Money = 0.0
    version_id: int | None = Field(None, ge=1, le=MAX_VERSION_ID)
    confidence: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    source: Literal["live", "backtest", "shadow", "import"] = "live"

    @field_validator("side", mode="before")
    @classmethod
    def _side(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("open_time", "close_time", mode="before")
    @classmethod
    def _epoch_seconds(cls, value: Any) -> Any:
        """A number (or numeric text) is UNIX seconds: 10**12 is the year 33658 and refused,
        not guessed to be milliseconds (2001)."""
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            value = float(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError("not a time: send ISO 8601 (2025-02-04T10:00:00Z) or UNIX seconds")
            if value > LATEST_EPOCH_SECONDS:
                raise ValueError(
                    f"{value:.0f} UNIX seconds is after the year 9999: send seconds, not "
                    "milliseconds, or ISO 8601 (2025-02-04T10:00:00Z)"
                )
            return datetime.fromtimestamp(max(value, -86_400.0), UTC)  # < 2000: refused below
        return value

    @field_validator("open_time", "close_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if value < EARLIEST_TRADE:
            raise ValueError(
                f"{value:%Y-%m-%d %H:%M} UTC is before 2000: not a plausible trade time "
                "(ISO 8601 or UNIX seconds)"
            )
        return value

    @model_validator(mode="after")
    def _order(self) -> TradeInput:
        if self.close_time < self.open_time:
            raise ValueError("close_time is before open_time")
        return self

    @property
    def net_profit(self) -> float:
        return self.profit + self.commission + self.swap


@dataclass(frozen=True)
class LoggedTrade:
    """What happened to a logged trade: `new`, or `unchanged` when the ticket was seen before."""

    id: int
    ticket: str
    version_id: int | None
    net_profit: float
    outcome: str


@dataclass(frozen=True)
class LedgerTrade:
    ticket: str
    symbol: str
    side: str
    open_time: datetime
    close_time: datetime
    net_profit: float
    volume: float
    version_id: int | None
    confidence: float | None
    source: str


def parse_trade(data: Mapping[str, Any]) -> TradeInput:
    """Validate a raw dict into a TradeInput, naming each bad field."""
    try:
        return TradeInput.model_validate(dict(data))
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'trade'}: {e['msg']}" for e in err.errors()
        )
        raise TradeError(f"trade refused: {problems}") from None


_COMPARED = (
    "symbol",
    "side",
    "open_price",
    "close_price",
    "volume",
    "profit",
    "commission",
    "swap",
    "version_id",
    "source",
)


def log_trade(session: Session, trade: TradeInput) -> LoggedTrade:
    """Insert the trade; the same ticket again is a no-op, a different one under it is refused."""
    if trade.version_id is not None and session.get(ModelVersion, trade.version_id) is None:
        raise TradeError(
            f"trade {trade.ticket} names model version {trade.version_id}, which does not exist"
        )
    existing = session.scalars(select(Trade).where(Trade.ticket == trade.ticket)).first()
    if existing is not None:
        changed = [f for f in _COMPARED if not _same(getattr(existing, f), getattr(trade, f))]
        if changed:
            raise TicketConflictError(
                f"ticket {trade.ticket} was already logged with different {', '.join(changed)}; "
                "tickets are unique — fix the ticket or the values"
            )
        return LoggedTrade(
            existing.id, existing.ticket, existing.version_id, _net(existing), "unchanged"
        )
    row = Trade(**trade.model_dump())
    session.add(row)
    session.flush()
    return LoggedTrade(row.id, row.ticket, row.version_id, trade.net_profit, "new")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return bool(a == b)


def _net(row: Trade) -> float:
    return row.profit + row.commission + row.swap


def closed_between(
    query: Select[Any],
    table: Any,
    *,
    since: datetime | None,
    until: datetime | None,
    newest: int | None,
) -> Select[Any]:
    """`query` (over `table`: trades or paper trades) kept to those closed from `since` to
    `until` (both included), in close-time order; with `newest`, the database's newest N of them
    (newest first: reverse the rows read)."""
    if since is not None:
        query = query.where(table.close_time >= since)
    if until is not None:
        query = query.where(table.close_time <= until)
    if newest is not None:
        return query.order_by(table.close_time.desc(), table.id.desc()).limit(newest)
    return query.order_by(table.close_time, table.id)


def trades_for(
    session: Session,
    version_id: int | None = None,
    *,
    source: str | None = "live",
    since: datetime | None = None,
    limit: int | None = None,
    until: datetime | None = None,
    newest: int | None = None,
) -> list[LedgerTrade]:
    """Trades in close-time order, optionally for one version/source/period (closed from
    `since` to `until`, both included); `limit` keeps the oldest N, `newest` the newest N (read
    by the database: a page showing the last 1,000 of 20,000 trades reads 1,000)."""
    query = select(Trade)
    if version_id is not None:
        query = query.where(Trade.version_id == version_id)
    if source is not None:
        query = query.where(Trade.source == source)
    query = closed_between(query, Trade, since=since, until=until, newest=newest)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.scalars(query))
    if newest is not None:
        rows.reverse()
    return [
        LedgerTrade(
            r.ticket,
            r.symbol,
            r.side,
            r.open_time,
            r.close_time,
            _net(r),
            r.volume,
            r.version_id,
            r.confidence,
            r.source,
        )
        for r in rows
    ]


def logged_versions(session: Session, tickets: list[str]) -> dict[str, int | None]:
    """Ticket -> model version of the trades already logged under these tickets."""
    rows = session.execute(select(Trade.ticket, Trade.version_id).where(Trade.ticket.in_(tickets)))
    return {ticket: version_id for ticket, version_id in rows}


def log_trade_batch(session: Session, trades: list[TradeInput]) -> list[LoggedTrade]:
    """Many trades with three statements instead of three per trade; same rules as `log_trade`."""
    from sqlalchemy import Table, insert

    version_ids = {t.version_id for t in trades if t.version_id is not None}
    if version_ids:
        known = set(
            session.scalars(select(ModelVersion.id).where(ModelVersion.id.in_(version_ids)))
        )
        missing = sorted(version_ids - known)
        if missing:
            raise TradeError(f"trades name model version(s) {missing}, which do not exist")
    tickets = [t.ticket for t in trades]
    if len(set(tickets)) != len(tickets):
        raise TradeError("the batch repeats a ticket; tickets are unique")
    existing = {
        row.ticket: row for row in session.scalars(select(Trade).where(Trade.ticket.in_(tickets)))
    }
    fresh = [t for t in trades if t.ticket not in existing]
    if fresh:
        table: Table = Trade.__table__  # type: ignore[assignment]
        session.connection().execute(insert(table), [t.model_dump() for t in fresh])
    rows = session.execute(select(Trade.ticket, Trade.id).where(Trade.ticket.in_(tickets)))
    ids = {ticket: trade_id for ticket, trade_id in rows}
    out = []
    for trade in trades:
        row = existing.get(trade.ticket)
        if row is not None:
            changed = [f for f in _COMPARED if not _same(getattr(row, f), getattr(trade, f))]
            if changed:
                raise TicketConflictError(
                    f"ticket {trade.ticket} was already logged with different "
                    f"{', '.join(changed)}; tickets are unique"
                )
        out.append(
            LoggedTrade(
                ids[trade.ticket],
                trade.ticket,
                trade.version_id,
                trade.net_profit,
                "unchanged" if row is not None else "new",
            )
        )
    return out


def log_backtest_trades(
    session: Session, version_id: int, trades: pd.DataFrame | None, *, symbol: str, volume: float
) -> int:
    """Store a version's out-of-sample backtest trades (`engine.backtest` columns) one by one,
    with source "backtest": net = gross profit + commission, where commission is minus the
    trade's costs (spread, slippage and commission). Tickets are `backtest-v<id>-<entry bar>`."""
    from sqlalchemy import Table, insert

    rows = [
        TradeInput(
            ticket=f"backtest-v{version_id}-{int(t['entry_index'])}",
            symbol=symbol,
            side=t["side"],
            open_time=t["entry_time"],
            close_time=t["exit_time"],
            open_price=float(t["entry_price"]),
            close_price=float(t["exit_price"]),
            volume=volume,
            profit=float(t["gross_profit"]),
            commission=-float(t["costs"]),
            version_id=version_id,
            confidence=_confidence(t["confidence"]),
            source="backtest",
        ).model_dump()
        for t in ([] if trades is None else trades.to_dict("records"))
    ]
    if rows:
        table: Table = Trade.__table__  # type: ignore[assignment]
        session.connection().execute(insert(table), rows)
    return len(rows)


def _confidence(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(min(max(number, 0.0), 1.0), 4)


@dataclass(frozen=True)
class ResultSeries:
    """A version's closed-trade results in close-time order: what metrics need, nothing more."""

    net_profit: np.ndarray
    close_time: pd.DatetimeIndex

    def __len__(self) -> int:
        return len(self.net_profit)


def result_series(session: Session, version_id: int, *, source: str = "live") -> ResultSeries:
    """One columnar query (no ORM objects): fast enough for 100,000 trades. The close times
    come as stored (naive UTC) and are localised once for the column, not per row."""
    from engine.db.times import stored_utc, utc_index

    table = Trade.__table__
    query = (
        select(
            stored_utc(table.c.close_time),
            table.c.profit + table.c.commission + table.c.swap,
        )
        .where(table.c.version_id == version_id, table.c.source == source)
        .order_by(table.c.close_time, table.c.id)
    )
    import numpy as np
    import pandas as pd

    rows = session.connection().execute(query).all()
    if not rows:
        return ResultSeries(np.zeros(0), pd.DatetimeIndex([], tz="UTC"))
    times, profits = zip(*rows, strict=True)
    return ResultSeries(
        np.asarray(profits, dtype=float),
        utc_index(times),
    )


def series_metrics(
    series: ResultSeries,
    *,
    initial_equity: float,
    n_trials: int = 1,
    window: tuple[datetime, datetime] | None = None,
) -> dict[str, float]:
    """Every catalogue metric of a result series over its evaluated `window`."""
    from engine.metrics.summary import summarize

    return summarize(
        series.net_profit,
        series.close_time,
        initial_equity=initial_equity,
        window=window,
        n_trials=max(1, n_trials),
    ).as_dict()


def live_window(
    session: Session, version: ModelVersion, lineage: Lineage, series: ResultSeries
) -> tuple[datetime, datetime]:
    """The evaluated window of a version's live trades: from its first activation (else its
    registration; an earlier logged trade moves it back) to the later of its last trade and
    the last stored bar of its market while it served (now, if it is active; else until the
    pointer moved away from it)."""
    activated = session.scalar(
        select(func.min(ActivationEvent.created_at)).where(
            ActivationEvent.to_version_id == version.id, ActivationEvent.alias == "active"
        )
    )
    start = _aware(activated or version.created_at)
    serving = session.scalar(
        select(Alias.version_id).where(Alias.version_id == version.id, Alias.alias == "active")
    )
    stop = None
    if serving is None:
        moved = session.scalar(
            select(func.min(ActivationEvent.created_at)).where(
                ActivationEvent.from_version_id == version.id,
                ActivationEvent.alias == "active",
                ActivationEvent.created_at >= start,
            )
        )
        stop = _aware(moved) if activated is not None and moved is not None else start
    last_bar = session.scalar(
        select(func.max(Bar.ts)).where(
            Bar.symbol == lineage.symbol, Bar.timeframe == lineage.timeframe
        )
    )
    ends = []
    if last_bar is not None:
        ends.append(_aware(last_bar) if stop is None else min(_aware(last_bar), stop))
    if len(series):
        ends.append(series.close_time[-1].to_pydatetime())
        start = min(start, series.close_time[0].to_pydatetime())
    return start, max([start, *ends])


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
