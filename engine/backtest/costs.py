"""What every simulated trade pays: spread, slippage and commission (the `costs` config section)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from engine.errors import AurumError

POINT = 0.01  # dollars per MT5 point on XAUUSD


class BacktestError(AurumError, ValueError):
    """A backtest input was refused (signals, costs, confidence); also a ValueError."""


@dataclass(frozen=True)
class CostModel:
    """Trading costs; same keys, units and defaults as `engine.config.schema.CostsConfig`.

    Spreads and slippage are in points ($0.01); commission is per 1.0 lot, round turn.
    """

    default_spread_points: float = 20.0
    slippage_points: float = 2.0
    commission_per_lot: float = 7.0
    contract_size_oz: float = 100.0
    lot_size: float = 0.1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            positive = f.name in ("contract_size_oz", "lot_size")
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not (ok and math.isfinite(value) and (value > 0 if positive else value >= 0)):
                need = "> 0" if positive else ">= 0"
                raise BacktestError(f"costs.{f.name} must be a number {need}, got {value!r}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> CostModel:
        """Build from a mapping such as ``config.costs.model_dump()``; unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BacktestError(f"unknown cost keys {unknown}; known keys: {sorted(known)}")
        return cls(**dict(values))

    @property
    def slippage(self) -> float:
        """Slippage per side in dollars per ounce."""
        return self.slippage_points * POINT

    @property
    def ounces(self) -> float:
        """Ounces traded per trade: dollars of profit per dollar of price move."""
        return self.contract_size_oz * self.lot_size

    @property
    def commission(self) -> float:
        """Round-turn commission of one trade in account currency."""
        return self.commission_per_lot * self.lot_size
