"""Bar spacing checks: every bar on its timeframe's boundary, no run of bars of a longer
timeframe inside the file, and a median spacing that matches the timeframe.

Alignment is checked on the wall clock (server time: a D1 bar opens at 00:00 server time, which
is not a day boundary in UTC for a broker on UTC+2), the median on UTC. A bar closer to the one
before than the timeframe allows opens off a boundary, so alignment refuses it. Bars of a longer
timeframe (D1 bars inside an H1 file) are on the boundaries but come in runs: ``RUN_STEPS`` or
more steps in a row of the same length, that length being a longer timeframe's. Real gaps (the
daily break, weekends, holidays) do not repeat like that.
"""

from __future__ import annotations

import numpy as np

from engine.data._problems import ProblemLog
from engine.data._times import fmt_us
from engine.data.timeframes import TIMEFRAMES

US = 1_000_000
RUN_STEPS = 4  # equal steps in a row (5 bars) that make a run of bars of another timeframe
_NAMES = {seconds: name for name, seconds in TIMEFRAMES.items()}


def check_spacing(
    wall: np.ndarray,
    utc: np.ndarray,
    lines: np.ndarray,
    tf_name: str,
    tf_seconds: int,
    log: ProblemLog,
) -> None:
    """Alignment and coarse runs per row (with line numbers), then the file's median spacing."""
    _check_alignment(wall, lines, tf_name, tf_seconds, log)
    _check_coarse_runs(wall, lines, tf_name, tf_seconds, log)
    _check_median(utc, tf_name, tf_seconds, log)


def fmt_span(seconds: int) -> str:
    """A duration such as ``5 min``, ``1 h``, ``1 day`` or ``90 s``."""
    for size, unit in ((86_400, "day"), (3_600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if unit == 'day' and count > 1 else ''}"
    return f"{seconds} s"


def _check_alignment(
    wall: np.ndarray, lines: np.ndarray, tf_name: str, tf_seconds: int, log: ProblemLog
) -> None:
    bad = wall % (tf_seconds * US) != 0
    if bad.any():
        when = wall[bad]
        log.add(
            lines[bad],
            lambda k: (
                f"time {fmt_us(when[k])} is not on a {tf_name} boundary "
                f"(bars open every {fmt_span(tf_seconds)})"
            ),
        )


def _check_coarse_runs(
    wall: np.ndarray, lines: np.ndarray, tf_name: str, tf_seconds: int, log: ProblemLog
) -> None:
    """Bars that close a run of ``RUN_STEPS`` or more equal steps of a longer timeframe."""
    if wall.size <= RUN_STEPS:
        return
    steps = np.diff(wall) // US
    starts = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1]])
    lengths = np.diff(np.r_[starts, steps.size])
    longer = np.isin(steps[starts], [s for s in _NAMES if s > tf_seconds])
    runs = np.flatnonzero(longer & (lengths >= RUN_STEPS))
    if not runs.size:
        return
    rows = np.concatenate([np.arange(starts[r], starts[r] + lengths[r]) + 1 for r in runs])
    step, first = steps[rows - 1], lines[starts[np.searchsorted(starts, rows - 1, "right") - 1]]
    log.add(
        lines[rows],
        lambda k: (
            f"bars here are {fmt_span(int(step[k]))} apart from line {first[k]} on, like "
            f"{_NAMES[int(step[k])]} bars, but the timeframe is {tf_name} "
            f"({fmt_span(tf_seconds)}); is another timeframe mixed into this file?"
        ),
    )


def _check_median(utc: np.ndarray, tf_name: str, tf_seconds: int, log: ProblemLog) -> None:
    steps = np.diff(np.unique(utc))
    if steps.size == 0:
        return
    median = int(np.sort(steps)[(steps.size - 1) // 2]) // US  # lower median: robust for 2 steps
    if median != tf_seconds:
        log.add_file(
            f"bars are {fmt_span(median)} apart (median spacing), but timeframe {tf_name} means "
            f"{fmt_span(tf_seconds)}; is this the right file or timeframe?"
        )
