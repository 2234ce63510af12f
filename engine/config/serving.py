"""The `serving` section of the configuration: what the trading side may be served."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ServingConfig(BaseModel):
    """Serving signals to the trading side (HTTP bridge, `predict_signal`, `aurum signal`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    allow_demo_models: bool = Field(
        False,
        description="Serve a version trained on generated bars (a DEMO version, e.g. the "
        "demo desk's) to the trading side. Off: its signals are HOLD with the reason, so a "
        "real feed never trades on a model that has only seen generated bars.",
    )
