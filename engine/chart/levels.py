"""Stop-loss and take-profit levels of trades, recomputed from how the version's exits are defined.

Nothing here is stored: the levels come from the bars and the version's label settings
(`details["labels"]`: take_profit, stop_loss, unit, horizon), exactly as the code that made or
served the trade computed them:

* simulated trades (backtest, shadow; `engine.backtest.simulate` via `engine.labels.barriers`):
  the trade decided at signal bar t enters at bar e = t + 1's open, a long at the ask
  (open + the entry bar's spread), a short at the bid; take profit = entry quote + side x TP
  distance, stop = entry quote - side x SL distance, the distances read at bar t (ATR(14) at t
  times the multiples, or dollars). A long's levels are bid prices, a short's are ask prices.
* served trades (live; `engine.learner.predict.SignalModel._levels`): the signal at bar t
  carried, for a BUY, entry = close[t] + spread[t], stop = entry - SL, target = entry + TP; for a
  SELL, stop = close[t] + SL and target = close[t] - TP (rounded to cents, as served).

The entry bar of a trade is the last bar opening at or before its open time; its signal bar the
one before it. The spread paid is the entry bar's spread (the default when the bar has none)
times the ounces traded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.chart.trades import ChartTrade, Levels
from engine.labels import causal_atr, distances_from_atr, spread_prices
from engine.labels.inputs import Unit


@dataclass(frozen=True)
class ExitRules:
    """What a version's exits are: barrier multiples (or dollars), the spread a bar without one
    is assumed to have, and the ounces in one lot."""

    take_profit: float
    stop_loss: float
    unit: str
    horizon: int
    default_spread_points: float
    contract_size_oz: float
    lot_size: float

    @classmethod
    def of_version(cls, details: Mapping[str, Any], costs: Mapping[str, Any]) -> ExitRules | None:
        """From a version's details (its labels and the costs it was evaluated with; `costs`, the
        desk's, fills what the version did not record). None when it recorded no exits."""
        labels = details.get("labels") or {}
        if not {"take_profit", "stop_loss", "unit"} <= set(labels):
            return None
        used = {**costs, **(details.get("costs") or {})}
        return cls(
            take_profit=float(labels["take_profit"]),
            stop_loss=float(labels["stop_loss"]),
            unit=str(labels["unit"]),
            horizon=int(labels.get("horizon", 0)),
            default_spread_points=float(used.get("default_spread_points", 20.0)),
            contract_size_oz=float(used.get("contract_size_oz", 100.0)),
            lot_size=float(used.get("lot_size", 0.1)),
        )


def entry_bars(bars: pd.DataFrame, trades: Sequence[ChartTrade]) -> np.ndarray:
    """Row of each trade's entry bar in `bars` (-1 when the trade opened before the first bar)."""
    times = pd.DatetimeIndex(bars["time"]).as_unit("ns").asi8
    opens = pd.DatetimeIndex([t.open_time for t in trades], tz="UTC").as_unit("ns").asi8
    return np.searchsorted(times, opens, side="right") - 1


def trades_with_levels(
    bars: pd.DataFrame, trades: Sequence[ChartTrade], rules: ExitRules | None, levels: Levels
) -> list[ChartTrade]:
    """The trades with their take-profit, stop-loss and spread paid, from `bars` (which must
    start early enough for the ATR: a few hundred bars before the first trade). Levels stay
    None without exit rules, or for a trade whose entry or signal bar is not among `bars`."""
    if not trades or bars.empty:
        return list(trades)
    spread = spread_prices(bars, rules.default_spread_points if rules else 20.0)
    tp_d = sl_d = np.full(len(bars), np.nan)
    if rules is not None:
        atr = causal_atr(bars) if rules.unit == "atr" else np.full(len(bars), np.nan)
        unit: Unit = "atr" if rules.unit == "atr" else "usd"
        tp_d, sl_d = distances_from_atr(atr, rules.take_profit, rules.stop_loss, unit)
    price = _served if levels == "served" else _simulated
    out = []
    for trade, e in zip(trades, entry_bars(bars, trades), strict=True):
        inside = 0 <= e < len(bars)
        paid = _spread_paid(trade, float(spread[e]), rules) if inside else None
        tp = sl = None
        if inside and e >= 1:
            side = 1 if trade.side == "buy" else -1
            tp, sl = price(bars, spread, int(e), side, float(tp_d[e - 1]), float(sl_d[e - 1]))
        out.append(trade.with_levels(tp, sl, paid))
    return out


def _simulated(
    bars: pd.DataFrame, spread: np.ndarray, e: int, side: int, tp_d: float, sl_d: float
) -> tuple[float | None, float | None]:
    """The barriers `engine.labels.barriers.barrier_trades` used for this entry."""
    entry = float(bars["open"].iloc[e]) + (float(spread[e]) if side > 0 else 0.0)
    return _finite(entry + side * tp_d), _finite(entry - side * sl_d)


def _served(
    bars: pd.DataFrame, spread: np.ndarray, e: int, side: int, tp_d: float, sl_d: float
) -> tuple[float | None, float | None]:
    """The levels the signal at bar e - 1 carried (`SignalModel._levels`)."""
    close = float(bars["close"].iloc[e - 1])
    if side > 0:
        entry = close + float(spread[e - 1])
        return _cents(entry + tp_d), _cents(entry - sl_d)
    return _cents(close - tp_d), _cents(close + sl_d)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _cents(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def _spread_paid(trade: ChartTrade, spread: float, rules: ExitRules | None) -> float | None:
    """Money the entry bar's spread cost: spread x ounces (lots x the contract's ounces)."""
    lots = trade.volume if trade.volume is not None else (rules.lot_size if rules else None)
    if lots is None:
        return None
    return spread * lots * (rules.contract_size_oz if rules else 100.0)
