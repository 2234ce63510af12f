"""Cost-aware trades from model signals, and the no-skill random baseline they must beat."""

from engine.backtest.baseline import BaselineSummary, baseline_summary, random_baseline
from engine.backtest.costs import BacktestError, CostModel
from engine.backtest.simulate import (
    TRADE_COLUMNS,
    Market,
    prepare_market,
    simulate_on,
    simulate_trades,
)

__all__ = [
    "TRADE_COLUMNS",
    "BacktestError",
    "BaselineSummary",
    "CostModel",
    "Market",
    "baseline_summary",
    "prepare_market",
    "random_baseline",
    "simulate_on",
    "simulate_trades",
]
