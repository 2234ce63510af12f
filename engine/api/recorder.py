"""The bars the trading side sends with its signal requests, stored: the desk's bar store
(shadow trading, drift, learning sessions) then sees the live feed the champion is served on,
not only what was imported. Off the request path: one writer thread, and per market only the
bars from the newest stored one on (that one again, in case it was still forming). Live bars
never join a series of generated (demo) bars: such a market is skipped, logged once and listed
in `skipped` (the bridge's health shows it); the signal is answered all the same."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from engine.api import models
from engine.data.origin import OriginConflictError
from engine.data.store import BARS, upsert_bars

log = logging.getLogger(__name__)
Market = tuple[str, str]


class BarRecorder:
    """Stores the newest bars of each signal request; `flush` waits for the writes."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk
        self._newest: dict[Market, int] = {}  # newest bar time handed to the writer, per market
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="aurum-api-bars")
        self._pending: list[Future[int]] = []
        self.stored = 0
        self.failures = 0
        self.skipped: dict[Market, str] = {}  # market -> why its live bars are not stored

    def offer(self, symbol: str, timeframe: str, bars: models.Bars) -> Future[int] | None:
        """Queue the request's bars from the newest one already stored on (None: nothing new)."""
        market = (symbol, timeframe)
        newest = int(bars.time[-1])
        with self._lock:
            known = self._newest.get(market)
            if known is not None and newest < known:
                return None  # an older window (a retry, a second EA): nothing newer to keep
            self._newest[market] = newest
            future = self._pool.submit(self._store, market, bars, known)
            self._pending = [f for f in self._pending if not f.done()] + [future]
            return future

    def flush(self, timeout: float = 30.0) -> None:
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _store(self, market: Market, bars: models.Bars, known: int | None) -> int:
        symbol, timeframe = market
        try:
            if known is None:
                known = self._stored_newest(symbol, timeframe)
            secs = np.asarray(bars.time, dtype=np.int64)
            keep = np.ones(len(secs), dtype=bool) if known is None else secs >= known
            if not keep.any():
                return 0
            frame = _frame(bars, keep)
            with self.desk.db.session(write=True) as s:
                counts = upsert_bars(
                    s,
                    frame,
                    symbol=symbol,
                    timeframe=timeframe,
                    origin="live",
                    home=self.desk.paths.root,
                )
            written = int(counts.new + counts.updated)
            self.stored += written
            self.skipped.pop(market, None)
            return written
        except OriginConflictError as refused:
            return self._skip(market, str(refused))
        except Exception:  # never the request's problem; the next request tries again
            self.failures += 1
            with self._lock:
                self._newest.pop(market, None)
            log.exception("storing the bars of a signal request for %s %s failed", *market)
            raise

    def _skip(self, market: Market, reason: str) -> int:
        """Store nothing for `market` (its series holds generated bars): say so once, and ask
        the series again next time (the demo may have been taken out meanwhile)."""
        with self._lock:
            self._newest.pop(market, None)
        if market not in self.skipped:
            log.warning("%s", reason)
        self.skipped[market] = reason
        return 0

    def _stored_newest(self, symbol: str, timeframe: str) -> int | None:
        with self.desk.db.session() as s:
            ts = s.scalar(
                select(func.max(BARS.c.ts)).where(
                    BARS.c.symbol == symbol, BARS.c.timeframe == timeframe
                )
            )
        if ts is None:
            return None
        stamp = pd.Timestamp(ts)
        return int((stamp if stamp.tzinfo else stamp.tz_localize("UTC")).timestamp())


def _frame(bars: models.Bars, keep: np.ndarray) -> pd.DataFrame:
    n = int(keep.sum())
    pick = np.flatnonzero(keep)

    def column(values: list[int] | None) -> pd.Series:
        if values is None:
            return pd.Series([pd.NA] * n, dtype="Int64")
        return pd.Series(np.asarray(values, dtype=np.int64)[pick], dtype="Int64")

    return pd.DataFrame(
        {
            "time": pd.to_datetime(np.asarray(bars.time, dtype=np.int64)[pick], unit="s", utc=True),
            "open": np.asarray(bars.open, dtype=np.float64)[pick],
            "high": np.asarray(bars.high, dtype=np.float64)[pick],
            "low": np.asarray(bars.low, dtype=np.float64)[pick],
            "close": np.asarray(bars.close, dtype=np.float64)[pick],
            "tick_volume": column(bars.tick_volume),
            "spread_points": column(bars.spread),
        }
    )
