"""Retraining triggers: pure checks that say whether they fired and why.

time (hours since the last session), data (new trades), performance (live win rate below
`performance_threshold` or live profit factor below `scheduler.profit_factor_threshold`), drift
(population stability index of features; Page-Hinkley on live trade results), each subject to a
cooldown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TriggerResult:
    name: str
    fired: bool
    reason: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def time_trigger(last_session: datetime | None, now: datetime, hours: float) -> TriggerResult:
    if last_session is None:
        return TriggerResult("time", True, "no learning session has run yet")
    age = (now - last_session).total_seconds() / 3600
    fired = age >= hours
    return TriggerResult("time", fired, f"{age:.1f} h since the last session (every {hours:g} h)")


def data_trigger(
    new_trades: int, needed: int, *, new_bars: int = 0, bars_needed: int = 0
) -> TriggerResult:
    """New trades (`min_trades_for_update`) or, when configured, new bars since the last session."""
    by_trades = new_trades >= needed
    by_bars = bars_needed > 0 and new_bars >= bars_needed
    reason = f"{new_trades} new trades since the last session (needs {needed})"
    if bars_needed > 0:
        reason += f"; {new_bars} new bars (needs {bars_needed})"
    return TriggerResult("data", by_trades or by_bars, reason)


def live_performance(cfg: Any, live: Mapping[str, float | None]) -> TriggerResult:
    """The performance trigger on a version's live metrics with the configured thresholds (one
    rule for the evaluation cycle, the report and the seed's `evaluate_model_performance`)."""
    return performance_trigger(
        int(live.get("trades", 0) or 0),
        live.get("win_rate"),
        min_trades=cfg.selection.min_live_trades,
        threshold=cfg.performance_threshold,
        profit_factor=live.get("profit_factor"),
        min_profit_factor=cfg.scheduler.profit_factor_threshold,
    )


def performance_trigger(
    trades: int,
    win_rate: float | None,
    *,
    min_trades: int,
    threshold: float,
    profit_factor: float | None = None,
    min_profit_factor: float = 0.0,
) -> TriggerResult:
    """Fires when, over at least `min_trades` live trades, the win rate is below `threshold`
    or the profit factor below `min_profit_factor` (0 = profit factor not judged)."""
    if trades < min_trades:
        return TriggerResult(
            "performance", False, f"{trades} live trades; judged from {min_trades}"
        )
    judged, below = [], []
    if win_rate is not None and not math.isnan(win_rate):
        judged.append(f"live win rate {win_rate:.1%} vs threshold {threshold:.0%}")
        if win_rate < threshold:
            below.append("win rate")
    if min_profit_factor > 0 and profit_factor is not None and not math.isnan(profit_factor):
        judged.append(f"profit factor {profit_factor:.2f} vs threshold {min_profit_factor:.2f}")
        if profit_factor < min_profit_factor:
            below.append("profit factor")
    if not judged:
        return TriggerResult("performance", False, f"{trades} live trades without a win rate")
    reason = "; ".join(judged) + f" over {trades} trades"
    if below:
        reason += f": {' and '.join(below)} below threshold"
    return TriggerResult("performance", bool(below), reason)


def population_stability(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of one feature: bins from the reference's quantiles; 0.1 small, 0.25 large shift."""
    ref = expected[np.isfinite(expected)]
    new = actual[np.isfinite(actual)]
    if len(ref) < bins * 5 or len(new) < bins * 5:
        return math.nan
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        return 0.0
    edges[0], edges[-1] = -np.inf, np.inf
    p = np.histogram(ref, edges)[0] / len(ref)
    q = np.histogram(new, edges)[0] / len(new)
    p, q = np.clip(p, 1e-4, None), np.clip(q, 1e-4, None)
    return float(np.sum((q - p) * np.log(q / p)))


def drift_trigger(
    reference: np.ndarray, recent: np.ndarray, names: Sequence[str], *, threshold: float
) -> TriggerResult:
    """Fires when any feature's PSI between the training window and recent bars passes it."""
    scores = {n: population_stability(reference[:, j], recent[:, j]) for j, n in enumerate(names)}
    valid = {n: v for n, v in scores.items() if not math.isnan(v)}
    if not valid:
        return TriggerResult("drift", False, "not enough bars to measure drift")
    worst = max(valid, key=lambda n: valid[n])
    drifted = sorted(n for n, v in valid.items() if v > threshold)
    reason = f"largest PSI {valid[worst]:.3f} ({worst}); threshold {threshold}"
    if drifted:
        reason += f"; drifted: {', '.join(drifted[:8])}"
    return TriggerResult("drift", bool(drifted), reason)


def page_hinkley(values: Sequence[float], *, delta: float, threshold: float) -> int | None:
    """Index where a fall in the mean of `values` is detected (Page-Hinkley), else None."""
    mean, cumulative, peak = 0.0, 0.0, 0.0
    for i, x in enumerate(values):
        mean += (x - mean) / (i + 1)
        cumulative += mean - x - delta
        peak = min(peak, cumulative) if i else cumulative
        if cumulative - peak > threshold:
            return i
    return None


def change_trigger(results: Sequence[float], *, delta: float, threshold: float) -> TriggerResult:
    at = page_hinkley(results, delta=delta, threshold=threshold)
    if at is None:
        return TriggerResult("change", False, f"no fall in live results over {len(results)} trades")
    return TriggerResult("change", True, f"Page-Hinkley: live results fell from trade {at + 1}")


@dataclass(frozen=True)
class RegimeChange(TriggerResult):
    """The regime trigger's result: the regime at the previous check and now (None unknown)."""

    old: str | None = None
    new: str | None = None


def regime_trigger(previous: str | None, current: str | None) -> RegimeChange:
    """Fires once when the market's regime differs from the one the previous check saw; the
    first check (nothing seen before) and a bar without a regime (warm-up) never fire."""
    if current is None:
        return RegimeChange("regime", False, "not enough bars for a regime yet", previous, None)
    if previous is None:
        return RegimeChange("regime", False, f"regime now {current} (first check)", None, current)
    if previous == current:
        return RegimeChange("regime", False, f"regime unchanged: {current}", previous, current)
    reason = f"regime changed from {previous} to {current}"
    return RegimeChange("regime", True, reason, previous, current)
