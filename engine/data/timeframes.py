"""Bar timeframes by name and their length in seconds."""

from __future__ import annotations

from engine.data.errors import DataError, quoted

TIMEFRAMES: dict[str, int] = {
    "M1": 60,
    "M5": 300,
    "M15": 900,
    "M30": 1800,
    "H1": 3600,
    "H4": 14400,
    "D1": 86400,
}


def timeframe_seconds(tf: str) -> int:
    """Seconds in one bar of ``tf`` (``"M5"`` -> 300, case-insensitive); DataError if unknown."""
    try:
        return TIMEFRAMES[tf.strip().upper()]
    except (KeyError, AttributeError):
        known = ", ".join(TIMEFRAMES)
        raise DataError(f"unknown timeframe {quoted(tf)}; known timeframes: {known}") from None
