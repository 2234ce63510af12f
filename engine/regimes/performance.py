"""A version's trades (live, backtest or shadow) by the regime at entry, from the stored bars."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast, get_args

import pandas as pd

from engine.regimes.breakdown import Dimension, metrics_by_regime
from engine.regimes.settings import RegimeSettings, regime_warmup

SOURCES = ("live", "backtest", "shadow")


def version_metrics_by_regime(
    desk: Any,
    ref: str | int,
    *,
    source: str = "live",
    by: str = "regime",
    start: datetime | None = None,
    end: datetime | None = None,
    settings: RegimeSettings | None = None,
) -> pd.DataFrame:
    """`metrics_by_regime` of a version's `source` trades closed in [start, end) (all when not
    given), tagged with the version's market's stored bars (from a warm-up before the first
    entry); the settings are the config's `regimes` section unless given."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if by not in get_args(Dimension):
        raise ValueError(f"by must be one of {', '.join(get_args(Dimension))}, not {by!r}")
    dimension = cast(Dimension, by)
    from engine.data.store import load_bars

    s = settings or desk.config().regimes
    version = desk.version(ref)
    listed = desk.shadow_trades(ref) if source == "shadow" else desk.trades(ref, source=source)
    trades = [
        t
        for t in listed
        if (start is None or t.close_time >= start) and (end is None or t.close_time < end)
    ]
    if not trades:
        return metrics_by_regime(trades, pd.DataFrame(), s, by=dimension)
    market = {"symbol": version.symbol, "timeframe": version.timeframe}
    first = min(t.open_time for t in trades)
    last = max(t.open_time for t in trades)
    with desk.db.session() as session:  # the warm-up: bars before the first entry, gaps or not
        lead = load_bars(session, **market, end=first, last=regime_warmup(s) + 2)
        begin = None if lead.empty else lead["time"].iloc[0].to_pydatetime()
        bars = load_bars(session, **market, start=begin, end=last)
    return metrics_by_regime(trades, bars, s, by=dimension)
