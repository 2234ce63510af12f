"""Market data: timeframes, a seeded synthetic generator, file importers, resampling, storage.

Names are imported lazily so that light commands do not pay for pandas/scipy.
"""

from __future__ import annotations

from engine.lazy import lazy_exports

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

__getattr__, __all__ = lazy_exports(__name__, _HOME)
