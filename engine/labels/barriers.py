"""First-touch resolution of barrier trades: the one routine shared by the labels and the backtest.

Conventions (bars are BID prices, as MT5 exports them):

* A trade decided at the close of bar ``t`` enters at the open of bar ``e = t + 1`` and keeps the
  entry bar's spread ``s`` (in dollars) constant for its whole life.
* A long buys at the ask ``open[e] + s`` and sells at the bid, so its take-profit and stop are bid
  levels checked against the bars' bid high/low. A short sells at the bid ``open[e]`` and buys back
  at the ask, so its barriers are ask levels checked against ``high + s`` / ``low + s``. Barrier
  distances are measured from the entry quote, so a long needs the bid to rise by its take-profit
  distance plus the spread.
* The window is bars ``e .. e + H - 1`` (the entry bar counts: the trade is open from its open).
  The first bar touching a barrier decides; when one bar touches both, the stop is assumed
  (the order inside a bar is unknown, so be conservative).
* Fills: a take-profit fills at its level; a stop fills at its level, or at the bar's open when the
  bar opened beyond it (a gap), whichever is worse. With no touch the trade exits at the close of
  bar ``e + H - 1`` (the time barrier), at the bid for a long and the ask for a short.
* A trade whose window runs past the last bar, or whose barriers are not finite, is unresolved.

Everything is vectorised with a sliding window over the bars: 60k entries x H = 12 take
milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from engine.labels.errors import LabelError

TAKE_PROFIT = 1
STOP_LOSS = -1
TIME = 0
UNRESOLVED = -2
REASON_NAMES = {TAKE_PROFIT: "take_profit", STOP_LOSS: "stop_loss", TIME: "time"}


@dataclass(frozen=True)
class BarPrices:
    """The four bid price arrays of a bar frame, as float64 numpy arrays."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    @classmethod
    def from_bars(cls, bars: pd.DataFrame) -> BarPrices:
        """Take open/high/low/close from a bar frame (positional, whatever its index)."""
        cols = [np.asarray(bars[c].to_numpy(dtype=float)) for c in ("open", "high", "low", "close")]
        return cls(*cols)

    def __len__(self) -> int:
        return len(self.close)


@dataclass(frozen=True)
class BarrierTrades:
    """Resolved barrier trades: one row per entry; exit fields are -1 / nan when unresolved."""

    entry_index: np.ndarray
    side: np.ndarray
    spread: np.ndarray
    entry_price: np.ndarray
    reason: np.ndarray
    exit_index: np.ndarray
    exit_price: np.ndarray

    @property
    def resolved(self) -> np.ndarray:
        """Mask of trades whose outcome is known (complete window, finite barriers)."""
        return np.asarray(self.reason != UNRESOLVED)

    def subset(self, rows: np.ndarray) -> BarrierTrades:
        """The trades selected by an index or boolean array, in that order."""
        return BarrierTrades(*(getattr(self, f.name)[rows] for f in fields(self)))

    @property
    def price_change(self) -> np.ndarray:
        """Dollars per ounce earned after the spread (exit quote minus entry quote, signed)."""
        return np.asarray(self.side * (self.exit_price - self.entry_price))


