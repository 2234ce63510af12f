"""Hand-built bar frames for the label, validation and backtest tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-06 00:00", tz="UTC")
STEP = pd.Timedelta(minutes=5)


def make_bars(
    rows: Sequence[tuple[float, float, float, float]],
    spread_points: Sequence[int | None] | int | None = 20,
) -> pd.DataFrame:
    """Bars from (open, high, low, close) rows, 5 minutes apart, with the given spreads."""
    n = len(rows)
    spreads = [spread_points] * n if not isinstance(spread_points, Sequence) else spread_points
    o, h, lo, c = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "time": pd.date_range(START, periods=n, freq=STEP),
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "tick_volume": np.full(n, 100, dtype=np.int64),
            "spread_points": pd.array(list(spreads), dtype="Int64"),
        }
    )


def flat(n: int, price: float = 100.0) -> list[tuple[float, float, float, float]]:
    """``n`` quiet bars at ``price`` with a 0.1 range (touch no barrier of a dollar)."""
    return [(price, price + 0.05, price - 0.05, price)] * n


def random_walk_bars(
    n_bars: int, *, seed: int, ticks: int = 20, tick_std: float = 0.05, spread: int = 20
) -> pd.DataFrame:
    """Driftless tick random walk sampled into bars (open = previous close, true high/low)."""
    rng = np.random.default_rng(seed)
    path = 2000.0 + np.concatenate([[0.0], np.cumsum(rng.normal(0, tick_std, n_bars * ticks))])
    segments = np.lib.stride_tricks.sliding_window_view(path, ticks + 1)[::ticks]
    rows = list(zip(segments[:, 0], segments.max(1), segments.min(1), segments[:, -1], strict=True))
    return make_bars(rows, spread)
