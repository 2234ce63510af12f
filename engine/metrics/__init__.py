"""Pure trading metrics for Aurum: one definition of each, shared by learner, selection and UI.

Names are imported lazily so that light commands (`aurum models`) do not pay for scipy/pandas.
"""

from __future__ import annotations

from engine.lazy import lazy_exports

_HOME = {
    "METRICS": "catalog",
    "MetricSpec": "catalog",
    "is_better": "catalog",
    "CONVENTION": "catalog",
    "Window": "returns",
    "annualized_return": "returns",
    "calmar_ratio": "returns",
    "daily_return_values": "returns",
    "daily_returns": "returns",
    "deflated_sharpe_ratio": "returns",
    "expected_max_sharpe": "returns",
    "probabilistic_sharpe_ratio": "returns",
    "sharpe_ratio": "returns",
    "sharpe_ratio_variance": "returns",
    "sortino_ratio": "returns",
    "trading_days": "returns",
    "MetricsSummary": "summary",
    "summarize": "summary",
    "DrawdownResult": "trading",
    "WinRate": "trading",
    "average_loss": "trading",
    "average_win": "trading",
    "drawdown_series": "trading",
    "equity_curve": "trading",
    "expectancy": "trading",
    "max_drawdown": "trading",
    "net_profit": "trading",
    "payoff_ratio": "trading",
    "profit_factor": "trading",
    "win_rate": "trading",
    "EdgeTest": "significance",
    "welch_edge_test": "significance",
    "SessionResult": "breakdown",
    "results_by_session": "breakdown",
    "session_index": "breakdown",
}

__getattr__, __all__ = lazy_exports(__name__, _HOME)
