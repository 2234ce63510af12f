"""Backtest run tables: `BacktestRunInfo` values in, DataFrames out (no rendering, no database).
Numbers stay numbers; `dashboard.tables.number_formats` says how they show."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

COST_NAMES = {
    "spread_points": "spread",
    "slippage_points": "slippage",
    "commission_per_lot": "commission/lot",
}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _percent(value: Any) -> float | None:
    number = _number(value)
    return None if number is None else number * 100.0


def sample_words(run: Any) -> str:
    """ "IN-SAMPLE 44.2 %" or "out of sample" (before it has bars: "—")."""
    if not run.bars:
        return "—"
    return f"IN-SAMPLE {run.in_sample_percent:.1f} %" if run.in_sample else "out of sample"


def costs_words(overrides: Mapping[str, float]) -> str:
    """What a run changed in the desk's costs, e.g. "spread 40, slippage 5" (points)."""
    if not overrides:
        return "desk costs"
    return ", ".join(f"{COST_NAMES.get(k, k)} {v:g}" for k, v in overrides.items())


def runs_frame(runs: Sequence[Any]) -> pd.DataFrame:
    """One row per stored run, newest first: window, status, the headline metrics, the sample."""
    rows = [
        {
            "run": r.id,
            "series": f"{r.symbol} {r.timeframe}",
            "from (UTC)": "—" if r.first_bar is None else f"{r.first_bar:%Y-%m-%d %H:%M}",
            "to (UTC)": "—" if r.last_bar is None else f"{r.last_bar:%Y-%m-%d %H:%M}",
            "bars": r.bars,
            "status": r.status if r.finished else f"{r.status} {r.percent:.0f} %",
            "trades": r.trades if r.status == "succeeded" else None,
            "net USD": _number(r.metrics.get("net_profit")),
            "win %": _percent(r.metrics.get("win_rate")),
            "profit factor": _number(r.metrics.get("profit_factor")),
            "Sharpe": _number(r.metrics.get("sharpe")),
            "max DD %": _number(r.metrics.get("max_drawdown_pct")),
            "sample": sample_words(r),
            "costs": costs_words(r.overrides),
            "by": r.requested_by,
        }
        for r in runs
    ]
    return pd.DataFrame(rows)


def run_label(run: Any) -> str:
    """How a run is named in a pick list."""
    when = "" if run.first_bar is None else f" {run.first_bar:%Y-%m-%d}→{run.last_bar:%Y-%m-%d}"
    flag = " IN-SAMPLE" if run.in_sample else ""
    return f"#{run.id}{when} · {run.status}{flag}"
