"""The error raised when label or barrier inputs are refused."""

from __future__ import annotations

from engine.errors import AurumError


class LabelError(AurumError, ValueError):
    """Bad labelling input (barrier sizes, horizon, unit, ATR length); also a ValueError."""
