"""Market-regime spans for shading the price chart: runs of bars with the same volatility (or
trend) state, from `engine.regimes` (each bar's state from that bar and the ones before it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd

from engine.backtest.simulate import bar_length
from engine.regimes.detect import regime_frame
from engine.regimes.settings import RegimeSettings

Shading = Literal["volatility", "trend"]


@dataclass(frozen=True)
class RegimeSpan:
    """Bars from `start` (first bar's open) to `end` (last bar's close) in one `state`."""

    start: datetime
    end: datetime
    state: str


def regime_spans(
    bars: pd.DataFrame, first: int, settings: RegimeSettings, by: Shading
) -> list[RegimeSpan]:
    """The runs of `by` states over bars `first`.. of `bars` (earlier bars: the detector's
    warm-up); bars still in the warm-up belong to no span."""
    frame = regime_frame(bars.reset_index(drop=True), settings).iloc[first:]
    if frame.empty:
        return []
    states = frame[by].to_numpy(dtype=object)
    times = pd.DatetimeIndex(frame["time"])
    step = bar_length(times)
    changes = np.flatnonzero(states[1:] != states[:-1]) + 1
    starts = np.concatenate([[0], changes])
    ends = np.concatenate([changes, [len(states)]])
    spans = []
    for lo, hi in zip(starts, ends, strict=True):
        state = states[lo]
        if state is None:
            continue
        spans.append(
            RegimeSpan(
                times[lo].to_pydatetime(), (times[hi - 1] + step).to_pydatetime(), str(state)
            )
        )
    return spans
