"""Can I trust the active model today? One verdict line from stored figures only.

Two questions, each answered from figures the desk already stores, with fixed thresholds:

1. **Does live trading track the backtest?** (the version's live trades against the backtest's
   per-trade results after costs, `engine.trust.band`)
   - no live trade, or fewer than `selection.min_live_trades`: "too few live trades to judge";
   - no (or one) backtest trade stored: nothing to compare with;
   - the cumulative live result after the last trade below the band's low edge (90 %):
     "live below backtest since DATE", DATE = close of the first trade of the current run of
     trades below the band;
   - above the high edge: "live above backtest"; else "live tracks backtest".
2. **Is the edge proven?** The backtest's deflated Sharpe ratio (DSR: the probability that the
   true Sharpe beats the best one expected from that many trials): at or above `DSR_PROVEN`
   (0.95) "edge proven", below it "edge not proven", missing "edge unknown".

Tone: "bad" when live is below the band; "good" when live tracks (or beats) the backtest and the
edge is proven; "caution" otherwise; "none" when there is no active model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd

from engine.trust.band import BAND_CONFIDENCE, expected_band

DSR_PROVEN = 0.95
Tone = Literal["good", "caution", "bad", "none"]


@dataclass(frozen=True)
class TrustFigures:
    """What the verdict is built from: the version, its backtest's DSR and trial count, its
    backtest per-trade results, its live results (close time order) and the live trades needed
    before live figures count."""

    version_ref: str | None
    dsr: float | None
    trials: int
    backtest_results: np.ndarray
    live_results: np.ndarray
    live_times: pd.DatetimeIndex
    min_live_trades: int
    confidence: float = BAND_CONFIDENCE


@dataclass(frozen=True)
class Verdict:
    """The line shown (`text`), its tone, and its parts (the live part first)."""

    tone: Tone
    text: str
    parts: tuple[str, ...] = field(default_factory=tuple)
    live: str = ""  # "few", "none", "below", "above", "tracks", "" (no active model)
    edge: str = ""  # "proven", "not proven", "unknown"
    below_since: datetime | None = None


def verdict(figures: TrustFigures) -> Verdict:
    """The verdict line for `figures` (see the module's doc for the rules and thresholds)."""
    if figures.version_ref is None:
        return Verdict("none", "no active model: nothing is served", live="", edge="")
    live, live_text, since = _live_part(figures)
    edge, edge_text = _edge_part(figures.dsr, figures.trials)
    parts = (live_text, edge_text)
    if live == "below":
        tone: Tone = "bad"
    elif live in ("tracks", "above") and edge == "proven":
        tone = "good"
    else:
        tone = "caution"
    return Verdict(tone, " · ".join(parts), parts, live, edge, since)


def _edge_part(dsr: float | None, trials: int) -> tuple[str, str]:
    if dsr is None or not math.isfinite(dsr):
        return "unknown", "edge unknown (no deflated Sharpe recorded for the backtest)"
    over = f"DSR {dsr:.2f} over {trials:,} trial{'s' if trials != 1 else ''}"
    if dsr >= DSR_PROVEN:
        return "proven", f"edge proven ({over})"
    return "not proven", f"edge not proven ({over})"


def _live_part(f: TrustFigures) -> tuple[str, str, datetime | None]:
    n = len(f.live_results)
    if n == 0:
        return "none", "no live trades yet", None
    if n < f.min_live_trades:
        return "few", f"too few live trades to judge ({n} of {f.min_live_trades} needed)", None
    band = expected_band(f.backtest_results, n, confidence=f.confidence)
    if band is None:
        return "none", f"{n} live trades, no backtest trades stored to compare them with", None
    cumulative = np.cumsum(np.asarray(f.live_results, dtype=float))
    pct = f"{f.confidence:.0%}".replace("%", " %")
    if cumulative[-1] < band.low[-1]:
        since = _run_start(cumulative < band.low, f.live_times)
        return "below", f"live below backtest since {since:%Y-%m-%d} ({n} live trades)", since
    if cumulative[-1] > band.high[-1]:
        return (
            "above",
            f"live above backtest ({n} live trades, above the backtest's {pct} band)",
            None,
        )
    return (
        "tracks",
        f"live tracks backtest ({n} live trades, within the backtest's {pct} band)",
        None,
    )


def _run_start(below: np.ndarray, times: pd.DatetimeIndex) -> datetime:
    """Close time of the first trade of the last run of True values (the last one is True)."""
    outside = np.flatnonzero(~below)
    first = 0 if outside.size == 0 else int(outside[-1]) + 1
    return pd.Timestamp(times[first]).to_pydatetime()
