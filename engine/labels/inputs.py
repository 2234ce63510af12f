"""Per-bar inputs of barrier trades: spreads in dollars and barrier distances (ATR or USD).

Both the labels and the backtest build their trades from these, so a label and the trade the
backtest simulates for the same bar are the same trade.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from engine.labels.errors import LabelError

POINT = 0.01  # dollars per MT5 point on XAUUSD
ATR_PERIOD = 14  # period of the ATR computed when the caller passes none
Unit = Literal["atr", "usd"]


def spread_prices(bars: pd.DataFrame, default_spread_points: float) -> np.ndarray:
    """Spread of each bar in dollars; missing, negative or non-finite spreads use the default."""
    if not (np.isfinite(default_spread_points) and default_spread_points >= 0):
        raise LabelError(f"default_spread_points must be >= 0, got {default_spread_points}")
    if "spread_points" not in bars.columns:
        return np.full(len(bars), default_spread_points * POINT)
    points = pd.to_numeric(bars["spread_points"], errors="coerce").astype("Float64")
    raw = points.to_numpy(dtype=float, na_value=np.nan)
    good = np.isfinite(raw) & (raw >= 0)
    return np.where(good, raw, default_spread_points) * POINT


def causal_atr(bars: pd.DataFrame, period: int = ATR_PERIOD) -> np.ndarray:
    """Wilder ATR at each bar from bars <= t only (TA-Lib); nan during the warm-up."""
    import talib

    high, low, close = (
        np.ascontiguousarray(bars[c].to_numpy(dtype=float)) for c in ("high", "low", "close")
    )
    return np.asarray(talib.ATR(high, low, close, timeperiod=period))


def barrier_distances(
    bars: pd.DataFrame,
    *,
    take_profit: float,
    stop_loss: float,
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Take-profit and stop distances in dollars per bar t (nan where the ATR is unknown)."""
    for name, value in (("take_profit", take_profit), ("stop_loss", stop_loss)):
        if not (np.isfinite(value) and value > 0):
            raise LabelError(f"{name} must be a positive number, got {value}")
    n = len(bars)
    if unit == "usd":
        return np.full(n, float(take_profit)), np.full(n, float(stop_loss))
    if unit != "atr":
        raise LabelError(f"unit must be 'atr' or 'usd', got {unit!r}")
    scale = causal_atr(bars) if atr is None else np.asarray(atr, dtype=float)
    if scale.shape != (n,):
        raise LabelError(f"atr must have one value per bar ({n}), got shape {scale.shape}")
    scale = np.where(scale > 0, scale, np.nan)
    return take_profit * scale, stop_loss * scale


def check_horizon(horizon: int) -> int:
    """Return the horizon as an int, refusing anything below one bar."""
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise LabelError(f"horizon must be a whole number of bars >= 1, got {horizon!r}")
    return int(horizon)
