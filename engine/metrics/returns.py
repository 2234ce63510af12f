"""Return-based metrics: daily returns, Sharpe, Sortino, Calmar, probabilistic and deflated Sharpe.

Ratios are computed on daily returns built from trades. Only days with at least one closed trade
produce a return, so Sharpe and Sortino describe trading days, annualised with sqrt(252).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kurtosis, norm, skew

from engine.metrics.trading import Numbers, as_float_array

TRADING_DAYS_PER_YEAR = 252
EULER_GAMMA = 0.5772156649015329


def daily_returns(
    profits: Numbers,
    close_times: Sequence[datetime | pd.Timestamp] | pd.DatetimeIndex | pd.Series[Any],
    *,
    initial_equity: float,
) -> pd.Series[float]:
    """Return per UTC calendar day of trade close: the day's net profit / equity at day start.

    Naive close times are taken as UTC, aware ones are converted to UTC before grouping. Only days
    with trades appear (no zero-filled idle days). The index holds UTC midnights named "day". A day
    that starts with equity <= 0 (account wiped out) has return nan.
    """
    if not (math.isfinite(initial_equity) and initial_equity > 0.0):
        raise ValueError(
            f"daily returns need a positive initial_equity to divide by, got {initial_equity}"
        )
    p = as_float_array(profits)
    raw = close_times if isinstance(close_times, pd.Index | pd.Series) else list(close_times)
    times = pd.DatetimeIndex(pd.to_datetime(raw, utc=True))
    if len(times) != p.size:
        raise ValueError(f"got {p.size} profits but {len(times)} close times; they must match")
    per_day = pd.Series(p, index=times.floor("D")).groupby(level=0).sum().sort_index()
    start_equity = initial_equity + per_day.cumsum().shift(1, fill_value=0.0)
    returns = (per_day / start_equity.where(start_equity > 0.0)).astype(np.float64)
    returns.index.name = "day"
    returns.name = "return"
    return returns


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
