"""Cost-aware trades from model signals, and the no-skill random baseline they must beat."""

from engine.backtest.baseline import (
    BASELINES,
    BaselineComparison,
    BaselineResult,
    BaselineSummary,
    baseline_summary,
    compare_with_baselines,
    random_baseline,
)
from engine.backtest.costs import BacktestError, CostModel
from engine.backtest.simulate import (
    TRADE_COLUMNS,
    Market,
    prepare_market,
    simulate_on,
    simulate_trades,
)

__all__ = [
    "BASELINES",
    "TRADE_COLUMNS",
    "BacktestError",
    "BaselineComparison",
    "BaselineResult",
    "BaselineSummary",
    "CostModel",
    "Market",
    "baseline_summary",
    "compare_with_baselines",
    "prepare_market",
    "random_baseline",
    "simulate_on",
    "simulate_trades",
]
