"""Triple-barrier labels with the spread, and the first-touch routine the backtest shares."""

from engine.labels.barriers import (
    STOP_LOSS,
    TAKE_PROFIT,
    TIME,
    UNRESOLVED,
    BarPrices,
    BarrierTrades,
    barrier_trades,
    first_touch,
)
from engine.labels.errors import LabelError
from engine.labels.inputs import (
    barrier_distances,
    causal_atr,
    distances_from_atr,
    spread_from_points,
    spread_prices,
)
from engine.labels.triple_barrier import LABEL_COLUMNS, labelled_mask, triple_barrier_labels

__all__ = [
    "LABEL_COLUMNS",
    "STOP_LOSS",
    "TAKE_PROFIT",
    "TIME",
    "UNRESOLVED",
    "BarPrices",
    "BarrierTrades",
    "LabelError",
    "barrier_distances",
    "barrier_trades",
    "causal_atr",
    "distances_from_atr",
    "first_touch",
    "labelled_mask",
    "spread_from_points",
    "spread_prices",
    "triple_barrier_labels",
]
