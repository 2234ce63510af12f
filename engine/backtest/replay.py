"""Backtests on demand: a stored version replayed over stored bars, exactly as it paper-trades.

The replay is the shadow trader's (`engine.shadow.paper`): the version's own feature spec
rebuilt on the bars (with the warm-up bars before the window, so the first signal's features
equal those of the whole series), its class probabilities (`engine.learner.batch`, chunked on
both cores), its `min_confidence`, its triple-barrier exits, and the desk's cost model
(`costs.*`, as a learning session and shadow trading use it), one position at a time, entry at
the next bar's open. Only the costs can be changed for a run: `spread_points` (every trade
pays that spread instead of its bar's recorded one; the features still see the real bars),
`slippage_points`, `commission_per_lot`. Signals are taken at bars inside the window; a trade
whose exit the window's bars do not reach is not taken.

By default the window starts right after the version's training window, so a plain run is out
of sample; a window overlapping it is flagged in-sample with the bars it shares.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.backtest.costs import BacktestError, CostModel
from engine.backtest.runs import (
    BacktestRunInfo,
    as_mapping,
    create_run,
    get_run,
    store_result,
    update_run,
)
from engine.db.connection import Database
from engine.db.schema import utcnow

Progress = Callable[[str, float], None]
TICK = timedelta(microseconds=1)
COST_OVERRIDES = ("spread_points", "slippage_points", "commission_per_lot")


class BacktestRequest(BaseModel):
    """What to replay: a version, a window (UTC; None = from right after its training window /
    to the newest stored bar), a series (default: the version's own) and cost overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    start: datetime | None = None
    end: datetime | None = None
    symbol: str | None = Field(None, min_length=1, max_length=32)
    timeframe: str | None = Field(None, min_length=1, max_length=8)
    spread_points: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)
    slippage_points: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)
    commission_per_lot: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _window(self) -> BacktestRequest:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"the window ends ({self.end:%Y-%m-%d %H:%M}) before it starts")
        return self

    def overrides(self) -> dict[str, float]:
        """The cost settings this run changes (name → value)."""
        return {k: float(getattr(self, k)) for k in COST_OVERRIDES if getattr(self, k) is not None}


def backtest_request(version: str | int, **values: Any) -> BacktestRequest:
    """A validated request; a bad value is refused with its name and the reason."""
    try:
        return BacktestRequest(version=str(version), **values)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'window'}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in err.errors()
        )
        raise BacktestError(f"backtest refused: {problems}") from None


