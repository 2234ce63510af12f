"""Trades sliced by the market regime known when they were entered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from engine.features._bars import BarArrays
from engine.regimes.detect import TREND, VOLATILITY, detect_regimes, state_labels
from engine.regimes.settings import RegimeSettings

UNKNOWN = "unknown"  # entered before the stored bars give a regime (warm-up, or no bars)
COLUMNS = ["regime", "trades", "win_rate", "net_profit", "expectancy"]
Dimension = Literal["regime", "volatility", "trend"]


def _trade_table(trades: pd.DataFrame | Iterable[Any]) -> pd.DataFrame:
    """open_time (UTC) and net_profit of trades given as a frame or as objects with them."""
    if isinstance(trades, pd.DataFrame):
        table = trades[["open_time", "net_profit"]]
    else:
        rows = [(t.open_time, t.net_profit) for t in cast(Iterable[Any], trades)]
        table = pd.DataFrame(rows, columns=["open_time", "net_profit"])
    return pd.DataFrame(
        {
            "open_time": pd.to_datetime(table["open_time"], utc=True),
            "net_profit": table["net_profit"].astype(float).to_numpy(),
        }
    )


@dataclass(frozen=True)
class BarStates:
    """Each bar's close time (ns since the epoch, UTC) and its volatility and trend codes: what
    the regimes at any entry inside those bars are read from."""

    closes: np.ndarray
    volatility: np.ndarray
    trend: np.ndarray


def bar_states(bars: pd.DataFrame, settings: RegimeSettings | None = None) -> BarStates:
    """The regime states of every bar (from that bar and the ones before it)."""
    if bars.empty:
        return BarStates(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    r = detect_regimes(BarArrays.from_frame(bars), settings)
    opens = pd.DatetimeIndex(pd.to_datetime(bars["time"], utc=True)).as_unit("ns")
    step = pd.Series(opens).diff().median() if len(opens) > 1 else pd.Timedelta(0)
    closes = (opens + (step if pd.notna(step) else pd.Timedelta(0))).asi8
    return BarStates(np.asarray(closes), r.volatility, r.trend)


def entry_regimes(
    open_times: pd.Series | pd.DatetimeIndex,
    bars: pd.DataFrame | BarStates,
    settings: RegimeSettings | None = None,
    *,
    by: Dimension = "regime",
) -> list[str]:
    """For each entry time, the regime of the last bar CLOSED by then (what the trader could
    know at entry); ``unknown`` before the first bar with a regime. ``bars``: the stored bars,
    or their `bar_states` already computed."""
    entries = pd.DatetimeIndex(pd.to_datetime(open_times, utc=True)).as_unit("ns")
    states = bars if isinstance(bars, BarStates) else bar_states(bars, settings)
    if not len(states.closes):
        return [UNKNOWN] * len(entries)
    at = np.searchsorted(states.closes, entries.asi8, side="right") - 1
    seen = at >= 0  # labelled at the entries' bars only, not at every bar
    labels = np.full(len(at), UNKNOWN, dtype=object)
    named = state_labels(states.volatility[at[seen]], states.trend[at[seen]], by)
    labels[seen] = np.where(pd.isna(named), UNKNOWN, named)
    return [str(label) for label in labels]


def metrics_by_regime(
    trades: pd.DataFrame | Iterable[Any],
    bars: pd.DataFrame | BarStates,
    settings: RegimeSettings | None = None,
    *,
    by: Dimension = "regime",
) -> pd.DataFrame:
    """Trades, win rate, net profit and expectancy per regime at entry (``by``: the combined
    label, or volatility or trend alone). ``trades``: a frame with ``open_time`` and
    ``net_profit`` (after costs) or objects with those attributes (ledger trades); ``bars``: the
    stored bars of the trades' market, from well before the first entry (the warm-up). One row
    per regime seen, in a fixed order, ``unknown`` last."""
    table = _trade_table(trades)
    table["regime"] = entry_regimes(table["open_time"], bars, settings, by=by)
    rows = []
    for name in _order(by, set(table["regime"])):
        mine = table.loc[table["regime"] == name, "net_profit"].to_numpy()
        rows.append(
            {
                "regime": name,
                "trades": len(mine),
                "win_rate": float((mine > 0).mean()),
                "net_profit": float(mine.sum()),
                "expectancy": float(mine.mean()),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _order(by: Dimension, seen: set[str]) -> list[str]:
    """Regimes in reading order: high to low volatility, up, range, down; unknown last."""
    vols = [VOLATILITY[k] for k in (1, 0, -1)]
    trends = [TREND[k] for k in (1, 0, -1)]
    names = {
        "volatility": vols,
        "trend": trends,
        "regime": [f"{v} vol · {t}" for v in vols for t in trends],
    }[by]
    return [n for n in [*names, UNKNOWN] if n in seen]
