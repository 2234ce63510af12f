"""Turn per-bar signals into cost-aware trades, with the same exits as the triple-barrier labels.

A signal at bar t (1 buy, -1 sell, 0 hold; decided at t's close) enters at bar t + 1's open: a
long at the ask (open + the entry bar's spread, the default when missing), a short at the bid.
Exits come from `engine.labels.barriers` (take profit, stop, time; see there for the bid/ask
convention), with barriers measured from the entry quote, so a trade and the label of its bar
are the same trade. Slippage is paid on top at each fill, commission per round turn. One position
at a time: signals at bars before the open trade's exit bar are ignored; a signal at the exit
bar itself may open the next trade. Signals whose horizon runs past the data are not traded.

Money: ``gross_profit`` is the bid-to-bid move; ``costs`` = (spread + 2 x slippage) x ounces +
commission; ``net_profit`` = gross - costs, where ounces = contract_size_oz x lot_size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.backtest.costs import BacktestError, CostModel
from engine.labels.barriers import REASON_NAMES, BarPrices, BarrierTrades, barrier_trades
from engine.labels.inputs import Unit, barrier_distances, check_horizon, spread_prices

TRADE_COLUMNS = (
    "entry_index",
    "exit_index",
    "entry_time",
    "exit_time",
    "side",
    "entry_price",
    "exit_price",
    "exit_reason",
    "gross_profit",
    "costs",
    "net_profit",
    "confidence",
)


@dataclass(frozen=True)
class Market:
    """What trades are resolved against: prices, per-bar barrier distances, spreads, times."""

    prices: BarPrices
    times: pd.DatetimeIndex
    tp_distance: np.ndarray
    sl_distance: np.ndarray
    spread: np.ndarray
    horizon: int

    def resolve(self, signal_index: np.ndarray, side: np.ndarray) -> BarrierTrades:
        """Barrier trades decided at ``signal_index`` with the given sides."""
        return barrier_trades(
            self.prices,
            signal_index,
            side,
            tp_distance=self.tp_distance,
            sl_distance=self.sl_distance,
            spread=self.spread,
            horizon=self.horizon,
        )


def prepare_market(
    bars: pd.DataFrame,
    *,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    costs: CostModel,
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
) -> Market:
    """Compute once what every simulation on these bars needs."""
    if "time" not in bars.columns:
        raise BacktestError("bars need a 'time' column (bar open times) to time the trades")
    tp_d, sl_d = barrier_distances(
        bars, take_profit=take_profit, stop_loss=stop_loss, unit=unit, atr=atr
    )
    return Market(
        prices=BarPrices.from_bars(bars),
        times=pd.DatetimeIndex(bars["time"]),
        tp_distance=tp_d,
        sl_distance=sl_d,
        spread=spread_prices(bars, costs.default_spread_points),
        horizon=check_horizon(horizon),
    )


def simulate_trades(
    bars: pd.DataFrame,
    signals: Any,
    *,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    costs: CostModel | Mapping[str, Any],
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
    confidence: Any = None,
) -> pd.DataFrame:
    """Trades (columns `TRADE_COLUMNS`, in time order) from per-bar signals, one at a time."""
    cost_model = as_cost_model(costs)
    market = prepare_market(
        bars,
        take_profit=take_profit,
        stop_loss=stop_loss,
        horizon=horizon,
        costs=cost_model,
        unit=unit,
        atr=atr,
    )
    return simulate_on(market, signals, cost_model, confidence)


def simulate_on(
    market: Market, signals: Any, costs: CostModel, confidence: Any = None
) -> pd.DataFrame:
    """`simulate_trades` on a prepared market (reuse it to simulate many signal sets)."""
    sig = signal_array(signals, len(market.prices))
    candidates = np.flatnonzero(sig)
    trades = market.resolve(candidates, sig[candidates])
    trades = trades.subset(np.flatnonzero(trades.resolved))
    chosen = one_at_a_time(trades.entry_index - 1, trades.exit_index)
    return trade_frame(market, trades.subset(chosen), costs, confidence)


def one_at_a_time(signal_index: np.ndarray, exit_index: np.ndarray) -> np.ndarray:
    """Rows taken when a signal is ignored until the open trade's exit bar (sorted signals).
    Each row's successor (the first signal at or after its exit bar) is found for all rows at
    once; the walk along them is then a list lookup per trade taken."""
    following = np.searchsorted(signal_index, exit_index, side="left").tolist()
    chosen: list[int] = []
    row, rows = 0, len(signal_index)
    while row < rows:
        chosen.append(row)
        row = following[row]  # > row: an exit comes after its own signal bar
    return np.asarray(chosen, dtype=np.int64)


def trade_frame(
    market: Market, trades: BarrierTrades, costs: CostModel, confidence: Any = None
) -> pd.DataFrame:
    """The trade table of resolved barrier trades: fills with slippage, money, costs, times."""
    side = trades.side
    slip = costs.slippage
    cost_money = (trades.spread + 2 * slip) * costs.ounces + costs.commission
    gross = (side * (trades.exit_price - trades.entry_price) + trades.spread) * costs.ounces
    conf = confidence_array(confidence, len(market.prices))
    return pd.DataFrame(
        {
            "entry_index": trades.entry_index,
            "exit_index": trades.exit_index,
            "entry_time": market.times[trades.entry_index],
            "exit_time": market.times[trades.exit_index] + bar_length(market.times),
            "side": np.where(side > 0, "buy", "sell").astype(object),
            "entry_price": trades.entry_price + side * slip,
            "exit_price": trades.exit_price - side * slip,
            "exit_reason": [REASON_NAMES[int(r)] for r in trades.reason],
            "gross_profit": gross,
            "costs": cost_money,
            "net_profit": gross - cost_money,
            "confidence": conf[trades.entry_index - 1],
        },
        columns=list(TRADE_COLUMNS),
    )


def bar_length(times: pd.DatetimeIndex) -> pd.Timedelta:
    """The bar length: the median step between bar open times (zero with fewer than 2 bars)."""
    if len(times) < 2:
        return pd.Timedelta(0)
    steps = np.diff(pd.DatetimeIndex(times).as_unit("ns").asi8)
    return pd.Timedelta(int(np.median(steps)), unit="ns")


def signal_array(signals: Any, n: int) -> np.ndarray:
    """Signals as int64 in {-1, 0, 1}, one per bar; nan counts as hold, anything else is refused."""
    try:
        if isinstance(signals, pd.Series):
            raw = signals.to_numpy(dtype=float, na_value=np.nan)
        else:
            raw = np.asarray(signals, dtype=float)
    except (TypeError, ValueError):
        raise BacktestError("signals must be numbers: 1 (buy), -1 (sell) or 0 (hold)") from None
    if raw.shape != (n,):
        raise BacktestError(f"signals must have one value per bar ({n}), got shape {raw.shape}")
    raw = np.where(np.isnan(raw), 0.0, raw)
    bad = np.flatnonzero(~np.isin(raw, (-1.0, 0.0, 1.0)))
    if bad.size:
        raise BacktestError(
            f"signal at bar {bad[0]} is {raw[bad[0]]!r}; signals must be 1 (buy), -1 (sell) "
            "or 0 (hold)"
        )
    return raw.astype(np.int64)


def confidence_array(confidence: Any, n: int) -> np.ndarray:
    """Per-bar confidence as float (nan everywhere when None)."""
    if confidence is None:
        return np.full(n, np.nan)
    conf = np.asarray(confidence, dtype=float)
    if conf.shape != (n,):
        raise BacktestError(f"confidence must have one value per bar ({n}), got {conf.shape}")
    return conf


def as_cost_model(costs: CostModel | Mapping[str, Any]) -> CostModel:
    """Accept a `CostModel` or a mapping with its keys."""
    return costs if isinstance(costs, CostModel) else CostModel.from_mapping(costs)
