"""The `risk` section of the configuration: how many lots a signal carries, how much open risk
the trading side may hold, and the loss limits that pause trading on their own."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from engine.config.schema import Phase3Config

SizingMode = Literal["fixed_lots", "risk_percent"]


class RiskConfig(BaseModel):
    """Position size of every signal, the open-risk cap, and the automatic pause rules."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    sizing: SizingMode = Field(
        "fixed_lots",
        description="How a BUY/SELL signal is sized: fixed_lots (risk.fixed_lots every time) or "
        "risk_percent (risk.risk_percent of the account balance lost if the signal's stop is "
        "hit). The balance is the one the trading side sends with the signal request "
        "(account.balance), else account.initial_balance. Backtests and shadow trades always "
        "trade costs.lot_size.",
    )
    fixed_lots: float = Field(
        0.1, gt=0, le=1000, description="Lots of every signal when risk.sizing=fixed_lots."
    )
    risk_percent: float = Field(
        1.0,
        gt=0,
        le=100,
        description="Percent of the balance a signal may lose at its stop when "
        "risk.sizing=risk_percent: the stop distance (from the fill: the ask for a BUY, so the "
        "spread is inside it, as in the backtest's exits) plus slippage both ways, times "
        "costs.contract_size_oz ounces per lot, plus costs.commission_per_lot.",
    )
    lot_step: float = Field(
        0.01, gt=0, le=100, description="Lot step of the broker's symbol: sizes round down to it."
    )
    min_lots: float = Field(
        0.01,
        gt=0,
        le=1000,
        description="Smallest order the broker takes: a signal whose size rounds below it is "
        "HOLD, with the reason.",
    )
    max_lots: float = Field(
        1.0, gt=0, le=1000, description="Largest size a signal carries (larger sizes are cut)."
    )
    max_open_risk_percent: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Most money at risk at the stops of all open positions together, percent "
        "of the balance (0 = off). The trading side sends its open positions' risk with the "
        "signal request (account.open_risk); when this is on and it does not, signals are HOLD. "
        "A new signal is cut to what is left, or HOLD when that is below risk.min_lots.",
    )
    daily_loss_limit: float = Field(
        0.0,
        ge=0,
        le=1e9,
        description="Pause trading when the live trades closed this UTC day (since the last "
        "resume) lost this much money in total, net of commission and swap (0 = off).",
    )
    max_drawdown_pct: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Pause trading when the live equity (account.initial_balance plus every live "
        "trade) is this many percent below its peak since the last resume (0 = off).",
    )


def on_step(value: float, step: float) -> bool:
    """Whether `value` is a whole number of `step`s (to a millionth of a step)."""
    steps = value / step
    return math.isclose(steps, round(steps), abs_tol=1e-6)


def risk_problems(cfg: Phase3Config) -> list[str]:
    """The risk section's cross-field rules; each message names the keys."""
    risk, problems = cfg.risk, []
    if risk.min_lots > risk.max_lots:
        problems.append("risk.min_lots must not exceed risk.max_lots")
    for key in ("min_lots", "fixed_lots"):
        if not on_step(getattr(risk, key), risk.lot_step):
            problems.append(
                f"risk.{key} must be a whole number of risk.lot_step ({risk.lot_step:g}): "
                "the broker refuses other sizes"
            )
    if risk.sizing == "fixed_lots" and not risk.min_lots <= risk.fixed_lots <= risk.max_lots:
        problems.append(
            "risk.fixed_lots must lie between risk.min_lots and risk.max_lots "
            "when risk.sizing=fixed_lots"
        )
    return problems
