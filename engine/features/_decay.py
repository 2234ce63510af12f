"""How far back an exponential average reaches (engine.features._window): plain arithmetic,
light enough for the config's feature settings to import without numpy or talib."""

from __future__ import annotations

import math
from functools import cache

TAIL = 0.01  # weight an exponential average leaves out beyond its window


@cache
def decay_span(alpha: float) -> int:
    """Values in the window of an exponential average with smoothing ``alpha``."""
    if alpha >= 1.0:
        return 1
    return max(1, math.ceil(math.log(TAIL) / math.log1p(-alpha)))


def ema_alpha(period: int) -> float:
    """Smoothing of an EMA of ``period`` bars (2 / (period + 1))."""
    return 2.0 / (period + 1)


def wilder_alpha(period: int) -> float:
    """Smoothing of Wilder's average of ``period`` bars (1 / period), as in RSI, ATR and ADX."""
    return 1.0 / period
