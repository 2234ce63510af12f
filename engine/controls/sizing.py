"""Position size of a signal: lots and the money lost if its stop is hit (one pure function).

The money at risk per lot is what the backtest books for a trade that exits at its stop: the
stop distance from the fill (a BUY fills at the ask, so the spread is inside the distance,
exactly as the triple-barrier exits measure it) plus slippage on both fills, times the contract
size, plus the round-turn commission. Sizes round *down* to the lot step, so a signal never
risks more than its budget; one that rounds below the broker's minimum is HOLD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.backtest.costs import POINT
from engine.config.risk import RiskConfig
from engine.config.schema import CostsConfig
from engine.metrics.catalog import money


@dataclass(frozen=True)
class Balance:
    """The balance a signal is sized on and where it came from."""

    amount: float
    source: str  # "reported" (sent with the request) or "account.initial_balance"


@dataclass(frozen=True)
class PositionSize:
    """Lots to trade (0 when `hold`), the money lost at the stop, and how they were found."""

    lots: float
    risk_money: float | None  # None: the signal has no stop, so its risk is unknown
    note: str
    hold: bool = False


def risk_per_lot(stop_distance: float, costs: CostsConfig) -> float:
    """Money one lot loses when the stop is hit: (distance + 2 x slippage) x ounces + commission."""
    slippage = 2 * costs.slippage_points * POINT
    return (stop_distance + slippage) * costs.contract_size_oz + costs.commission_per_lot


def round_down(lots: float, step: float) -> float:
    """`lots` down to a whole number of `step`s (a float error of a millionth of a step is
    forgiven, so 0.3 / 0.1 counts as 3 steps)."""
    steps = math.floor(lots / step + 1e-6)
    return round(steps * step, 10)


def position_size(
    *,
    stop_distance: float | None,
    balance: Balance,
    open_risk: float | None,
    risk: RiskConfig,
    costs: CostsConfig,
    currency: str = "USD",
) -> PositionSize:
    """The size of one BUY/SELL signal under the `risk` section (see the module docstring);
    money in the reasons is written in `currency` (account.currency)."""
    if stop_distance is None or not math.isfinite(stop_distance) or stop_distance <= 0:
        if risk.sizing == "risk_percent" or risk.max_open_risk_percent > 0:
            return _hold("the signal has no stop-loss, so its risk cannot be sized")
        lots = min(risk.fixed_lots, risk.max_lots)
        return PositionSize(lots, None, f"fixed {lots:g} lots (no stop-loss: risk unknown)")
    per_lot = risk_per_lot(stop_distance, costs)
    if risk.sizing == "fixed_lots":
        wanted, why = risk.fixed_lots, f"fixed {risk.fixed_lots:g} lots"
    else:
        budget = balance.amount * risk.risk_percent / 100
        wanted = budget / per_lot
        why = (
            f"{risk.risk_percent:g}% of balance {money(balance.amount, currency)} "
            f"({balance.source}) = {money(budget, currency)} at {money(per_lot, currency)} per lot"
        )
    if risk.max_open_risk_percent > 0:
        room = _open_risk_room(balance, open_risk, risk, currency)
        if isinstance(room, str):
            return _hold(room)
        if room / per_lot < wanted:
            wanted = room / per_lot
            why += f"; cut to the {money(room, currency)} left under risk.max_open_risk_percent"
    if wanted > risk.max_lots:
        wanted, why = risk.max_lots, why + f"; capped at risk.max_lots {risk.max_lots:g}"
    lots = round_down(wanted, risk.lot_step)
    if lots < risk.min_lots - 1e-9:
        return _hold(
            f"{why} gives {wanted:.4f} lots, below the minimum risk.min_lots {risk.min_lots:g}"
        )
    return PositionSize(lots, round(lots * per_lot, 2), f"{why} → {lots:g} lots")


def _open_risk_room(
    balance: Balance, open_risk: float | None, risk: RiskConfig, currency: str
) -> float | str:
    """Money a new position may still put at risk, or why there is none."""
    if open_risk is None:
        return (
            "risk.max_open_risk_percent is on but the request did not report the open "
            "positions' risk (account.open_risk)"
        )
    cap = balance.amount * risk.max_open_risk_percent / 100
    room = cap - open_risk
    if room <= 0:
        return (
            f"open risk {money(open_risk, currency)} already uses the limit "
            f"{money(cap, currency)} (risk.max_open_risk_percent "
            f"{risk.max_open_risk_percent:g}% of {money(balance.amount, currency)})"
        )
    return room


def _hold(reason: str) -> PositionSize:
    return PositionSize(0.0, 0.0, f"HOLD: {reason}", hold=True)