def window_bound(value: str | date | datetime | None, *, end: bool) -> datetime | None:
    """A window bound in UTC. A date means its whole day (from its 00:00, to its last
    microsecond); a time (`2026-03-02 14:30`, ISO 8601) is taken as given, UTC unless it
    carries an offset."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            side = "end (--to)" if end else "start (--from)"
            raise BacktestError(
                f"the window's {side} {text!r} is not a date (YYYY-MM-DD) or a time "
                "(YYYY-MM-DD HH:MM, UTC)"
            ) from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    day = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return day + timedelta(days=1) - TICK if end else day


def open_run(desk: Any, request: BacktestRequest, *, actor: str, status: str) -> int:
    """Check the request against the desk (version, model file, series, bars in the window) and
    store it as a run, queued for the worker or running here; returns its id."""
    version = desk.version(request.version)
    _check_replayable(version)
    symbol = request.symbol or version.symbol
    timeframe = (request.timeframe or version.timeframe).upper()
    if timeframe != version.timeframe.upper():
        raise BacktestError(
            f"{version.ref} trades {version.timeframe} bars: its features and exits are "
            f"defined in {version.timeframe} bars, so it cannot replay {timeframe} bars "
            f"(give --timeframe {version.timeframe} or leave it out)"
        )
    own = (symbol, timeframe) == (version.symbol, version.timeframe)
    start = request.start
    if start is None and own and version.train_end is not None:
        start = version.train_end + TICK  # out of sample by default
    _require_bars(desk, version.ref, symbol, timeframe, start, request.end)
    costs = _costs(desk.config(), request.overrides())
    with desk.db.session(write=True) as s:
        return create_run(
            s,
            status=status,
            version_id=version.id,
            symbol=symbol,
            timeframe=timeframe,
            window_start=start,
            window_end=request.end,
            overrides_json=request.overrides(),
            costs_json=costs,
            requested_by=actor,
            message="waiting for the background worker" if status == "queued" else "starting",
        )


def run_replay(desk: Any, run_id: int, *, progress: Progress | None = None) -> BacktestRunInfo:
    """Replay a stored run now. Its trades and metrics are written in one transaction at the
    end; a failure marks the run failed with the reason (no trade stored) and is raised."""
    tracker = _RunProgress(desk.db, run_id, progress)
    try:
        _replay(desk, run_id, tracker)
    except BaseException as err:  # Ctrl-C too: a run never stays "running" after its process
        reason = "interrupted" if isinstance(err, KeyboardInterrupt) else str(err)
        update_run(
            desk.db, run_id, status="failed", error=reason or type(err).__name__,
            message=f"failed: {reason}", finished_at=utcnow(),
        )  # fmt: skip
        raise
    with desk.db.session() as s:
        return get_run(s, run_id)


def _replay(desk: Any, run_id: int, tracker: _RunProgress) -> None:
    from engine.shadow.paper import paper_signals, signal_trades

    with desk.db.session() as s:
        run = get_run(s, run_id)
    tracker.stage("loading the model (verified)", 0.02)
    model, info = desk.registry.load_model(run.version_id)
    tracker.stage(f"loading {run.symbol} {run.timeframe} bars", 0.05)
    bars, first = window_bars(desk, info, run)
    times = bars["time"].iloc[first:]
    shared = in_sample_bars(times, info, run.symbol, run.timeframe)
    update_run(
        desk.db, run_id, first_bar=times.iloc[0].to_pydatetime(),
        last_bar=times.iloc[-1].to_pydatetime(), bars=len(times), in_sample_bars=shared,
    )  # fmt: skip
    tracker.stage("features and predictions", 0.1)

    def predicted(done: int, total: int) -> None:
        tracker.report(f"predicting: {done:,} of {total:,} bars", 0.1 + 0.75 * done / total)

    signals, confidence = paper_signals(model, info, bars, first, done=predicted)
    tracker.stage("trades", 0.87)
    costs = CostModel.from_mapping(run.costs)
    trades = signal_trades(
        info, bars, signals, confidence, costs=costs,
        spread_points=run.overrides.get("spread_points"),
    )  # fmt: skip
    metrics = run_metrics(
        trades,
        window=(times.iloc[0].to_pydatetime(), times.iloc[-1].to_pydatetime()),
        initial_equity=desk.config().account.initial_balance,
        n_trials=desk.trial_count(),
    )
    tracker.stage(f"storing {len(trades):,} trades", 0.95)
    with desk.db.session(write=True) as s:
        store_result(
            s, run_id, trades, status="succeeded", trades=len(trades),
            metrics_json=as_mapping(metrics), stage="", percent=100.0, finished_at=utcnow(),
            message=f"{len(trades):,} trades over {len(times):,} bars",
        )  # fmt: skip
    tracker.done()


def run_metrics(
    trades: pd.DataFrame,
    *,
    window: tuple[datetime, datetime],
    initial_equity: float,
    n_trials: int,
) -> dict[str, float]:
    """The run's metrics: `engine.metrics.summarize` over its trades in close-time order.
    `window` is the evaluated window (first and last bar): summarize does not take it yet;
    once it does (Sharpe over every trading day of the window), it is passed on here."""
    from engine.metrics.summary import summarize

    ordered = trades.sort_values("exit_time", kind="stable")
    return summarize(
        ordered["net_profit"].to_numpy(dtype=float),
        pd.DatetimeIndex(ordered["exit_time"]),
        initial_equity=initial_equity,
        n_trials=max(1, n_trials),
    ).as_dict()


def window_bars(desk: Any, info: Any, run: BacktestRunInfo) -> tuple[pd.DataFrame, int]:
    """The window's bars after the warm-up bars the version's features need before them, and
    the position of the window's first bar."""
    from engine.data.bulk import load_bars_bulk
    from engine.shadow.paper import lead_bars

    sym, tf = run.symbol, run.timeframe
    with desk.db.session() as s:
        body = load_bars_bulk(
            s, symbol=sym, timeframe=tf, start=run.window_start, end=run.window_end
        )
        if body.empty:
            raise BacktestError(_no_bars(run.version_ref, sym, tf))
        first_time = run.window_start or body["time"].iloc[0].to_pydatetime()
        lead = load_bars_bulk(
            s, symbol=sym, timeframe=tf, end=first_time - TICK, last=lead_bars(info)
        )
    return pd.concat([lead, body], ignore_index=True), len(lead)


