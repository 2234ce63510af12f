"""The no-skill baseline: the model's trade timing with coin-flip directions, same exits and costs.

A model has skill only if it beats this. The baseline enters at exactly the bars where the model's
trades entered (so trade count, timing and the market conditions they met are the same), draws
each direction from a seeded coin, and resolves and costs every trade like `simulate_trades`.
Baseline trades are resolved independently (not re-filtered to one at a time), so their count
always equals the model's. On a driftless market its expectancy is about minus the costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.backtest.costs import BacktestError, CostModel
from engine.backtest.simulate import (
    Market,
    as_cost_model,
    prepare_market,
    simulate_on,
    trade_frame,
)
from engine.labels.inputs import Unit
from engine.metrics.trading import expectancy, net_profit, win_rate


@dataclass(frozen=True)
class BaselineSummary:
    """The model's result next to the random baseline's over several seeds (account currency)."""

    seeds: int
    trades: int
    model_net_profit: float
    model_expectancy: float
    mean_net_profit: float
    std_net_profit: float
    mean_expectancy: float
    mean_win_rate: float
    share_at_least_model: float  # seeds whose net profit >= the model's: an empirical p-value


def random_baseline(
    bars: pd.DataFrame,
    signals: Any,
    *,
    seed: int,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    costs: CostModel | Mapping[str, Any],
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Baseline trades for one seed: the model's entry bars with random directions."""
    market, model, cost_model = _model_trades(
        bars, signals, take_profit, stop_loss, horizon, costs, unit, atr
    )
    return _random_trades(market, model, cost_model, np.random.default_rng(seed))


def baseline_summary(
    bars: pd.DataFrame,
    signals: Any,
    *,
    seeds: int | Sequence[int] = 20,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    costs: CostModel | Mapping[str, Any],
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
) -> BaselineSummary:
    """Average the baseline over seeds (``seeds`` = a count meaning 0..n-1, or explicit seeds)."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise BacktestError("baseline_summary needs at least one seed")
    market, model, cost_model = _model_trades(
        bars, signals, take_profit, stop_loss, horizon, costs, unit, atr
    )
    runs = [
        _random_trades(market, model, cost_model, np.random.default_rng(s))["net_profit"].to_numpy(
            float
        )
        for s in seed_list
    ]
    totals = np.array([net_profit(r) for r in runs])
    model_net = model["net_profit"].to_numpy(float)
    model_total = net_profit(model_net)
    return BaselineSummary(
        seeds=len(seed_list),
        trades=len(model),
        model_net_profit=model_total,
        model_expectancy=expectancy(model_net),
        mean_net_profit=float(totals.mean()),
        std_net_profit=float(totals.std(ddof=1)) if len(totals) > 1 else 0.0,
        mean_expectancy=float(np.mean([expectancy(r) for r in runs])) if len(model) else np.nan,
        mean_win_rate=float(np.mean([win_rate(r).rate for r in runs])) if len(model) else np.nan,
        share_at_least_model=float(np.mean(totals >= model_total - 1e-9)),
    )


def _model_trades(
    bars: pd.DataFrame,
    signals: Any,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    costs: CostModel | Mapping[str, Any],
    unit: Unit,
    atr: np.ndarray | pd.Series | None,
) -> tuple[Market, pd.DataFrame, CostModel]:
    """The market, the model's own trades and the cost model, computed once."""
    cost_model = as_cost_model(costs)
    rules: dict[str, Any] = {
        "take_profit": take_profit,
        "stop_loss": stop_loss,
        "horizon": horizon,
        "unit": unit,
        "atr": atr,
    }
    market = prepare_market(bars, costs=cost_model, **rules)
    model = simulate_on(market, signals, cost_model)
    return market, model, cost_model


def _random_trades(
    market: Market, model: pd.DataFrame, costs: CostModel, rng: np.random.Generator
) -> pd.DataFrame:
    """Trades at the model's signal bars with directions drawn from ``rng``."""
    signal_bars = model["entry_index"].to_numpy(dtype=np.int64) - 1
    sides = rng.choice(np.array([-1, 1], dtype=np.int64), size=len(signal_bars))
    return trade_frame(market, market.resolve(signal_bars, sides), costs)
