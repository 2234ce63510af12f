"""Market data: timeframes, a seeded synthetic generator, file importers and resampling.

Pure functions, no database: the bars frame they produce and accept has the columns
``time`` (bar open, tz-aware UTC), ``open``, ``high``, ``low``, ``close``, ``tick_volume`` and
``spread_points`` (1 point = $0.01).
"""

from engine.data.errors import DataError, RowProblem
from engine.data.gaps import Gap, GapKind, find_gaps
from engine.data.importers import ParsedBars, detect_format, read_bars
from engine.data.resample import resample_bars
from engine.data.synthetic import BAR_COLUMNS, generate_bars
from engine.data.timeframes import TIMEFRAMES, timeframe_seconds

__all__ = [
    "BAR_COLUMNS",
    "TIMEFRAMES",
    "DataError",
    "Gap",
    "GapKind",
    "ParsedBars",
    "RowProblem",
    "detect_format",
    "find_gaps",
    "generate_bars",
    "read_bars",
    "resample_bars",
    "timeframe_seconds",
]
