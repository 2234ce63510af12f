"""Market data: timeframes, a seeded synthetic generator, file importers, resampling, storage.

Names are imported lazily so that light commands do not pay for pandas/scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "DataError": "errors",
    "RowProblem": "errors",
    "Gap": "gaps",
    "GapKind": "gaps",
    "find_gaps": "gaps",
    "ParsedBars": "importers",
    "detect_format": "importers",
    "read_bars": "importers",
    "resample_bars": "resample",
    "BAR_COLUMNS": "synthetic",
    "generate_bars": "synthetic",
    "TIMEFRAMES": "timeframes",
    "timeframe_seconds": "timeframes",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
