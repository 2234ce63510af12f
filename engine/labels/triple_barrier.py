"""Triple-barrier labels (take profit, stop loss, time limit) with the spread, for every bar.

For bar ``t`` two hypothetical trades are opened at bar ``t + 1``'s open and resolved with
`engine.labels.barriers` (see there for the exact bid/ask convention):

* a long buys at the ask (open + spread) and sells at the bid: its barriers are checked on the bid;
* a short sells at the bid and buys back at the ask: its barriers are checked on bid + spread;
* the spread is the entry bar's ``spread_points * 0.01`` (``default_spread_points`` when missing),
  constant for the trade.

``label`` is 1 when the long reaches its take-profit, -1 when the short does, 0 otherwise; when
both would win the one that resolves first is taken, and a tie is 0. ``end_index`` is the bar
where the LATER of the two trades resolves: the label of ``t`` is known only after that bar
closes, which is what purging needs (``end_time`` is that bar's open time). Bars without a full
window (the last ``horizon`` bars) or without an ATR get ``label`` nan and ``end_index`` -1; drop
them with `labelled_mask`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.labels.barriers import TAKE_PROFIT, BarPrices, BarrierTrades, barrier_trades
from engine.labels.inputs import Unit, barrier_distances, check_horizon, spread_prices

LABEL_COLUMNS = (
    "label",
    "long_return",
    "short_return",
    "entry_index",
    "end_index",
    "end_time",
)


def triple_barrier_labels(
    bars: pd.DataFrame,
    *,
    take_profit: float,
    stop_loss: float,
    horizon: int,
    unit: Unit = "atr",
    atr: np.ndarray | pd.Series | None = None,
    default_spread_points: float = 20.0,
) -> pd.DataFrame:
    """Label every bar with the triple-barrier outcome of a long and a short entered at t + 1.

    Barriers are ATR multiples (``atr`` = causal ATR per bar, TA-Lib ATR(14) when None) or dollars
    (``unit="usd"``). Returns the columns of `LABEL_COLUMNS`, indexed like ``bars``.
    """
    horizon = check_horizon(horizon)
    tp_d, sl_d = barrier_distances(
        bars, take_profit=take_profit, stop_loss=stop_loss, unit=unit, atr=atr
    )
    spread = spread_prices(bars, default_spread_points)
    prices = BarPrices.from_bars(bars)
    t = np.arange(len(bars), dtype=np.int64)
    long, short = (
        barrier_trades(
            prices, t, side, tp_distance=tp_d, sl_distance=sl_d, spread=spread, horizon=horizon
        )
        for side in (1, -1)
    )
    return _label_frame(bars, long, short)


def _label_frame(bars: pd.DataFrame, long: BarrierTrades, short: BarrierTrades) -> pd.DataFrame:
    """Combine the long and short trades of every bar into the label frame."""
    ok = long.resolved & short.resolved
    end = np.where(ok, np.maximum(long.exit_index, short.exit_index), -1)
    times = pd.DatetimeIndex(bars["time"]) if "time" in bars.columns else None
    end_time = (
        pd.Series(times[np.where(ok, end, 0)], index=bars.index).where(ok)
        if times is not None
        else pd.Series(pd.NaT, index=bars.index)
    )
    return pd.DataFrame(
        {
            "label": np.where(ok, _choose(long, short), np.nan),
            "long_return": np.where(ok, long.price_change, np.nan),
            "short_return": np.where(ok, short.price_change, np.nan),
            "entry_index": long.entry_index,
            "end_index": end,
            "end_time": end_time,
        },
        index=bars.index,
    )


def _choose(long: BarrierTrades, short: BarrierTrades) -> np.ndarray:
    """1 / -1 for the side that takes profit (the earlier one if both do, a tie is 0), else 0."""
    long_wins = long.reason == TAKE_PROFIT
    short_wins = short.reason == TAKE_PROFIT
    both = long_wins & short_wins
    first = np.sign(short.exit_index - long.exit_index)  # +1 when the long resolves first
    only = long_wins.astype(float) - short_wins.astype(float)
    return np.where(both, first, only).astype(float)


def labelled_mask(labels: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the bars whose label is known (the rows a caller may train on)."""
    return np.asarray(labels["label"].notna().to_numpy(dtype=bool))
