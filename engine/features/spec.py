"""The feature settings (the config file's ``features`` section) and the history they need.

Every feature of a bar is computed from a fixed window of ``history_bars(spec, tf)`` bars ending
at that bar (see `engine.features._window`): more history never changes it, so that is the
minimum history a signal needs, and ``warmup_bars = history_bars - 1`` leading rows of
``build_features`` may be NaN. The higher-timeframe group is used only when
``higher_timeframe`` is longer than, and a multiple of, the bars' timeframe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from engine.data.timeframes import timeframe_seconds
from engine.features._decay import decay_span, ema_alpha, wilder_alpha
from engine.regimes.settings import RegimeSettings, regime_warmup

# Written into the details of every version trained on fixed windows; a version without it was
# trained with round one's whole-history definitions (`engine.features._legacy`).
FIXED_WINDOW = "fixed-window-1"
MAX_HISTORY_BARS = 5_000  # the most bars a signal request may send (the bridge's MAX_BARS)

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

    _whole_history: bool = PrivateAttr(default=False)

    @property
    def fixed_window(self) -> bool:
        """True unless these are the settings of a version trained before fixed windows."""
        return not self._whole_history

    @model_validator(mode="after")
    def _cross_field_rules(self) -> FeatureSpec:
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast ({self.macd_fast}) must be shorter than macd_slow ({self.macd_slow})"
            )
        return self


@dataclass(frozen=True)
class GroupNote:
    """A chosen feature group that gives nothing (or carries no information) on a timeframe."""

    group: str
    reason: str

    def __str__(self) -> str:
        return f"{self.group}: {self.reason}"


def inapplicable_groups(spec: FeatureSpec, timeframe: str) -> list[GroupNote]:
    """The chosen groups that cannot apply to bars of ``timeframe``, and why (shown with every
    learning session, so a trader knows which features a model never had)."""
    tf = timeframe.strip().upper()
    notes = []
    if "higher_tf" in spec.groups and higher_timeframe_for(spec, tf) is None:
        if spec.higher_timeframe == "none":
            why = "off (features.higher_timeframe is none): no higher-timeframe context"
        else:
            longer = [h for h in get_args(HigherTimeframe)[:-1] if _longer(h, tf)]
            advice = (
                f"choose {' or '.join(longer)} to use it"
                if longer
                else f"no choice ({', '.join(get_args(HigherTimeframe)[:-1])}) is longer"
            )
            why = (
                f"features.higher_timeframe {spec.higher_timeframe} is not longer than the {tf} "
                f"bars, so the model gets no higher-timeframe columns; {advice}"
            )
        notes.append(GroupNote("higher_tf", why))
    if tf == "D1":
        for group in ("time", "session"):
            if group in spec.groups:
                notes.append(
                    GroupNote(
                        group,
                        f"every D1 bar opens at the same hour: the {group} "
                        "columns carry (almost) nothing on daily bars",
                    )
                )
    return notes


def _longer(higher: str, timeframe: str) -> bool:
    low, high = timeframe_seconds(timeframe), timeframe_seconds(higher)
    return high > low and high % low == 0


def stored_spec(details: Mapping[str, Any]) -> FeatureSpec:
    """A version's feature settings with the definition it was trained with: a version
    registered before fixed windows (no ``feature_window`` in its details) keeps round one's
    whole-history definitions, so it is served exactly as it was trained."""
    spec = FeatureSpec.model_validate(details["feature_spec"])
    spec._whole_history = details.get("feature_window") != FIXED_WINDOW
    return spec


def higher_timeframe_for(spec: FeatureSpec, timeframe: str) -> str | None:
    """The higher timeframe used for bars of ``timeframe``, or None when it is off or not longer."""
    if "higher_tf" not in spec.groups or spec.higher_timeframe == "none":
        return None
    return spec.higher_timeframe if _longer(spec.higher_timeframe, timeframe) else None


def _group_window(spec: FeatureSpec, group: str) -> int:
    """Bars one bar-timeframe group's value at a bar is computed from (that bar included)."""
    wilder = {p: decay_span(wilder_alpha(p)) for p in (spec.atr_period, spec.rsi_period)}
    ema = {
        p: decay_span(ema_alpha(p))
        for p in (*spec.ema_periods, spec.macd_fast, spec.macd_slow, spec.macd_signal)
    }
    table = {
        "returns": max(spec.return_lags) + 1,
        "trend": max(
            max(ema[p] for p in spec.ema_periods), 2 * decay_span(wilder_alpha(spec.adx_period))
        ),
        "momentum": max(
            wilder[spec.rsi_period] + 1,
            max(ema[spec.macd_fast], ema[spec.macd_slow]) + ema[spec.macd_signal] - 1,
            spec.stoch_k + 2 * spec.stoch_d - 2,
        ),
        "volatility": max(wilder[spec.atr_period], max(spec.vol_windows)) + 1,
        "bands": spec.bb_period,
        "range": spec.range_window,
        "spread": wilder[spec.atr_period] + 1,
        "regime": regime_warmup(REGIME_FEATURE_SETTINGS) + 1,
    }
    return table.get(group, 1)


def higher_closes(spec: FeatureSpec) -> int:
    """Closed higher-timeframe bars the higher-timeframe group needs (return, RSI, EMA)."""
    return max(
        2, decay_span(wilder_alpha(spec.rsi_period)) + 1, decay_span(ema_alpha(spec.htf_ema_period))
    )


def group_history(spec: FeatureSpec, group: str, timeframe: str) -> int:
    """Bars one group's value at a bar is computed from (that bar included)."""
    if group != "higher_tf":
        return _group_window(spec, group)
    higher = higher_timeframe_for(spec, timeframe)
    if higher is None:
        return 1
    ratio = timeframe_seconds(higher) // timeframe_seconds(timeframe)
    return ratio * higher_closes(spec)  # worst case: every higher bar complete


def history_bars(spec: FeatureSpec, timeframe: str) -> int:
    """The fixed window: a bar's features are computed from it and the bars before it, this
    many in all, and never change with more history (the minimum history a signal needs).
    For a version trained before fixed windows: the fewest bars it accepted."""
    if not spec.fixed_window:
        from engine.features.history import legacy_history

        return legacy_history(spec, timeframe)[0]
    return max((group_history(spec, g, timeframe) for g in spec.groups), default=1)


def warmup_bars(spec: FeatureSpec, timeframe: str) -> int:
    """Bars at the start of a series whose features may be NaN; all later rows are defined."""
    return history_bars(spec, timeframe) - 1
