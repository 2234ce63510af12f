"""The detector's look-backs and thresholds (the config file's ``regimes`` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

BARS_PER_DAY_MAX = 1440  # M1: the most bars a UTC day can hold on the timeframes we trade


class RegimeSettings(BaseModel):
    """How volatility and trend states are read from the trailing bars."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    detector: Literal["rules", "gmm"] = Field(
        "rules",
        description="Volatility states from the ATR percentile over vol_lookback bars (rules), "
        "or from a 3-component Gaussian mixture of log(ATR / close) fitted each UTC day on the "
        "gmm_train_bars bars before it (gmm). Trend uses the slope either way.",
    )
    gmm_train_bars: int = Field(
        2880,
        ge=200,
        le=100_000,
        description="Bars before each UTC day the gmm detector's mixture is fitted on "
        "(2880 M5 bars = ten days).",
    )
    atr_period: int = Field(
        14, ge=2, le=500, description="Bars in the average true range (simple mean) of a regime."
    )
    vol_lookback: int = Field(
        288,
        ge=20,
        le=5000,
        description="Trailing bars the current ATR is ranked among (288 M5 bars = one day).",
    )
    low_percentile: float = Field(
        0.25, gt=0, lt=1, description="ATR percentile below which volatility is 'low'."
    )
    high_percentile: float = Field(
        0.75, gt=0, lt=1, description="ATR percentile above which volatility is 'high'."
    )
    trend_window: int = Field(
        48, ge=5, le=5000, description="Trailing bars of the least-squares slope of the close."
    )
    trend_threshold: float = Field(
        1.0,
        gt=0,
        le=50,
        description="Fitted move over trend_window, in ATR x sqrt(trend_window), above which "
        "the market trends (up or down); below it, it ranges.",
    )

    @model_validator(mode="after")
    def _percentiles_in_order(self) -> RegimeSettings:
        if self.low_percentile >= self.high_percentile:
            raise ValueError(
                f"low_percentile ({self.low_percentile}) must be below high_percentile "
                f"({self.high_percentile})"
            )
        return self


def regime_warmup(settings: RegimeSettings) -> int:
    """Leading bars without a regime: every later bar has one (both states defined). For the
    gmm detector: enough bars that a tail this long (plus the bar itself) gives its last bar the
    same state as the whole series (the day's bars so far, the mixture's window, the ATR's)."""
    if settings.detector == "gmm":
        return settings.atr_period + settings.gmm_train_bars + BARS_PER_DAY_MAX
    return max(settings.atr_period + settings.vol_lookback - 1, settings.trend_window - 1)
