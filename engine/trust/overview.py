"""Everything the Overview's "can I trust it today?" panel shows, read from stored figures: the
verdict, the live results against the backtest's band, the last signal served and how old the
newest stored bar is. Indexed reads only (a version's trades, one bar), no model is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.data.timeframes import timeframe_seconds
from engine.db.schema import Bar
from engine.learner.served import FILE_NAME, ServedSignal, read_last_signals
from engine.trust.band import ExpectedBand, expected_band
from engine.trust.verdict import TrustFigures, Verdict, verdict


@dataclass(frozen=True)
class TrustReport:
    """The verdict and what backs it. `last_bar` is the open time of the newest stored bar of the
    version's series; `last_bar_age` counts from that bar's close to `checked_at`."""

    verdict: Verdict
    figures: TrustFigures
    band: ExpectedBand | None
    last_signal: ServedSignal | None
    last_bar: datetime | None
    bar_length: timedelta
    checked_at: datetime
    currency: str
    initial_balance: float

    @property
    def last_bar_age(self) -> timedelta | None:
        if self.last_bar is None:
            return None
        return self.checked_at - (self.last_bar + self.bar_length)


def trust_report(desk: Any, ref: str | int, *, now: datetime) -> TrustReport:
    """The trust panel of version `ref` (the active one, on the Overview) as of `now`."""
    info = desk.version(ref)
    cfg = desk.config()
    live = desk.live_results(info.id)
    backtest = desk.backtest_results(info.id)
    metrics = info.metrics or {}
    dsr = metrics.get("dsr")
    trials = metrics.get("dsr_trials")  # recorded with the DSR when the metrics record it
    figures = TrustFigures(
        version_ref=info.ref,
        dsr=None if dsr is None else float(dsr),
        trials=int(trials) if trials else desk.trial_count(),
        backtest_results=backtest.net_profit,
        live_results=live.net_profit,
        live_times=live.close_time,
        min_live_trades=cfg.selection.min_live_trades,
    )
    signals = read_last_signals(desk.paths.models_dir / FILE_NAME)
    return TrustReport(
        verdict=verdict(figures),
        figures=figures,
        band=expected_band(backtest.net_profit, len(live)),
        last_signal=signals.get(info.lineage),
        last_bar=newest_bar(desk, info.symbol, info.timeframe),
        bar_length=timedelta(seconds=timeframe_seconds(info.timeframe)),
        checked_at=now,
        currency=cfg.account.currency,
        initial_balance=cfg.account.initial_balance,
    )


def newest_bar(desk: Any, symbol: str, timeframe: str) -> datetime | None:
    """Open time of the newest stored bar of a series (one seek on the bars' primary key)."""
    with desk.db.session() as s:
        return s.scalar(
            select(Bar.ts)
            .where(Bar.symbol == symbol, Bar.timeframe == timeframe)
            .order_by(Bar.ts.desc())
            .limit(1)
        )
