"""The `shadow` section of the configuration: which challengers paper-trade the live bars, and
what shadow evidence a promotion needs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from engine.config.schema import Phase3Config

_REF = re.compile(r"^(\d+|[A-Za-z0-9][A-Za-z0-9._-]*:v\d+)$")


def _refs(values: list[str]) -> list[str]:
    bad = [v for v in values if not _REF.match(v)]
    if bad:
        raise ValueError(
            f"{', '.join(repr(b) for b in bad)} is not a version: use lineage:vN "
            "(e.g. XAUUSD-M5-scalper:v3) or an id"
        )
    if len(set(values)) != len(values):
        raise ValueError("versions must not repeat")
    return values


class ShadowConfig(BaseModel):
    """Shadow trading: challengers paper-trade the same stored live bars as the champion."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    mode: Literal["off", "top_k", "pinned"] = Field(
        "off",
        description="Which versions paper-trade the live bars next to each market's active "
        "version: off, top_k (the best-ranked versions of each market that are not active) or "
        "pinned (the versions in shadow.pinned).",
    )
    top_k: int = Field(
        2, ge=1, le=50, description="Challengers per market (symbol/timeframe) when mode=top_k."
    )
    pinned: Annotated[list[str], AfterValidator(_refs)] = Field(
        default_factory=list,
        max_length=100,
        description="Versions (lineage:vN or id) that paper-trade when mode=pinned, each on its "
        "own market.",
    )
    live_bars_only: bool = Field(
        True,
        description="Count only bars that opened after the version was registered (A/B on live "
        "data). Off: every bar after its training window (never an in-sample bar), e.g. to "
        "backfill on bars imported later.",
    )
    min_trades: int = Field(
        30,
        ge=2,
        le=1_000_000,
        description="Paper trades the challenger and the champion each need over their common "
        "period before the edge is tested.",
    )
    max_p_value: float = Field(
        0.05,
        gt=0,
        le=0.5,
        description="Largest p-value (one-sided Welch t-test on per-trade net profit) at which "
        "a challenger's shadow edge over the champion counts as significant.",
    )
    require_for_promotion: bool = Field(
        False,
        description="A challenger that passes the promotion gates is held until its shadow "
        "edge over the champion is significant (shadow.min_trades, shadow.max_p_value); the "
        "background services then promote it (or flag it when auto_model_switching is off).",
    )


def shadow_problems(cfg: Phase3Config) -> list[str]:
    """The shadow section's cross-field rules; each message names the keys."""
    shadow, problems = cfg.shadow, []
    if shadow.require_for_promotion and shadow.mode == "off":
        problems.append(
            "shadow.require_for_promotion needs shadow.mode top_k or pinned "
            "(with mode off nothing gathers the evidence)"
        )
    if shadow.mode == "pinned" and not shadow.pinned:
        problems.append("shadow.mode=pinned needs at least one version in shadow.pinned")
    return problems