def first_touch(
    prices: BarPrices,
    entry_index: np.ndarray,
    *,
    side: np.ndarray,
    take_profit: np.ndarray,
    stop_loss: np.ndarray,
    spread: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (reason, exit_index, exit_price) of trades with the given barrier levels.

    ``take_profit``/``stop_loss`` are levels in the trade's exit quote (bid for a long, ask for a
    short); ``side`` is +1/-1 per trade; exit prices are in the same quote.
    """
    if horizon < 1:
        raise LabelError(f"horizon must be at least 1 bar, got {horizon}")
    e = np.asarray(entry_index, dtype=np.int64)
    side, tp, sl, spread = (
        np.broadcast_to(np.asarray(a, dtype=float), e.shape)
        for a in (side, take_profit, stop_loss, spread)
    )
    reason = np.full(e.shape, UNRESOLVED, dtype=np.int8)
    exit_index = np.full(e.shape, -1, dtype=np.int64)
    exit_price = np.full(e.shape, np.nan)
    ok = (e >= 0) & (e + horizon <= len(prices)) & np.isfinite(tp) & np.isfinite(sl)
    ok &= np.isfinite(spread)
    if ok.any():
        r, k, px = _resolve(prices, e[ok], side[ok], tp[ok], sl[ok], spread[ok], horizon)
        reason[ok], exit_index[ok], exit_price[ok] = r, e[ok] + k, px
    return reason, exit_index, exit_price


def _resolve(
    prices: BarPrices,
    e: np.ndarray,
    side: np.ndarray,
    tp: np.ndarray,
    sl: np.ndarray,
    spread: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised core of `first_touch` for trades known to have a full window."""
    is_long = side > 0
    shift = np.where(is_long, 0.0, spread)  # quote the trade exits at = bid + shift
    k_tp, k_sl = _first_hits(prices, e, is_long, tp, sl, shift, horizon)
    stopped = (k_sl < horizon) & (k_sl <= k_tp)
    took = ~stopped & (k_tp < horizon)
    reason = np.where(stopped, STOP_LOSS, np.where(took, TAKE_PROFIT, TIME)).astype(np.int8)
    k = np.where(stopped, k_sl, np.where(took, k_tp, horizon - 1))
    opened = prices.open[e + k] + shift
    gap_fill = np.where(is_long, np.minimum(sl, opened), np.maximum(sl, opened))
    timed_out = prices.close[e + horizon - 1] + shift
    price = np.where(stopped, gap_fill, np.where(took, tp, timed_out))
    return reason, k, price


def _first_hits(
    prices: BarPrices,
    e: np.ndarray,
    is_long: np.ndarray,
    tp: np.ndarray,
    sl: np.ndarray,
    shift: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Window offsets of the first take-profit and stop touches (``horizon`` = none)."""
    k_tp = np.empty(len(e), dtype=np.int64)
    k_sl = np.empty(len(e), dtype=np.int64)
    highs = sliding_window_view(prices.high, horizon)
    lows = sliding_window_view(prices.low, horizon)
    for long_side in (True, False):
        rows = np.flatnonzero(is_long == long_side)
        if rows.size == 0:
            continue
        up, down = highs[e[rows]], lows[e[rows]]  # fancy indexing copies: safe to shift in place
        if not long_side:
            up += shift[rows, None]
            down += shift[rows, None]
        if long_side:
            tp_hit, sl_hit = up >= tp[rows, None], down <= sl[rows, None]
        else:
            tp_hit, sl_hit = down <= tp[rows, None], up >= sl[rows, None]
        k_tp[rows] = _first_true(tp_hit, horizon)
        k_sl[rows] = _first_true(sl_hit, horizon)
    return k_tp, k_sl


def _first_true(hits: np.ndarray, horizon: int) -> np.ndarray:
    """Column of the first True per row, or ``horizon`` when a row has none."""
    first = hits.argmax(axis=1)
    first[~hits[np.arange(len(hits)), first]] = horizon
    return first


def barrier_trades(
    prices: BarPrices,
    signal_index: np.ndarray,
    side: np.ndarray | int,
    *,
    tp_distance: np.ndarray,
    sl_distance: np.ndarray,
    spread: np.ndarray,
    horizon: int,
) -> BarrierTrades:
    """Resolve trades decided at bars ``signal_index`` (entry at the next bar's open).

    Distances and spreads are per-bar arrays in dollars: the distances are read at the signal bar
    (known at its close), the spread at the entry bar.
    """
    t = np.asarray(signal_index, dtype=np.int64)
    if t.size and (t.min() < 0 or t.max() >= len(prices)):
        raise LabelError(f"signal bars must lie in 0..{len(prices) - 1}")
    sides = np.broadcast_to(np.asarray(side, dtype=np.int64), t.shape)
    if not np.all(np.abs(sides) == 1):
        raise LabelError("trade sides must be 1 (long) or -1 (short)")
    e = t + 1
    inside = e < len(prices)
    ei = np.where(inside, e, 0)
    s = np.where(inside, spread[ei], np.nan)
    entry = np.where(inside, prices.open[ei], np.nan) + np.where(sides > 0, s, 0.0)
    tp = entry + sides * tp_distance[t]
    sl = entry - sides * sl_distance[t]
    reason, exit_index, exit_price = first_touch(
        prices, e, side=sides, take_profit=tp, stop_loss=sl, spread=s, horizon=horizon
    )
    return BarrierTrades(e, sides, s, entry, reason, exit_index, exit_price)
