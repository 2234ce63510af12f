"""Bars whose regimes are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.regimes import RegimeSettings

START = pd.Timestamp("2025-01-06 00:00", tz="UTC")  # a Monday
SMALL = RegimeSettings(atr_period=5, vol_lookback=100, trend_window=20)
NORMAL, CALM, VIOLENT = 400, 40, 30  # bars of each stretch, in that order
CALM_AT, VIOLENT_AT = NORMAL, NORMAL + CALM  # first bar of each stretch


def make_bars(close: np.ndarray, *, step: str = "5min") -> pd.DataFrame:
    """Bars with open = previous close, high/low = max/min(open, close): true range = |move|."""
    close = np.asarray(close, dtype=float)
    open_ = np.concatenate([close[:1], close[:-1]])
    return pd.DataFrame(
        {
            "time": pd.date_range(START, periods=len(close), freq=step),
            "open": open_,
            "high": np.maximum(open_, close),
            "low": np.minimum(open_, close),
            "close": close,
            "tick_volume": pd.array([100] * len(close), dtype="Int64"),
            "spread_points": pd.array([20] * len(close), dtype="Int64"),
        }
    )


def calm_then_violent() -> pd.DataFrame:
    """Moves of size 1 (alternating up and down), then 0.1 (calm), then 5 (violent)."""
    sizes = np.concatenate([np.ones(NORMAL), np.full(CALM, 0.1), np.full(VIOLENT, 5.0)])
    signs = np.where(np.arange(len(sizes)) % 2 == 0, 1.0, -1.0)
    moves = sizes * signs
    moves[0] = 0.0
    return make_bars(1000.0 + np.cumsum(moves))


def steady(slope: float, n: int = 300) -> pd.DataFrame:
    """A straight line: ``slope`` dollars a bar."""
    return make_bars(1000.0 + slope * np.arange(n))
