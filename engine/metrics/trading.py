"""Trade-level metrics: equity, drawdown, win rate, profit factor, expectancy and averages.

Every function takes the NET profit of each trade (profit + commission + swap, summed by the
caller) in time order, in account currency. Empty input gives a documented result, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from scipy.stats import norm

Numbers: TypeAlias = Sequence[float] | np.ndarray
"""Anything numpy can turn into a 1-D float array (list, tuple, ndarray, pandas Series)."""


@dataclass(frozen=True)
class DrawdownResult:
    """The largest peak-to-valley fall of an equity curve; indices are equity-curve positions."""

    amount: float
    percent: float
    peak_index: int
    valley_index: int
    recovery_index: int | None
    peak_equity: float
    valley_equity: float


@dataclass(frozen=True)
class WinRate:
    """Share of winning trades with its Wilson score confidence interval."""

    rate: float
    low: float
    high: float
    wins: int
    trades: int


def as_float_array(values: Numbers) -> np.ndarray:
    """Convert a sequence to a 1-D float64 array so every metric sees the same shape."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D sequence of numbers, got shape {arr.shape}")
    return arr


def equity_curve(profits: Numbers, *, initial_equity: float = 0.0) -> np.ndarray:
    """Equity after each trade, length n+1, starting at `initial_equity` (index 0)."""
    p = as_float_array(profits)
    return np.concatenate(([float(initial_equity)], float(initial_equity) + np.cumsum(p)))


def drawdown_series(equity: Numbers) -> np.ndarray:
    """Equity minus its running peak at each point (always <= 0); empty in, empty out."""
    e = as_float_array(equity)
    if e.size == 0:
        return e
    return e - np.maximum.accumulate(e)


def max_drawdown(profits: Numbers, *, initial_equity: float = 0.0) -> DrawdownResult:
    """Largest fall in money from a running peak of the equity curve, with where it happened.

    `percent` is that fall as a share of the peak equity (0 when the peak is <= 0); it is the
    percent of the largest money drawdown, not the largest percent drawdown. `peak_index` is the
    last time the peak was touched before the valley; ties in depth take the earliest valley.
    `recovery_index` is the first index after the valley where equity is back at the peak, and
    None when it never recovers or there was no drawdown. Empty profits give a zero drawdown
    whose peak and valley equity are `initial_equity`.
    """
    equity = equity_curve(profits, initial_equity=initial_equity)
    dd = drawdown_series(equity)
    valley = int(np.argmin(dd))
    amount = float(-dd[valley])
    if amount <= 0.0:
        start = float(equity[0])
        return DrawdownResult(0.0, 0.0, 0, 0, None, start, start)
    peak_equity = float(np.max(equity[: valley + 1]))
    peak = int(np.flatnonzero(equity[: valley + 1] == peak_equity)[-1])
    back = np.flatnonzero(equity[valley + 1 :] >= peak_equity)
    recovery = int(valley + 1 + back[0]) if back.size else None
    percent = amount / peak_equity * 100.0 if peak_equity > 0.0 else 0.0
    return DrawdownResult(
        amount=amount,
        percent=percent,
        peak_index=peak,
        valley_index=valley,
        recovery_index=recovery,
        peak_equity=peak_equity,
        valley_equity=float(equity[valley]),
    )


def win_rate(profits: Numbers, *, confidence: float = 0.95) -> WinRate:
    """Share of trades with profit > 0 (0 is not a win) and its Wilson score interval.

    Wilson stays inside [0, 1] and is sane for few trades. Zero trades: rate nan, interval [0, 1].
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    p = as_float_array(profits)
    n = int(p.size)
    wins = int(np.count_nonzero(p > 0.0))
    if n == 0:
        return WinRate(rate=math.nan, low=0.0, high=1.0, wins=0, trades=0)
    rate = wins / n
    z = float(norm.ppf(1.0 - (1.0 - confidence) / 2.0))
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (rate + z2 / (2.0 * n)) / denom
    half = z / denom * math.sqrt(rate * (1.0 - rate) / n + z2 / (4.0 * n * n))
    return WinRate(
        rate=rate,
        low=0.0 if wins == 0 else max(0.0, centre - half),
        high=1.0 if wins == n else min(1.0, centre + half),
        wins=wins,
        trades=n,
    )


def profit_factor(profits: Numbers) -> float:
    """Gross profit over absolute gross loss: inf with profit but no loss, nan with neither."""
    p = as_float_array(profits)
    gross_profit = float(p[p > 0.0].sum())
    gross_loss = float(-p[p < 0.0].sum())
    if gross_loss == 0.0:
        return math.inf if gross_profit > 0.0 else math.nan
    return gross_profit / gross_loss


def _mean_or_nan(values: np.ndarray) -> float:
    """Mean of an array, nan when it is empty (avoids numpy's empty-mean warning)."""
    return float(values.mean()) if values.size else math.nan


def expectancy(profits: Numbers) -> float:
    """Mean net profit per trade in account currency; nan when there are no trades."""
    return _mean_or_nan(as_float_array(profits))


def average_win(profits: Numbers) -> float:
    """Mean profit of winning trades (profit > 0); nan when there are none."""
    p = as_float_array(profits)
    return _mean_or_nan(p[p > 0.0])


def average_loss(profits: Numbers) -> float:
    """Mean result of losing trades (profit < 0) as a negative number; nan when there are none."""
    p = as_float_array(profits)
    return _mean_or_nan(p[p < 0.0])


def payoff_ratio(profits: Numbers) -> float:
    """Average win over the absolute average loss; nan unless there are both wins and losses."""
    win, loss = average_win(profits), average_loss(profits)
    if math.isnan(win) or math.isnan(loss):
        return math.nan
    return win / abs(loss)


def net_profit(profits: Numbers) -> float:
    """Sum of net trade results in account currency; 0.0 when there are no trades."""
    return float(as_float_array(profits).sum())


def rolling_win_rate_and_profit_factor(
    profits: Numbers, *, window: int, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each end `e` in `ends`, the win rate (a share, 0 is not a win) and the profit factor
    of `profits[e - window:e]`, as `win_rate(...).rate` and `profit_factor` give them one window
    at a time, computed for all windows at once (a rolling chart asks for hundreds)."""
    p = as_float_array(profits)
    at = np.asarray(ends, dtype=int)
    if at.size == 0:
        return np.empty(0), np.empty(0)
    windows = np.lib.stride_tricks.sliding_window_view(p, window)[at - window]
    rates = np.count_nonzero(windows > 0.0, axis=1) / window
    gains = np.where(windows > 0.0, windows, 0.0).sum(axis=1)
    losses = -np.where(windows < 0.0, windows, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gains / losses
    factors = np.where(losses == 0.0, np.where(gains > 0.0, math.inf, math.nan), ratio)
    return rates, factors
