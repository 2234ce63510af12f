"""Return-based metrics: daily returns, Sharpe, Sortino, Calmar, probabilistic and deflated Sharpe.

The convention (one definition for the learner, the registry, live and shadow metrics, reports
and the dashboard): ratios are computed on the account's daily returns over EVERY trading day of
the evaluated window, annualised with sqrt(252).

* A trading day of XAUUSD is a UTC calendar date from Monday to Friday inside the window, plus
  any other date (a Saturday or Sunday) on which a trade closed. Gold trades around the clock
  on weekdays, so every weekday counts, traded or not.
* A day's return is the net profit of the trades closed that day over the equity at the day's
  start (`initial_equity` plus every earlier day's profit). A trading day without a closed trade
  is a 0 return: a model that trades rarely does not look steadier than one that trades daily.
* The evaluated window is the span the trades were judged over, from its first to its last UTC
  day (both included): for out-of-sample backtests the test folds' span (first to last test bar),
  for a promotion the common out-of-sample bars, for live trades from the version's activation
  (else its registration) to its last trade or the last stored bar, for paper (shadow) trades
  from the version's shadow start to its last paper trade or the last stored bar. Without a
  window, the span from the first to the last trade's close is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from scipy.stats import kurtosis, norm, skew

from engine.metrics.trading import Numbers, as_float_array

TRADING_DAYS_PER_YEAR = 252
EULER_GAMMA = 0.5772156649015329

Moment: TypeAlias = datetime | pd.Timestamp
Window: TypeAlias = tuple[Moment, Moment]
"""The evaluated window (start, end): every UTC date from start's to end's counts."""
CloseTimes: TypeAlias = "Sequence[Moment] | pd.DatetimeIndex | pd.Series[Any]"
_MONDAY_OFFSET = 3  # 1970-01-01 (day 0) was a Thursday: (day + 3) % 7 is 0 on Mondays


def _utc_days(times: Any) -> np.ndarray:
    """Whole days since 1970-01-01 of each time's UTC date (naive times are taken as UTC)."""
    raw = times if isinstance(times, pd.Index | pd.Series) else list(times)
    index = pd.DatetimeIndex(pd.to_datetime(raw, utc=True))
    if not len(index):
        return np.zeros(0, dtype=np.int64)
    return np.asarray(index.as_unit("ns").asi8 // 86_400_000_000_000, dtype=np.int64)


def trading_days(window: Window, trade_days: Sequence[Moment] = ()) -> pd.DatetimeIndex:
    """The trading days of `window` (UTC midnights): every Monday–Friday date from the window's
    first to its last day, plus the dates in `trade_days` (days with a closed trade)."""
    return _as_index(_day_numbers(_utc_days(trade_days), window))


def _day_numbers(close_days: np.ndarray, window: Window | None) -> np.ndarray:
    """Sorted day numbers: the window's weekdays (window None: the span of `close_days`) and
    every day in `close_days`."""
    if window is None:
        if not close_days.size:
            return close_days
        first, last = int(close_days.min()), int(close_days.max())
    else:
        first, last = (int(d) for d in _utc_days(list(window)))
        if last < first:
            raise ValueError(f"the evaluated window ends before it starts: {window}")
    span = np.arange(first, last + 1, dtype=np.int64)
    weekdays = span[(span + _MONDAY_OFFSET) % 7 < 5]
    return np.union1d(weekdays, close_days)


def _as_index(days: np.ndarray) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"), tz="UTC")
    index.name = "day"
    return index


def daily_return_values(
    profits: Numbers, close_times: CloseTimes, *, initial_equity: float, window: Window | None
) -> tuple[np.ndarray, np.ndarray]:
    """(day numbers, daily returns) of `daily_returns`, as arrays (the fast path)."""
    if not (math.isfinite(initial_equity) and initial_equity > 0.0):
        raise ValueError(
            f"daily returns need a positive initial_equity to divide by, got {initial_equity}"
        )
    p = as_float_array(profits)
    close_days = _utc_days(close_times)
    if close_days.size != p.size:
        raise ValueError(f"got {p.size} profits but {close_days.size} close times; they must match")
    days = _day_numbers(close_days, window)
    per_day = np.bincount(np.searchsorted(days, close_days), weights=p, minlength=days.size)
    start_equity = initial_equity + np.concatenate(([0.0], np.cumsum(per_day)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.where(start_equity > 0.0, per_day / start_equity, np.nan)
    return days, returns.astype(np.float64)


def daily_returns(
    profits: Numbers,
    close_times: CloseTimes,
    *,
    initial_equity: float,
    window: Window | None = None,
) -> pd.Series[float]:
    """Return per trading day of `window`: the day's net profit / equity at the day's start.

    Trading days are those of `trading_days` (weekdays of the window plus every day with a
    closed trade); a day without a trade returns 0. Without a window, the span from the first
    to the last close is used. Naive close times are taken as UTC, aware ones are converted.
    The index holds UTC midnights named "day". A day that starts with equity <= 0 (account
    wiped out) has return nan.
    """
    days, values = daily_return_values(
        profits, close_times, initial_equity=initial_equity, window=window
    )
    return pd.Series(values, index=_as_index(days), name="return", dtype=np.float64)


def _constant(r: np.ndarray) -> bool:
    """True when every value is identical, i.e. the sample standard deviation is exactly zero."""
    return bool(np.all(r == r[0]))


def sharpe_ratio(returns: Numbers, *, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """Annualised Sharpe: mean / std(ddof=1) * sqrt(periods_per_year), risk-free rate 0.

    nan with fewer than 2 returns or zero dispersion.
    """
    r = as_float_array(returns)
    if r.size < 2 or _constant(r):
        return math.nan
    return float(r.mean() / r.std(ddof=1) * math.sqrt(periods_per_year))


def sortino_ratio(returns: Numbers, *, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """Annualised Sortino: mean / sqrt(mean(min(r, 0)^2)) * sqrt(periods), target return 0.

    The downside deviation averages over all periods. inf when no return is negative and the mean
    is positive; nan with fewer than 2 returns or when all returns are zero.
    """
    r = as_float_array(returns)
    if r.size < 2:
        return math.nan
    mean = float(r.mean())
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    if downside == 0.0:
        return math.inf if mean > 0.0 else math.nan
    return mean / downside * math.sqrt(periods_per_year)


def annualized_return(
    returns: Numbers, *, periods_per_year: float = TRADING_DAYS_PER_YEAR
) -> float:
    """Non-compounded annual return as a fraction: mean daily return * 252 (nan if empty)."""
    r = as_float_array(returns)
    return float(r.mean() * periods_per_year) if r.size else math.nan


def calmar_ratio(annual_return: float, max_drawdown_percent: float) -> float:
    """Annual return (fraction, see `annualized_return`) over max drawdown (percent, 0..100).

    Example: 0.30 annual return with a 15 % drawdown gives 2.0. No drawdown: inf when the
    return is positive, else nan. nan inputs give nan.
    """
    if math.isnan(annual_return) or math.isnan(max_drawdown_percent):
        return math.nan
    if max_drawdown_percent < 0.0:
        raise ValueError(f"max_drawdown_percent must be >= 0, got {max_drawdown_percent}")
    if max_drawdown_percent == 0.0:
        return math.inf if annual_return > 0.0 else math.nan
    return annual_return / (max_drawdown_percent / 100.0)


def _per_period_sharpe(r: np.ndarray) -> float:
    """Non-annualised Sharpe mean / std(ddof=1) of an array known to be non-constant."""
    return float(r.mean() / r.std(ddof=1))


def sharpe_ratio_variance(returns: Numbers) -> float:
    """Sampling variance of the per-period Sharpe estimate, (1 + SR^2 / 2) / (n - 1).

    Lo (2002) under iid normal returns; nan with fewer than 3 returns or zero dispersion.
    """
    r = as_float_array(returns)
    if r.size < 3 or _constant(r):
        return math.nan
    sr = _per_period_sharpe(r)
    return (1.0 + sr * sr / 2.0) / (r.size - 1)


def probabilistic_sharpe_ratio(returns: Numbers, *, benchmark_sr: float = 0.0) -> float:
    """Probability that the true per-period Sharpe exceeds `benchmark_sr` (Bailey & López de Prado).

    PSR = Φ((SR − SR*)·sqrt(n−1) / sqrt(1 − γ3·SR + (γ4 − 1)/4·SR²)) on the NON-annualised SR,
    γ3 = skewness, γ4 = raw kurtosis (normal = 3). nan when n < 3 or zero dispersion.
    """
    r = as_float_array(returns)
    if r.size < 3 or _constant(r):
        return math.nan
    sr = _per_period_sharpe(r)
    g3 = float(skew(r))
    g4 = float(kurtosis(r, fisher=False))
    denom = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr
    if not denom > 0.0:
        return math.nan
    z = (sr - benchmark_sr) * math.sqrt(r.size - 1) / math.sqrt(denom)
    return float(norm.cdf(z))


def expected_max_sharpe(n_trials: int, sr_variance: float) -> float:
    """Expected maximum of `n_trials` Sharpe estimates with zero true Sharpe and variance V.

    E[max SR] = sqrt(V)·((1−γ)·Φ⁻¹(1−1/N) + γ·Φ⁻¹(1−1/(N·e))); 0.0 for N <= 1.
    """
    if sr_variance < 0.0 or math.isnan(sr_variance):
        raise ValueError(f"sr_variance must be a number >= 0, got {sr_variance}")
    if n_trials <= 1:
        return 0.0
    n = float(n_trials)
    a = float(norm.ppf(1.0 - 1.0 / n))
    b = float(norm.ppf(1.0 - 1.0 / (n * math.e)))
    return math.sqrt(sr_variance) * ((1.0 - EULER_GAMMA) * a + EULER_GAMMA * b)


def deflated_sharpe_ratio(returns: Numbers, *, n_trials: int, sr_variance: float) -> float:
    """PSR against the Sharpe the best of `n_trials` lucky trials would show (selection bias).

    Equals PSR with benchmark 0 when n_trials <= 1. `sr_variance` is the variance of the
    per-period Sharpe ratios across trials.
    """
    benchmark = expected_max_sharpe(n_trials, sr_variance)
    return probabilistic_sharpe_ratio(returns, benchmark_sr=benchmark)