def in_sample_bars(times: pd.Series, info: Any, symbol: str, timeframe: str) -> int:
    """How many of the run's bars lie inside the version's training window (its own series
    only: another symbol's bars were never trained on)."""
    if (symbol, timeframe) != (info.symbol, info.timeframe) or info.train_start is None:
        return 0
    inside = (times >= pd.Timestamp(info.train_start)) & (times <= pd.Timestamp(info.train_end))
    return int(inside.sum())


def _check_replayable(version: Any) -> None:
    if not version.artifact_path:
        raise BacktestError(f"{version.ref} has no model file (status {version.status})")
    details = version.details or {}
    if "feature_spec" not in details or not details.get("labels"):
        raise BacktestError(
            f"{version.ref} was not trained by a learning session (no feature spec or exits "
            "recorded): it cannot be replayed"
        )


def _require_bars(desk: Any, ref: str, symbol: str, timeframe: str, start: Any, end: Any) -> None:
    from engine.data.store import END_OF_TIME, count_bars

    lowest = datetime(1970, 1, 1, tzinfo=UTC)
    with desk.db.session() as s:
        found = count_bars(
            s, symbol=symbol, timeframe=timeframe, start=start or lowest, end=end or END_OF_TIME
        )
    if not found:
        raise BacktestError(_no_bars(ref, symbol, timeframe, start, end))


def _no_bars(ref: str, symbol: str, timeframe: str, start: Any = None, end: Any = None) -> str:
    frm = f" from {start:%Y-%m-%d %H:%M}" if start else ""
    to = f" to {end:%Y-%m-%d %H:%M}" if end else ""
    utc = " UTC" if start or end else ""
    return (
        f"no {symbol} {timeframe} bars stored{frm}{to}{utc} to replay {ref} on: import newer "
        "bars (`aurum import-bars`) or give another window with --from/--to (a window inside "
        "the training window is flagged in-sample)"
    )


def _costs(cfg: Any, overrides: dict[str, float]) -> dict[str, float]:
    """The desk's cost model (`costs.*`) with the run's overrides; a fixed spread is also the
    default spread."""
    from engine.learner.dataset import cost_model

    values = {k: float(v) for k, v in vars(cost_model(cfg)).items()}
    if "spread_points" in overrides:
        values["default_spread_points"] = overrides["spread_points"]
    for key in ("slippage_points", "commission_per_lot"):
        if key in overrides:
            values[key] = overrides[key]
    CostModel.from_mapping(values)  # refused here, before anything runs, when out of range
    return values


class _RunProgress:
    """Reports (stage, fraction) to the callback and, at most twice a second, to the run."""

    def __init__(self, db: Database, run_id: int, callback: Progress | None) -> None:
        self.db, self.run_id, self.callback = db, run_id, callback
        self._stage, self._last_write = "", 0.0

    def stage(self, name: str, fraction: float) -> None:
        self._stage = name
        self.report(name, fraction, force=True)

    def report(self, message: str, fraction: float, *, force: bool = False) -> None:
        if self.callback:
            self.callback(message, fraction)
        now = time.perf_counter()
        if force or now - self._last_write > 0.5:
            percent = round(100.0 * min(1.0, max(0.0, fraction)), 1)
            update_run(self.db, self.run_id, stage=self._stage, percent=percent, message=message)
            self._last_write = now

    def done(self) -> None:
        if self.callback:
            self.callback("done", 1.0)
