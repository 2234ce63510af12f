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
    if "spread_points" not in bars.columns:
        return spread_from_points(np.full(len(bars), np.nan), default_spread_points)
    points = pd.to_numeric(bars["spread_points"], errors="coerce").astype("Float64")
    raw = points.to_numpy(dtype=float, na_value=np.nan)
    return spread_from_points(raw, default_spread_points)


def spread_from_points(points: np.ndarray, default_spread_points: float) -> np.ndarray:
    """Spreads in points to dollars; missing, negative or non-finite ones use the default."""
    if not (np.isfinite(default_spread_points) and default_spread_points >= 0):
        raise LabelError(f"default_spread_points must be >= 0, got {default_spread_points}")
    good = np.isfinite(points) & (points >= 0)
    return np.where(good, points, default_spread_points) * POINT


def causal_atr(bars: pd.DataFrame, period: int = ATR_PERIOD) -> np.ndarray:
    """Wilder ATR at each bar from bars <= t only, cut to its fixed window: the same definition
    the features and a signal's stop and target use; nan during the warm-up."""
    from engine.features._window import atr

    high, low, close = (
        np.ascontiguousarray(bars[c].to_numpy(dtype=float)) for c in ("high", "low", "close")
    )
    return atr(high, low, close, period)


def barrier_distances(
    bars: pd.DataFrame,
    *,
    take_profit: float,
    stop_loss: float,
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Take-profit and stop distances in dollars per bar t (nan where the ATR is unknown)."""
    _check_barriers(take_profit, stop_loss, unit)
    n = len(bars)
    if unit == "usd":
        return distances_from_atr(np.full(n, np.nan), take_profit, stop_loss, unit)
    scale = causal_atr(bars) if atr is None else np.asarray(atr, dtype=float)
    if scale.shape != (n,):
        raise LabelError(f"atr must have one value per bar ({n}), got shape {scale.shape}")
    return distances_from_atr(scale, take_profit, stop_loss, unit)


def distances_from_atr(
    atr: np.ndarray, take_profit: float, stop_loss: float, unit: Unit = "atr"
) -> tuple[np.ndarray, np.ndarray]:
    """`barrier_distances` of bars whose ATR is `atr` (for 'usd' it only gives the length)."""
    _check_barriers(take_profit, stop_loss, unit)
    if unit == "usd":
        return np.full(len(atr), float(take_profit)), np.full(len(atr), float(stop_loss))
    scale = np.where(atr > 0, atr, np.nan)
    return take_profit * scale, stop_loss * scale


def _check_barriers(take_profit: float, stop_loss: float, unit: str) -> None:
    for name, value in (("take_profit", take_profit), ("stop_loss", stop_loss)):
        if not (np.isfinite(value) and value > 0):
            raise LabelError(f"{name} must be a positive number, got {value}")
    if unit not in ("atr", "usd"):
        raise LabelError(f"unit must be 'atr' or 'usd', got {unit!r}")


def check_horizon(horizon: int) -> int:
    """Return the horizon as an int, refusing anything below one bar."""
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise LabelError(f"horizon must be a whole number of bars >= 1, got {horizon!r}")
    return int(horizon)
