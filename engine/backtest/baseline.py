"""No-skill baselines: the model's trade timing with directions that know nothing, same exits
and costs.

A model has skill only if it beats the strongest of them. Every baseline enters at exactly the
bars where the model's trades entered (so trade count, timing and the market conditions they met
are the same) and resolves and costs every trade like `simulate_trades`:

* `random`: each direction from a seeded coin (50/50);
* `side_matched`: the model's own directions in a seeded random order, so the long/short mix is
  the model's (a short-biased model on a falling market does not beat it by its bias alone);
* `always_long` / `always_short`: every entry long / short.

Baseline trades are resolved independently (not re-filtered to one at a time), so their count
always equals the model's. On a driftless market a random baseline's expectancy is about minus
the costs.
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
from engine.metrics.returns import Window, daily_return_values, sharpe_ratio
from engine.metrics.trading import expectancy, net_profit, win_rate

BASELINES = {
    "random": "random sides (50/50)",
    "side_matched": "random sides in the model's long/short mix",
    "always_long": "always long",
    "always_short": "always short",
}
"""Every baseline a model is measured against, by name, with how the trader reads it."""


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


@dataclass(frozen=True)
class BaselineResult:
    """One baseline over its seeds (one run for the fixed-direction ones), account currency."""

    name: str
    seeds: int
    mean_net_profit: float
    mean_expectancy: float
    mean_sharpe: float
    share_at_least_model: float  # runs whose net profit >= the model's: an empirical p-value

    @property
    def label(self) -> str:
        return BASELINES[self.name]


@dataclass(frozen=True)
class BaselineComparison:
    """The model's trades against every baseline at the same entry bars with the same costs."""

    trades: int
    long_share: float
    model_net_profit: float
    model_expectancy: float
    baselines: tuple[BaselineResult, ...]

    @property
    def strongest(self) -> BaselineResult | None:
        """The baseline with the highest mean net profit (None without trades)."""
        known = [b for b in self.baselines if np.isfinite(b.mean_net_profit)]
        return max(known, key=lambda b: b.mean_net_profit) if known else None

    @property
    def beaten(self) -> bool:
        """The model made more net profit than the strongest baseline's mean."""
        best = self.strongest
        return best is not None and self.model_net_profit > best.mean_net_profit + 1e-9

    def records(self) -> list[dict[str, Any]]:
        """Each baseline as a plain dict (for the session record and the Learning page)."""
        best = self.strongest
        return [
            {
                "name": b.name,
                "label": b.label,
                "seeds": b.seeds,
                "mean_net_profit": b.mean_net_profit,
                "mean_expectancy": b.mean_expectancy,
                "mean_sharpe": b.mean_sharpe,
                "share_at_least_model": b.share_at_least_model,
                "strongest": best is not None and b.name == best.name,
            }
            for b in self.baselines
        ]


def compare_with_baselines(
    market: Market,
    model: pd.DataFrame,
    costs: CostModel,
    *,
    seeds: int = 20,
    initial_equity: float,
    window: Window | None = None,
) -> BaselineComparison:
    """Every baseline of `BASELINES` at the entry bars of `model` (its trades on `market`);
    Sharpe over `window` like the model's (engine.metrics.returns)."""
    net = model["net_profit"].to_numpy(float)
    sides = np.where(model["side"].to_numpy() == "buy", 1, -1).astype(np.int64)
    signal_bars = model["entry_index"].to_numpy(dtype=np.int64) - 1
    draws: dict[str, list[np.ndarray]] = {
        "random": [
            np.random.default_rng(s).choice(np.array([-1, 1], dtype=np.int64), size=len(sides))
            for s in range(seeds)
        ],
        "side_matched": [np.random.default_rng((1, s)).permutation(sides) for s in range(seeds)],
        "always_long": [np.ones_like(sides)],
        "always_short": [-np.ones_like(sides)],
    }
    results = tuple(
        _baseline(name, market, costs, signal_bars, runs, net_profit(net), initial_equity, window)
        for name, runs in draws.items()
    )
    return BaselineComparison(
        trades=len(net),
        long_share=float((sides > 0).mean()) if len(sides) else np.nan,
        model_net_profit=net_profit(net),
        model_expectancy=expectancy(net),
        baselines=results,
    )


def _baseline(
    name: str,
    market: Market,
    costs: CostModel,
    signal_bars: np.ndarray,
    runs: list[np.ndarray],
    model_total: float,
    initial_equity: float,
    window: Window | None,
) -> BaselineResult:
    """One baseline's runs (one array of sides each) traded and summarised."""
    totals, means, sharpes = [], [], []
    for sides in runs:
        trades = trade_frame(market, market.resolve(signal_bars, sides), costs)
        net = trades["net_profit"].to_numpy(float)
        _, daily = daily_return_values(
            net, trades["exit_time"], initial_equity=initial_equity, window=window
        )
        totals.append(net_profit(net))
        means.append(expectancy(net))
        sharpes.append(sharpe_ratio(daily))
    known = [x for x in sharpes if np.isfinite(x)]
    return BaselineResult(
        name=name,
        seeds=len(runs),
        mean_net_profit=float(np.mean(totals)) if len(signal_bars) else np.nan,
        mean_expectancy=float(np.mean(means)) if len(signal_bars) else np.nan,
        mean_sharpe=float(np.mean(known)) if known else np.nan,
        share_at_least_model=float(np.mean(np.array(totals) >= model_total - 1e-9)),
    )
