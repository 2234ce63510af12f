"""The feature settings (the config file's ``features`` section) and the warm-up they need.

Warm-up is counted in bars of the model's timeframe: ``warmup_bars(spec, tf)`` leading rows of
``build_features`` may be NaN; every later row is defined. The higher-timeframe group is used only
when ``higher_timeframe`` is longer than, and a multiple of, the bars' timeframe.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from engine.data.timeframes import timeframe_seconds
from engine.regimes.settings import RegimeSettings, regime_warmup

# The regime group always uses the detector's standard settings, so a trained version's feature
# never moves when the trader edits the `regimes` section (which drives the page and trigger).
REGIME_FEATURE_SETTINGS = RegimeSettings()

Group = Literal[
    "returns",
    "trend",
    "momentum",
    "volatility",
    "bands",
    "range",
    "spread",
    "time",
    "session",
    "higher_tf",
    "regime",
]
GROUPS: tuple[Group, ...] = get_args(Group)
OPT_IN: tuple[Group, ...] = ("regime",)  # chosen by name only: not in the default set
DEFAULT_GROUPS: tuple[Group, ...] = tuple(g for g in GROUPS if g not in OPT_IN)
HigherTimeframe = Literal["M15", "M30", "H1", "H4", "none"]


def _unique(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise ValueError(f"values must not repeat, got {values}")
    return values


def _unique_groups(values: list[Group]) -> list[Group]:
    if len(set(values)) != len(values):
        raise ValueError(f"groups must not repeat, got {values}")
    return values


Lag = Annotated[int, Field(ge=1, le=1000)]
Period = Annotated[int, Field(ge=2, le=1000)]
Window = Annotated[int, Field(ge=2, le=5000)]


class FeatureSpec(BaseModel):
    """Which features are computed from the bars, and their look-back lengths (in bars)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    groups: Annotated[list[Group], AfterValidator(_unique_groups)] = Field(
        default_factory=lambda: list(DEFAULT_GROUPS),
        min_length=1,
        max_length=len(GROUPS),
        description="Feature families fed to the models ('regime' is opt-in: add it by name).",
    )
    return_lags: Annotated[list[Lag], AfterValidator(_unique)] = Field(
        default_factory=lambda: [1, 3, 6, 12],
        min_length=1,
        max_length=12,
        description="Past returns measured over these numbers of bars.",
    )
    ema_periods: Annotated[list[Period], AfterValidator(_unique)] = Field(
        default_factory=lambda: [9, 21, 50],
        min_length=1,
        max_length=8,
        description="Moving averages (EMA) the close is compared with, in bars.",
    )
    rsi_period: int = Field(14, ge=2, le=500, description="RSI length in bars.")
    macd_fast: int = Field(12, ge=2, le=500, description="MACD fast EMA length in bars.")
    macd_slow: int = Field(26, ge=3, le=1000, description="MACD slow EMA length in bars.")
    macd_signal: int = Field(9, ge=1, le=500, description="MACD signal line length in bars.")
    bb_period: int = Field(20, ge=2, le=1000, description="Bollinger band length in bars.")
    bb_std: float = Field(
        2.0, ge=0.5, le=5.0, description="Bollinger band width in standard deviations."
    )
    atr_period: int = Field(14, ge=1, le=1000, description="ATR (average true range) length.")
    adx_period: int = Field(14, ge=2, le=500, description="ADX (trend strength) length in bars.")
    stoch_k: int = Field(14, ge=1, le=500, description="Stochastic %K look-back in bars.")
    stoch_d: int = Field(3, ge=1, le=100, description="Stochastic smoothing of %K and %D in bars.")
    vol_windows: Annotated[list[Window], AfterValidator(_unique)] = Field(
        default_factory=lambda: [12, 48],
        min_length=1,
        max_length=6,
        description="Windows (bars) of the realised volatility of returns.",
    )
    range_window: int = Field(
        48, ge=2, le=5000, description="Bars of the recent high-low range the close is placed in."
    )
    higher_timeframe: HigherTimeframe = Field(
        "H1", description="Longer timeframe whose last closed bar gives context ('none' = off)."
    )
    htf_ema_period: int = Field(
        21, ge=2, le=500, description="EMA length, in higher-timeframe bars, for that context."
    )

    @model_validator(mode="after")
    def _cross_field_rules(self) -> FeatureSpec:
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast ({self.macd_fast}) must be shorter than macd_slow ({self.macd_slow})"
            )
        return self


def higher_timeframe_for(spec: FeatureSpec, timeframe: str) -> str | None:
    """The higher timeframe used for bars of ``timeframe``, or None when it is off or not longer."""
    if "higher_tf" not in spec.groups or spec.higher_timeframe == "none":
        return None
    low, high = timeframe_seconds(timeframe), timeframe_seconds(spec.higher_timeframe)
    return spec.higher_timeframe if high > low and high % low == 0 else None


def _group_lookback(spec: FeatureSpec, group: str) -> int:
    """Leading NaN rows of one bar-timeframe group (TA-Lib's look-back conventions)."""
    atr = spec.atr_period
    table = {
        "returns": max(spec.return_lags),
        "trend": max(max(spec.ema_periods) - 1, 2 * spec.adx_period - 1),
        "momentum": max(
            spec.rsi_period,
            spec.macd_slow + spec.macd_signal - 2,
            spec.stoch_k + 2 * spec.stoch_d - 3,
        ),
        "volatility": max(atr, max(spec.vol_windows)),
        "bands": spec.bb_period - 1,
        "range": spec.range_window - 1,
        "spread": atr,
        "regime": regime_warmup(REGIME_FEATURE_SETTINGS),
    }
    return table.get(group, 0)


def warmup_bars(spec: FeatureSpec, timeframe: str) -> int:
    """Bars at the start of a series whose features may be NaN; all later rows are defined."""
    need = max((_group_lookback(spec, g) for g in spec.groups), default=0)
    higher = higher_timeframe_for(spec, timeframe)
    if higher is not None:
        ratio = timeframe_seconds(higher) // timeframe_seconds(timeframe)
        first = max(1, spec.rsi_period, spec.htf_ema_period - 1)  # first defined higher bar
        need = max(need, ratio * (first + 1) - 1)
    return need
