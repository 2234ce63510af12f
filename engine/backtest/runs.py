"""The `backtest_runs` and `backtest_trades` tables: backtests on demand and their own trades.

A run is created queued (the page) or running (the CLI), reports progress while it replays,
and ends succeeded with its trades and metrics written in one transaction, or failed with the
reason and no trade at all. Its trades (source "manual backtest") live only here: never in the
ledger, never among the version's out-of-sample or paper trades. ORM rows stay in here.
"""

from __future__ import annotations

import json
import math
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from engine.db.connection import Database
from engine.db.schema import BacktestRun, BacktestTrade, Lineage, ModelVersion, utcnow
from engine.errors import NotFoundError
from engine.ledger import ResultSeries

TRADES: Table = BacktestTrade.__table__  # type: ignore[assignment]
SOURCE = "manual backtest"
FINAL = ("succeeded", "failed")


@dataclass(frozen=True)
class BacktestRunInfo:
    """A backtest run as the trader sees it. `in_sample_bars` of its `bars` lie inside the
    version's training window (`train_start` → `train_end`): results there flatter it."""

    id: int
    version_id: int
    version_ref: str
    symbol: str
    timeframe: str
    window_start: datetime | None
    window_end: datetime | None
    first_bar: datetime | None
    last_bar: datetime | None
    bars: int
    in_sample: bool
    in_sample_bars: int
    in_sample_percent: float
    train_start: datetime | None
    train_end: datetime | None
    overrides: dict[str, float]
    costs: dict[str, float]
    requested_by: str
    status: str
    stage: str
    percent: float
    message: str
    error: str
    metrics: dict[str, float | None]
    trades: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    warning: str

    @property
    def finished(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class BacktestTradeRecord:
    """One trade of a backtest run; `net_profit` = gross - costs (spread, slippage, commission)."""

    side: str
    open_time: datetime
    close_time: datetime
    open_price: float
    close_price: float
    gross_profit: float
    costs: float
    net_profit: float
    confidence: float | None
    exit_reason: str


def in_sample_warning(ref: str, in_sample_bars: int, bars: int, train: tuple[Any, Any]) -> str:
    """The loud line about a run overlapping its version's training window ('' when not)."""
    if in_sample_bars <= 0:
        return ""
    start, end = (f"{t:%Y-%m-%d %H:%M}" if t else "?" for t in train)
    return (
        f"IN-SAMPLE: {in_sample_bars:,} of the run's {bars:,} bars "
        f"({100.0 * in_sample_bars / max(bars, 1):.1f} %) lie inside {ref}'s training window "
        f"({start} → {end} UTC); the model has seen them, so these results flatter it"
    )


def _info(run: BacktestRun, version: ModelVersion, lineage: Lineage) -> BacktestRunInfo:
    ref = f"{lineage.name}:v{version.version}"
    train = (version.train_start, version.train_end)
    share = 100.0 * run.in_sample_bars / run.bars if run.bars else 0.0
    return BacktestRunInfo(
        id=run.id,
        version_id=run.version_id,
        version_ref=ref,
        symbol=run.symbol,
        timeframe=run.timeframe,
        window_start=run.window_start,
        window_end=run.window_end,
        first_bar=run.first_bar,
        last_bar=run.last_bar,
        bars=run.bars,
        in_sample=run.in_sample_bars > 0,
        in_sample_bars=run.in_sample_bars,
        in_sample_percent=round(share, 2),
        train_start=train[0],
        train_end=train[1],
        overrides=json.loads(run.overrides_json or "{}"),
        costs=json.loads(run.costs_json or "{}"),
        requested_by=run.requested_by,
        status=run.status,
        stage=run.stage,
        percent=run.percent,
        message=run.message,
        error=run.error,
        metrics=_numbers(json.loads(run.metrics_json or "{}")),
        trades=run.trades,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        warning=in_sample_warning(ref, run.in_sample_bars, run.bars, train),
    )


def _numbers(stored: Mapping[str, Any]) -> dict[str, float | None]:
    """Stored metrics back as numbers ("inf"/"-inf" were kept as text, nan as null)."""
    return {k: float(v) if isinstance(v, str) else v for k, v in stored.items()}


def _runs_query() -> Any:
    return (
        select(BacktestRun, ModelVersion, Lineage)
        .join(ModelVersion, ModelVersion.id == BacktestRun.version_id)
        .join(Lineage, Lineage.id == ModelVersion.lineage_id)
    )


def create_run(session: Session, *, status: str, **values: Any) -> int:
    """A new run (queued for the worker, or running in this process); returns its id."""
    row = BacktestRun(
        status=status,
        runner=runner_name() if status == "running" else None,
        started_at=utcnow() if status == "running" else None,
        **{k: json.dumps(v) if k.endswith("_json") else v for k, v in values.items()},
    )
    session.add(row)
    session.flush()
    return int(row.id)


def update_run(db: Database, run_id: int, **values: Any) -> None:
    """Set columns of a run in their own transaction (progress, failure); *_json values are
    serialised and text is cut to its column's length."""
    columns = BacktestRun.__table__.columns
    with db.session(write=True) as s:
        row = s.get(BacktestRun, run_id)
        if row is None:
            raise NotFoundError(f"backtest run #{run_id} does not exist")
        for key, value in values.items():
            if key.endswith("_json") and not isinstance(value, str):
                value = json.dumps(value, default=str)
            length = getattr(columns[key].type, "length", None)
            if isinstance(value, str) and length:
                value = value[:length]
            setattr(row, key, value)


def store_result(session: Session, run_id: int, frame: pd.DataFrame, **values: Any) -> None:
    """The run's trades (a trade frame) and its final columns, in the caller's transaction:
    all or nothing."""
    row = session.get(BacktestRun, run_id)
    if row is None:
        raise NotFoundError(f"backtest run #{run_id} does not exist")
    if len(frame):
        insert_trades(session.connection(), run_id, row.version_id, frame)
    for key, value in values.items():
        setattr(row, key, json.dumps(value, default=str) if key.endswith("_json") else value)


TRADE_COLUMNS = (
    "run_id", "version_id", "source", "side", "open_time", "close_time", "open_price",
    "close_price", "gross_profit", "costs", "profit", "confidence", "exit_reason",
)  # fmt: skip


def insert_trades(
    connection: Connection, run_id: int, version_id: int, trades: pd.DataFrame
) -> None:
    """Insert a trade frame with the driver's own executemany: values arrive in the database's
    form (times as SQLite's text or PostgreSQL's naive UTC timestamps), so no per-row work is
    left to SQLAlchemy (its parameter processing took about 30 µs a trade: 3 s for 100,000)."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {TRADES.name} ({', '.join(TRADE_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(TRADE_COLUMNS))})"
    )
    as_text = connection.dialect.name == "sqlite"
    connection.exec_driver_sql(sql, trade_values(run_id, version_id, trades, as_text=as_text))


def trade_values(
    run_id: int, version_id: int, trades: pd.DataFrame, *, as_text: bool
) -> list[tuple[Any, ...]]:
    """Rows of `backtest_trades` (in `TRADE_COLUMNS` order) from a trade frame (`engine.backtest`
    columns); times in UTC as SQLAlchemy keeps them on SQLite (`as_text`), else naive."""

    def times(column: str) -> list[Any]:
        utc = pd.DatetimeIndex(trades[column]).tz_convert(UTC).tz_localize(None)
        if not as_text:
            return list(utc.to_pydatetime())
        iso = np.datetime_as_string(utc.to_numpy(dtype="datetime64[us]"), unit="us")
        return list(np.char.replace(iso, "T", " ").tolist())  # 2026-03-02 10:05:00.000000

    confidence = np.clip(trades["confidence"].to_numpy(dtype=float), 0.0, 1.0).round(4)
    n = len(trades)
    return list(
        zip(
            [run_id] * n,
            [version_id] * n,
            [SOURCE] * n,
            trades["side"].astype(str).tolist(),
            times("entry_time"),
            times("exit_time"),
            *(trades[c].to_numpy(dtype=float).tolist() for c in _MONEY),
            [None if math.isnan(c) else c for c in confidence.tolist()],
            trades["exit_reason"].astype(str).str.slice(0, 16).tolist(),
            strict=True,
        )
    )


_MONEY = ("entry_price", "exit_price", "gross_profit", "costs", "net_profit")


def get_run(session: Session, run_id: int) -> BacktestRunInfo:
    row = session.execute(_runs_query().where(BacktestRun.id == run_id)).first()
    if row is None:
        raise NotFoundError(
            f"backtest run #{run_id} does not exist: `aurum backtests` lists the stored runs"
        )
    return _info(*row)


def list_runs(
    session: Session, *, version_id: int | None = None, limit: int = 50
) -> list[BacktestRunInfo]:
    """The newest runs first (of one version when given)."""
    query = _runs_query()
    if version_id is not None:
        query = query.where(BacktestRun.version_id == version_id)
    rows = session.execute(query.order_by(BacktestRun.id.desc()).limit(limit)).all()
    return [_info(*row) for row in rows]


def run_results(session: Session, run_id: int) -> ResultSeries:
    """The run's net results (after costs) and close times, in close-time order."""
    rows = session.execute(
        select(TRADES.c.close_time, TRADES.c.profit)
        .where(TRADES.c.run_id == run_id)
        .order_by(TRADES.c.close_time, TRADES.c.id)
    ).all()
    if not rows:
        return ResultSeries(np.zeros(0), pd.DatetimeIndex([], tz="UTC"))
    times, profits = zip(*rows, strict=True)
    return ResultSeries(np.asarray(profits, dtype=float), pd.DatetimeIndex(list(times)))


def run_trades(
    session: Session, run_id: int, *, limit: int | None = None
) -> list[BacktestTradeRecord]:
    """The run's trades in close-time order (the first `limit` when given)."""
    query = (
        select(BacktestTrade)
        .where(BacktestTrade.run_id == run_id)
        .order_by(BacktestTrade.close_time, BacktestTrade.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        BacktestTradeRecord(
            r.side,
            r.open_time,
            r.close_time,
            r.open_price,
            r.close_price,
            r.gross_profit,
            r.costs,
            r.profit,
            r.confidence,
            r.exit_reason,
        )
        for r in session.scalars(query)
    ]


def claim_next(db: Database) -> int | None:
    """Mark the oldest queued run running (in this process) and return its id."""
    with db.session(write=True) as s:
        row = s.scalars(
            select(BacktestRun)
            .where(BacktestRun.status == "queued")
            .order_by(BacktestRun.id)
            .limit(1)
            .with_for_update()
        ).first()
        if row is None:
            return None
        row.status, row.started_at, row.runner = "running", utcnow(), runner_name()
        row.message = "picked up by the worker"
        return int(row.id)


def runner_name() -> str:
    """This process as a run's runner: host:pid (the form of the services lease)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def close_interrupted(db: Database, *, dead_holder: str | None, by: str) -> list[int]:
    """Runs left running by a process that is gone (the dead services holder, or a pid on this
    host that no longer exists) are closed as failed; they never finish on their own."""
    closed = []
    with db.session(write=True) as s:
        for row in s.scalars(select(BacktestRun).where(BacktestRun.status == "running")):
            if row.runner == dead_holder or _gone(row.runner):
                row.status, row.finished_at = "failed", utcnow()
                row.error = row.error or "interrupted: the process running it stopped"
                row.message = f"interrupted (marked failed by {by})"
                closed.append(int(row.id))
    return closed


def _gone(runner: str | None) -> bool:
    """Whether a runner on this host (host:pid) has no process any more."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def as_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy (nan → None, inf → "inf") of a metrics mapping, for storing."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            out[key] = None if math.isnan(value) else ("inf" if value > 0 else "-inf")
        else:
            out[key] = value
    return out
