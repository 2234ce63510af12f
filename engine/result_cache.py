"""What a desk read last, each kept with a stamp of the rows it came from: the result series of
a version's trades, and the regime states of a range of bars.

The Overview asks for the active version's live results three times in one page run (the trust
panel, the headline, the status report), and a page asks again on the next click; 20,000 trades
take ~0.1 s to read, the stamp ~9 ms. The stamp (count, highest id, net sum and newest logging
time of the version's trades of that source) changes with any trade logged, imported, detached
or removed, so a kept series is never served after its trades changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db.schema import Trade
from engine.ledger import ResultSeries, result_series

KEPT = 8  # series kept per desk (a few versions x sources: what the pages show)
T = TypeVar("T")


class StampedCache(Generic[T]):
    """The last `size` values computed, each served again only while its stamp (a cheap
    query's answer that moves whenever the rows behind the value change) is unchanged."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[Any, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # values computed (not served from the cache)

    def get(self, key: Hashable, stamp: Any, compute: Callable[[], T]) -> T:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(key)
                return kept[1]
        value = compute()
        with self._lock:
            self.computed += 1
            self._kept[key] = (stamp, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class ResultSeriesCache:
    """`read` = `engine.ledger.result_series`, kept while its trades' stamp holds. The arrays
    are shared, so they are made read-only."""

    def __init__(self, size: int = KEPT) -> None:
        self._cache: StampedCache[ResultSeries] = StampedCache(size)

    @property
    def reads(self) -> int:
        """Series read from the trades (not served from the cache)."""
        return self._cache.computed

    def read(self, session: Session, version_id: int, *, source: str = "live") -> ResultSeries:
        stamp = tuple(
            session.execute(
                select(
                    func.count(),
                    func.max(Trade.id),
                    func.sum(Trade.profit + Trade.commission + Trade.swap),
                    func.max(Trade.logged_at),
                ).where(Trade.version_id == version_id, Trade.source == source)
            ).one()
        )

        def fetch() -> ResultSeries:
            series = result_series(session, version_id, source=source)
            series.net_profit.flags.writeable = False
            return series

        return self._cache.get((version_id, source), stamp, fetch)

    def clear(self) -> None:
        self._cache.clear()
