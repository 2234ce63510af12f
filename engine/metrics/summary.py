"""One-call summary of a trade list: every catalogue metric in a frozen dataclass.

Trade metrics come from the per-trade equity curve; Sharpe, Sortino, Calmar, PSR and DSR from
daily returns over every trading day of the evaluated window (`engine.metrics.returns`: a day
without a closed trade is a 0 return), annualised with 252 trading days. `days` is how many
daily returns that is, `dsr_trials` how many trials the deflated Sharpe was deflated for.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from engine.metrics.returns import (
    CloseTimes,
    Window,
    annualized_return,
    calmar_ratio,
    daily_return_values,
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    sharpe_ratio_variance,
    sortino_ratio,
)
from engine.metrics.trading import (
    Numbers,
    as_float_array,
    average_loss,
    average_win,
    expectancy,
    max_drawdown,
    net_profit,
    profit_factor,
    win_rate,
)


@dataclass(frozen=True)
class MetricsSummary:
    """All headline metrics of one trade list; field names are the keys of `METRICS`."""

    trades: int
    net_profit: float
    win_rate: float
    win_rate_low: float
    win_rate_high: float
    profit_factor: float
    expectancy: float
    average_win: float
    average_loss: float
    max_drawdown: float
    max_drawdown_pct: float
    sharpe: float
    sortino: float
    calmar: float
    psr: float
    dsr: float
    dsr_trials: int
    days: int

    def as_dict(self) -> dict[str, float]:
        """Metric name -> value, keys exactly the names in `engine.metrics.catalog.METRICS`."""
        return asdict(self)


def summarize(
    profits: Numbers,
    close_times: CloseTimes,
    *,
    initial_equity: float,
    window: Window | None = None,
    n_trials: int = 1,
    sr_variance: float | None = None,
) -> MetricsSummary:
    """Compute every catalogue metric for trades in time order (net profits, close times).

    `initial_equity` must be > 0 (daily returns divide by it). `window` is the evaluated
    window (see `engine.metrics.returns`); None: the span of the trades' closes. DSR deflates
    for `n_trials` strategies tried; when `sr_variance` (variance of per-period Sharpe across
    trials) is None, the sampling variance of this run's per-period Sharpe, (1 + SR²/2)/(n−1),
    stands in for it.
    Empty input gives trades 0, zero profit and drawdown, and nan ratios.
    """
    p = as_float_array(profits)
    _, daily = daily_return_values(p, close_times, initial_equity=initial_equity, window=window)
    drawdown = max_drawdown(p, initial_equity=initial_equity)
    wins = win_rate(p)
    return MetricsSummary(
        trades=int(p.size),
        net_profit=net_profit(p),
        win_rate=wins.rate,
        win_rate_low=wins.low,
        win_rate_high=wins.high,
        profit_factor=profit_factor(p),
        expectancy=expectancy(p),
        average_win=average_win(p),
        average_loss=average_loss(p),
        max_drawdown=drawdown.amount,
        max_drawdown_pct=drawdown.percent,
        sharpe=sharpe_ratio(daily),
        sortino=sortino_ratio(daily),
        calmar=calmar_ratio(annualized_return(daily), drawdown.percent),
        psr=probabilistic_sharpe_ratio(daily),
        dsr=_dsr(daily, n_trials=n_trials, sr_variance=sr_variance),
        dsr_trials=int(n_trials),
        days=int(daily.size),
    )


def _dsr(daily: Numbers, *, n_trials: int, sr_variance: float | None) -> float:
    """Deflated Sharpe, falling back to this run's Sharpe sampling variance; nan if unknown."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    variance = sharpe_ratio_variance(daily) if sr_variance is None else sr_variance
    if math.isnan(variance):
        return math.nan
    return deflated_sharpe_ratio(daily, n_trials=n_trials, sr_variance=variance)
