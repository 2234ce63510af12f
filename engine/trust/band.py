"""What live trading should look like if the backtest is right: the expected band of the cumulative
result after k live trades, from the backtest's per-trade results (after costs).

Normal approximation of a sum of k independent draws of the backtest's trades: the centre is
k x mean, the band k x mean +- z x sd x sqrt(k), z for the two-sided `confidence` (1.645 for
90 %). It ignores streaks (as the bootstrap in `engine.metrics.bootstrap` does) and is a guide,
not a test; the normal shape is close from a few dozen trades on, which is also when live figures
start to count (`selection.min_live_trades`). A bootstrap of whole paths would cost
resamples x live trades of memory for the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from engine.metrics.trading import Numbers, as_float_array

BAND_CONFIDENCE = 0.90


@dataclass(frozen=True)
class ExpectedBand:
    """Per live trade count k = 1..n: the expected cumulative result and its band (money)."""

    expected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence: float
    mean: float  # per backtest trade
    sd: float
    backtest_trades: int

    def __len__(self) -> int:
        return len(self.expected)


def expected_band(
    backtest_results: Numbers, n_live: int, *, confidence: float = BAND_CONFIDENCE
) -> ExpectedBand | None:
    """The band for 1..`n_live` trades; None with fewer than 2 backtest trades (no spread)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    results = as_float_array(backtest_results)
    results = results[np.isfinite(results)]
    if results.size < 2:
        return None
    mean, sd = float(results.mean()), float(results.std(ddof=1))
    k = np.arange(1, max(0, n_live) + 1, dtype=float)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    half = z * sd * np.sqrt(k)
    return ExpectedBand(
        expected=mean * k,
        low=mean * k - half,
        high=mean * k + half,
        confidence=confidence,
        mean=mean,
        sd=sd,
        backtest_trades=int(results.size),
    )
