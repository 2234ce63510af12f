"""Scoring a session's candidates: trading metrics after costs, the no-skill baseline, the winner
by the configured metric, and out-of-sample permutation importance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from engine.backtest import BaselineComparison, compare_with_baselines
from engine.learner.ensemble import feature_support
from engine.learner.evaluate import CandidateResult, Dataset, normalized
from engine.metrics.catalog import is_better
from engine.metrics.summary import summarize

BASELINE_SEEDS = 20


def score_candidates(
    candidates: list[CandidateResult],
    data: Dataset,
    cfg: Any,
    *,
    n_trials: int,
    only: list[CandidateResult] | None = None,
) -> list[CandidateResult]:
    """Fill each candidate's metrics over the out-of-sample window and its baselines (only
    those of `only` when given: the others are scored already); return them all best first
    (eligible first)."""
    window = oos_window(candidates, data)
    for cand in candidates if only is None else only:
        trades = cand.trades
        assert trades is not None
        summary = summarize(
            trades["net_profit"].to_numpy(float),
            list(trades["exit_time"]),
            initial_equity=cfg.account.initial_balance,
            window=window,
            n_trials=max(1, n_trials),
        ).as_dict()
        cand.metrics = {k: float(v) for k, v in summary.items()}
        cand.metrics["eligible"] = float(summary["trades"] >= cfg.selection.min_trades)
        if summary["trades"]:
            comparison = compare_with_baselines(
                data.market,
                trades,
                data.costs,
                seeds=BASELINE_SEEDS,
                initial_equity=cfg.account.initial_balance,
                window=window,
            )
            cand.metrics.update(baseline_metrics(comparison))
            cand.baselines = comparison.records()
    metric = cfg.learning.winner_metric
    return sorted(candidates, key=lambda c: _sort_key(c, metric))


def baseline_metrics(comparison: BaselineComparison) -> dict[str, float]:
    """What a candidate's metrics keep of its baselines: the 50/50 one (as before), the
    strongest one's expectancy and whether the model beat it."""
    coin = next(b for b in comparison.baselines if b.name == "random")
    best = comparison.strongest
    return {
        "baseline_expectancy": coin.mean_expectancy,
        "baseline_net_profit": coin.mean_net_profit,
        "beats_baseline_share": 1.0 - coin.share_at_least_model,
        "strongest_baseline_expectancy": math.nan if best is None else best.mean_expectancy,
        "beats_baselines": float(comparison.beaten),
    }


def oos_window(
    candidates: list[CandidateResult], data: Dataset
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The evaluated window of the session: the test folds' span, from the first to the last
    out-of-sample bar (the same for every candidate)."""
    if not candidates or candidates[0].oos_bars is None or not len(candidates[0].oos_bars):
        return None
    times = data.bars["time"]
    bars = candidates[0].oos_bars
    return times.iloc[int(bars.min())], times.iloc[int(bars.max())]


def _sort_key(cand: CandidateResult, metric: str) -> tuple[float, float]:
    value = cand.metrics.get(metric, math.nan)
    eligible = cand.metrics.get("eligible", 0.0)
    if math.isnan(value):
        return (-eligible, math.inf)
    return (-eligible, -value if is_better(metric, 1.0, 0.0) else value)


def oos_days(candidates: list[CandidateResult], data: Dataset) -> pd.DatetimeIndex:
    """The UTC days of the walk-forward's out-of-sample bars (the same for every candidate)."""
    if not candidates or candidates[0].oos_bars is None:
        return pd.DatetimeIndex([], tz="UTC")
    times = data.bars["time"].iloc[np.sort(candidates[0].oos_bars)]
    return pd.DatetimeIndex(times.dt.floor("D").unique())


def daily_net(cand: CandidateResult, days: pd.DatetimeIndex) -> list[float]:
    """The candidate's out-of-sample net result per day of `days`, by the day each trade was
    entered (0 on days without trades): the periods of the research report's PBO matrix."""
    trades = cand.trades
    if trades is None or trades.empty:
        return [0.0] * len(days)
    per_day = trades.groupby(trades["entry_time"].dt.floor("D"))["net_profit"].sum()
    return [round(float(v), 2) for v in per_day.reindex(days, fill_value=0.0)]


def candidate_summary(
    cand: CandidateResult, winner: CandidateResult | None, days: pd.DatetimeIndex | None = None
) -> dict[str, Any]:
    """What the session record keeps per candidate, with why it won or lost."""
    if cand is winner:
        reason = "winner: best out-of-sample score among eligible candidates"
    elif not cand.metrics.get("eligible"):
        reason = f"not eligible: only {int(cand.metrics.get('trades', 0))} out-of-sample trades"
    else:
        reason = "lower out-of-sample score than the winner"
    return {
        "algorithm": cand.algorithm,
        "label": cand.label or cand.algorithm,
        "params": cand.params,
        "metrics": cand.metrics,
        "classification": cand.classification,
        "folds": [f.__dict__ for f in cand.folds],
        "seconds": cand.seconds,
        "reason": reason,
        "winner": cand is winner,
        "baselines": cand.baselines,
        "daily_net": daily_net(cand, days) if days is not None else [],
    }


def importance(
    winner: CandidateResult, data: Dataset, *, seed: int, max_rows: int = 2000, repeats: int = 3
) -> dict[str, float]:
    """Permutation importance on the last fold's held-out samples: how much the log loss grows
    when one feature's values are shuffled. Features the fold's selector dropped score 0."""
    from sklearn.metrics import log_loss

    model, test = winner.last_fold_model, winner.last_fold_test
    if model is None or test is None or len(test) < 50:
        return {}
    rng = np.random.default_rng(seed)
    rows = test if len(test) <= max_rows else np.sort(rng.choice(test, max_rows, replace=False))
    x, y = data.X[rows], data.y[rows]
    classes = model.classes_
    base = log_loss(y, normalized(model.predict_proba(x)), labels=classes)
    support = feature_support(model, len(data.feature_names))
    scores = dict.fromkeys(data.feature_names, 0.0)
    for j in np.flatnonzero(support):
        losses = []
        for _ in range(repeats):
            shuffled = x.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            losses.append(log_loss(y, normalized(model.predict_proba(shuffled)), labels=classes))
        scores[data.feature_names[j]] = round(float(np.mean(losses) - base), 6)
    return dict(sorted(scores.items(), key=lambda kv: kv[1], reverse=True))
