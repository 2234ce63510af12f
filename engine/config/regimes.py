"""The ``regimes`` section: the detector's settings (Performance page slices, regime trigger)
and whether a change of regime queues a learning session."""

from __future__ import annotations

from pydantic import Field

from engine.regimes.settings import RegimeSettings


class RegimesConfig(RegimeSettings):
    """Market regimes as the desk reads them (the opt-in 'regime' feature keeps the defaults)."""

    trigger: bool = Field(
        False,
        description="Queue a learning session when a market's regime (volatility and trend at "
        "its newest stored bar) differs from the one the previous evaluation saw.",
    )
