"""The bars the trading side sends with its signal requests, stored: the desk's bar store
(shadow trading, drift, learning sessions) then sees the live feed the champion is served on,
not only what was imported. The request thread only notes, per market, the bars from the newest
one handed over on (that one again, in case it was still forming); a writer thread stores what
was noted every `FLUSH_SECONDS` in one transaction, and `close` stores the rest. What is stored
is what storing each request on its own, in order, stored. Live bars never join a series of
generated (demo) bars: such a market is skipped, logged once and listed in `skipped` (the
bridge's health shows it); the signal is answered all the same."""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from engine.api import models

log = logging.getLogger(__name__)
Market = tuple[str, str]
Values = tuple[Any, ...]  # open, high, low, close, tick_volume, spread (None when not sent)
FLUSH_SECONDS = 0.5
_COLUMNS = ("open", "high", "low", "close", "tick_volume", "spread")


@dataclass(frozen=True)
class _Offer:
    """One request's bars worth storing: columns from `start` on; `fresh` when nothing was
    handed over for the market before it (the stored series decides where to start)."""

    market: Market
    bars: models.Bars
    start: int
    fresh: bool


class BarRecorder:
    """Stores the newest bars of each signal request, batched off the request thread."""

    def __init__(self, desk: Any, *, interval: float | None = None) -> None:
        self.desk = desk
        self.interval = FLUSH_SECONDS if interval is None else interval
        self._newest: dict[Market, int] = {}  # newest bar time handed to the writer, per market
        self._lock = threading.Lock()  # guards _newest and _queue (held for microseconds)
        self._writing = threading.Lock()  # one batch written at a time
        self._queue: list[_Offer] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stored = 0
        self.failures = 0
        self.skipped: dict[Market, str] = {}  # market -> why its live bars are not stored

    def offer(self, symbol: str, timeframe: str, bars: models.Bars) -> bool:
        """Note the request's bars from the newest one already handed over on (False: nothing
        newer, an older window from a retry or a second EA). No database work here."""
        market = (symbol, timeframe)
        times = bars.time
        with self._lock:
            known = self._newest.get(market)
            if known is not None and times[-1] < known:
                return False
            self._newest[market] = times[-1]
            start = 0 if known is None else bisect_left(times, known)
            self._queue.append(_Offer(market, bars, start, known is None))
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="aurum-api-bars", daemon=True
                )
                self._thread.start()
        return True

    def flush(self) -> None:
        """Store everything noted so far, now (on the caller's thread)."""
        with self._writing:
            with self._lock:
                batch, self._queue = self._queue, []
            markets: dict[Market, list[_Offer]] = {}
            for offer in batch:
                markets.setdefault(offer.market, []).append(offer)
            for market, offers in markets.items():
                self._store(market, offers)

    def close(self) -> None:
        """Stop the writer and store what is still noted (the server calls it on shutdown)."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def _store(self, market: Market, offers: list[_Offer]) -> int:
        from engine.data.origin import OriginConflictError
        from engine.data.store import upsert_bars

        symbol, timeframe = market
        try:
            rounds = _rounds(offers, lambda: self._stored_newest(symbol, timeframe))
            written = 0
            if not rounds:
                return 0
            with self.desk.db.session(write=True) as s:
                for rows in rounds:  # a bar sent with several values gets them in order
                    counts = upsert_bars(
                        s,
                        _frame(rows),
                        symbol=symbol,
                        timeframe=timeframe,
                        origin="live",
                        home=self.desk.paths.root,
                    )
                    written += int(counts.new + counts.updated)
            self.stored += written
            self.skipped.pop(market, None)
            return written
        except OriginConflictError as refused:
            return self._skip(market, str(refused))
        except Exception:  # never the request's problem; the next request tries again
            self.failures += 1
            with self._lock:
                self._newest.pop(market, None)
            log.exception("storing the bars of signal requests for %s %s failed", *market)
            return 0

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
        import pandas as pd
        from sqlalchemy import func, select

        from engine.data.store import BARS

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


def _rounds(offers: list[_Offer], stored_newest: Any) -> list[list[tuple[int, Values]]]:
    """The offers' bars as rounds of (time, values), each time at most once per round: round k
    holds the k-th distinct value a bar was sent with, so upserting the rounds in order does
    what upserting each request in turn did (a repeat of the same values changes nothing). A
    fresh offer starts at the newest bar stored or kept before it, as its own write would."""
    sent: dict[int, list[Values]] = {}
    newest: int | None = None  # newest bar kept so far in this batch
    base: list[int | None] = []  # the stored series' newest bar, read once when needed
    for offer in offers:
        bars, start = offer.bars, offer.start
        if offer.fresh:
            if not base:
                base.append(stored_newest())
            floor = max((t for t in (base[0], newest) if t is not None), default=None)
            start = 0 if floor is None else bisect_left(bars.time, floor)
        columns = [getattr(bars, name) for name in _COLUMNS]
        for i in range(start, len(bars.time)):
            values = tuple(None if column is None else column[i] for column in columns)
            seen = sent.setdefault(bars.time[i], [])
            if not seen or seen[-1] != values:
                seen.append(values)
        if start < len(bars.time):
            newest = bars.time[-1] if newest is None else max(newest, bars.time[-1])
    depth = max((len(values) for values in sent.values()), default=0)
    ordered = sorted(sent.items())
    return [[(t, values[k]) for t, values in ordered if len(values) > k] for k in range(depth)]


def _frame(rows: list[tuple[int, Values]]) -> Any:
    """Rows as the importer's frame (UTC times, floats, nullable integer volume and spread)."""
    import numpy as np
    import pandas as pd

    values = [v for _, v in rows]
    return pd.DataFrame(
        {
            "time": pd.to_datetime(
                np.array([t for t, _ in rows], dtype=np.int64), unit="s", utc=True
            ),
            **{
                name: np.array([v[k] for v in values], dtype=np.float64)
                for k, name in enumerate(("open", "high", "low", "close"))
            },
            "tick_volume": pd.array([v[4] for v in values], dtype="Int64"),
            "spread_points": pd.array([v[5] for v in values], dtype="Int64"),
        }
    )
