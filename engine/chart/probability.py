"""The model's probabilities under the price chart: P(long wins) and P(short wins) at each bar of
the window shown, worked out as serving does (the version's feature spec rebuilt on the bars, its
class probabilities, its `min_confidence` for BUY / SELL / HOLD).

Only the window's bars are predicted; the bars before it (serving's own window of bars) only warm
the indicators up, so a bar's probability is the one served at that bar (recursive indicators
such as EMAs see a little more history than serving gave them: equal within rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.features import FeatureSpec, build_features
from engine.learner.candidates import single_threaded
from engine.learner.signals import signals_from_proba


@dataclass(frozen=True)
class ProbabilityPanel:
    """Per bar of the window: open time, P(long), P(short) (nan where the features are
    undefined) and the signal (1 BUY, -1 SELL, 0 HOLD) at the version's threshold."""

    version_ref: str
    times: pd.DatetimeIndex
    p_long: np.ndarray
    p_short: np.ndarray
    signal: np.ndarray
    min_confidence: float

    def __len__(self) -> int:
        return len(self.times)


def window_probabilities(model: Any, info: Any, bars: pd.DataFrame, first: int) -> ProbabilityPanel:
    """Probabilities of `info`'s model at bars `first`.. of `bars` (the earlier ones: warm-up)."""
    details = info.details or {}
    spec = FeatureSpec.model_validate(details["feature_spec"])
    timeframe = str(details.get("timeframe", info.timeframe))
    feats = build_features(bars.reset_index(drop=True), spec, timeframe=timeframe)
    values = feats.to_numpy(dtype=float)[first:]
    n = len(values)
    p_long, p_short = np.full(n, np.nan), np.full(n, np.nan)
    signal = np.zeros(n, dtype=np.int8)
    rows = np.flatnonzero(np.isfinite(values).all(axis=1))
    threshold = float(details.get("min_confidence", 0.5))
    if len(rows):
        sig = signals_from_proba(
            single_threaded(model).predict_proba(values[rows]),
            np.asarray(model.classes_),
            min_confidence=threshold,
        )
        p_long[rows], p_short[rows], signal[rows] = sig.p_long, sig.p_short, sig.signal
    return ProbabilityPanel(
        version_ref=info.ref,
        times=pd.DatetimeIndex(bars["time"].iloc[first:]),
        p_long=p_long,
        p_short=p_short,
        signal=signal,
        min_confidence=threshold,
    )
