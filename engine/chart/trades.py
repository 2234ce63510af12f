"""The trades a price chart can show, by source: one registry, so another kind of trade plugs in
with `register_source` and every chart and trade list offers it. A stored backtest run (`aurum
backtest`, the Models page's Backtest section) is a source of its own, named `run:ID`: its trades
are never mixed with the version's out-of-sample, live or paper trades.

Each source reads a version's trades closed in a time range (or its newest ones) through an index
on (version, close time), as `ChartTrade`s: the same fields whatever table they come from. How
each source's stop-loss and take-profit are recomputed is said by its `levels`:

* "simulated": the trade was simulated with the version's exits (backtest, shadow): its levels
  are the barriers the simulation used (entry bar's open quote, distances at the signal bar);
* "served": a real trade (live): nothing stored, so the levels shown are those the version's
  signal carried at the signal bar (`engine.learner.predict`), recomputed and labelled as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.schema import BacktestTrade, ShadowTrade, Trade
from engine.errors import AurumError

Levels = Literal["simulated", "served"]


@dataclass(frozen=True)
class ChartTrade:
    """One closed trade as the price chart and the trade list show it. Money in the account
    currency: `costs` is what the trade paid (commission, swap; for simulated trades also spread
    and slippage), `net_profit` the result after them. `take_profit` / `stop_loss` are filled in
    by `engine.chart.levels` (None when they cannot be worked out)."""

    source: str
    key: str
    side: str  # "buy" | "sell"
    open_time: datetime
    close_time: datetime
    open_price: float | None
    close_price: float | None
    volume: float | None
    gross_profit: float
    costs: float
    net_profit: float
    confidence: float | None
    exit_reason: str = ""
    take_profit: float | None = None
    stop_loss: float | None = None
    spread_paid: float | None = None

    @property
    def won(self) -> bool:
        return self.net_profit > 0

    def with_levels(
        self, take_profit: float | None, stop_loss: float | None, spread_paid: float | None
    ) -> ChartTrade:
        return replace(self, take_profit=take_profit, stop_loss=stop_loss, spread_paid=spread_paid)


Reader = Callable[[Session, int, datetime | None, datetime | None, int | None], list[ChartTrade]]


@dataclass(frozen=True)
class TradeSource:
    """A kind of trade: its name (the key), the legend label, how its levels are recomputed and
    how its trades are read: `read(session, version_id, start, end, limit)` gives the trades
    closed in [start, end] (either may be None), the newest `limit` of them, in close order."""

    name: str
    label: str
    levels: Levels
    read: Reader


TRADE_SOURCES: dict[str, TradeSource] = {}


def register_source(source: TradeSource) -> TradeSource:
    """Add (or replace) a trade source; the charts and trade lists offer it from then on."""
    TRADE_SOURCES[source.name] = source
    return source


RUN_PREFIX = "run:"


def run_source_name(run_id: int) -> str:
    """The trade source of one stored backtest run."""
    return f"{RUN_PREFIX}{run_id}"


def trade_source(name: str) -> TradeSource:
    found = TRADE_SOURCES.get(name)
    if found is None and name.startswith(RUN_PREFIX) and name[len(RUN_PREFIX) :].isdigit():
        run_id = int(name[len(RUN_PREFIX) :])
        return TradeSource(name, f"manual backtest #{run_id}", "simulated", _run_reader(run_id))
    if found is None:
        known = ", ".join([*TRADE_SOURCES, f"{RUN_PREFIX}ID (a stored backtest run)"])
        raise AurumError(f"no trade source {name!r}; the sources are: {known}")
    return found


def source_label(name: str) -> str:
    """The legend label of a source name (the name itself when it is none)."""
    try:
        return trade_source(name).label
    except AurumError:
        return name


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _closed_in(
    session: Session,
    table: Any,
    query: Any,
    start: datetime | None,
    end: datetime | None,
    limit: int | None,
) -> list[Any]:
    """The rows of `query` on `table` closed in [start, end], the newest `limit`, in close order
    (read newest first through the (version, close time) index, then turned round)."""
    if start is not None:
        query = query.where(table.close_time >= start)
    if end is not None:
        query = query.where(table.close_time <= end)
    query = query.order_by(table.close_time.desc(), table.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))[::-1]


def _ledger_reader(kind: str) -> Reader:
    """Trades of the ledger with `source` = kind (live, backtest)."""

    def read(
        session: Session,
        version_id: int,
        start: datetime | None,
        end: datetime | None,
        limit: int | None,
    ) -> list[ChartTrade]:
        query = select(Trade).where(Trade.version_id == version_id, Trade.source == kind)
        rows = _closed_in(session, Trade, query, start, end, limit)
        return [
            ChartTrade(
                source=kind,
                key=r.ticket,
                side=r.side,
                open_time=_utc(r.open_time),
                close_time=_utc(r.close_time),
                open_price=r.open_price,
                close_price=r.close_price,
                volume=r.volume,
                gross_profit=r.profit,
                costs=-(r.commission + r.swap),
                net_profit=r.profit + r.commission + r.swap,
                confidence=r.confidence,
            )
            for r in rows
        ]

    return read


def _read_shadow(
    session: Session,
    version_id: int,
    start: datetime | None,
    end: datetime | None,
    limit: int | None,
) -> list[ChartTrade]:
    """Paper trades of the version (`shadow_trades`): profit there is already after costs."""
    query = select(ShadowTrade).where(ShadowTrade.version_id == version_id)
    return [
        ChartTrade(
            source="shadow",
            key=f"shadow-{r.id}",
            side=r.side,
            open_time=_utc(r.open_time),
            close_time=_utc(r.close_time),
            open_price=r.open_price,
            close_price=r.close_price,
            volume=None,
            gross_profit=float("nan"),  # not stored: the paper trade keeps its net only
            costs=float("nan"),
            net_profit=r.profit,
            confidence=r.confidence,
            exit_reason=r.exit_reason,
        )
        for r in _closed_in(session, ShadowTrade, query, start, end, limit)
    ]


def _run_reader(run_id: int) -> Reader:
    """Trades of one stored backtest run (of that version only): gross, costs and net stored."""
    name = run_source_name(run_id)

    def read(
        session: Session,
        version_id: int,
        start: datetime | None,
        end: datetime | None,
        limit: int | None,
    ) -> list[ChartTrade]:
        query = select(BacktestTrade).where(
            BacktestTrade.run_id == run_id, BacktestTrade.version_id == version_id
        )
        return [
            ChartTrade(
                source=name,
                key=f"{name}-{r.id}",
                side=r.side,
                open_time=_utc(r.open_time),
                close_time=_utc(r.close_time),
                open_price=r.open_price,
                close_price=r.close_price,
                volume=None,
                gross_profit=r.gross_profit,
                costs=r.costs,
                net_profit=r.profit,
                confidence=r.confidence,
                exit_reason=r.exit_reason,
            )
            for r in _closed_in(session, BacktestTrade, query, start, end, limit)
        ]

    return read


register_source(TradeSource("live", "live trades", "served", _ledger_reader("live")))
register_source(
    TradeSource("backtest", "backtest (out of sample)", "simulated", _ledger_reader("backtest"))
)
register_source(TradeSource("shadow", "shadow (paper, live bars)", "simulated", _read_shadow))
