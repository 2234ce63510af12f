"""Vectorised parsing and checking of price and count columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.data._problems import ProblemLog, Reason
from engine.data.errors import ECHO_CHARS, quoted

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")


def parse_prices(
    raw: dict[str, pd.Series], lines: np.ndarray, log: ProblemLog
) -> dict[str, np.ndarray]:
    """Parse the four price columns; non-numeric, non-finite or non-positive prices are problems."""
    prices: dict[str, np.ndarray] = {}
    for name in PRICE_COLUMNS:
        text = raw[name].to_numpy(dtype=object)
        values = pd.to_numeric(raw[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            log.add(lines[bad], _price_reason(name, text[bad], values[bad]))
        prices[name] = values
    return prices


def parse_counts(name: str, raw: pd.Series, lines: np.ndarray, log: ProblemLog) -> pd.Series:
    """Parse a whole-number, non-negative column (tick volume, spread) into nullable Int64.

    An empty field is a missing value (<NA>); anything else that is not a whole number >= 0 is
    a problem.
    """
    text = raw.to_numpy(dtype=object)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    empty = (raw == "").to_numpy(dtype=bool)
    whole = np.isfinite(values) & (values >= 0) & (values < 2**53) & (values == np.round(values))
    bad = ~whole & ~empty
    if bad.any():
        log.add(lines[bad], _count_reason(name, text[bad], values[bad]))
    ints = np.where(whole, values, 0).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(ints, ~whole), dtype="Int64")


def check_ohlc(prices: dict[str, np.ndarray], lines: np.ndarray, log: ProblemLog) -> None:
    """High must be >= max(open, close) and low <= min(open, close) (non-finite rows skipped)."""
    top = np.maximum(prices["open"], prices["close"])
    bottom = np.minimum(prices["open"], prices["close"])
    high, low = prices["high"], prices["low"]
    usable = np.isfinite(top) & np.isfinite(bottom) & np.isfinite(high) & np.isfinite(low)
    with np.errstate(invalid="ignore"):
        bad_high = usable & (high < top)
        bad_low = usable & (low > bottom)
    if bad_high.any():
        h, t = high[bad_high], top[bad_high]
        log.add(
            lines[bad_high], lambda k: f"high {h[k]:.10g} is below max(open, close) {t[k]:.10g}"
        )
    if bad_low.any():
        lo, b = low[bad_low], bottom[bad_low]
        log.add(lines[bad_low], lambda k: f"low {lo[k]:.10g} is above min(open, close) {b[k]:.10g}")


def _price_reason(name: str, text: np.ndarray, values: np.ndarray) -> Reason:
    def reason(k: int) -> str:
        raw, value = str(text[k]), float(values[k])
        if raw == "":
            return f"{name} is empty"
        if np.isnan(value) and not _spells_non_finite(raw):
            return f"{name} {quoted(raw)} is not a number"
        if not np.isfinite(value):
            return f"{name} {quoted(raw)} is not a finite number"
        return f"{name} {_cut(raw)} is not a positive price"

    return reason


def _count_reason(name: str, text: np.ndarray, values: np.ndarray) -> Reason:
    def reason(k: int) -> str:
        raw, value = str(text[k]), float(values[k])
        if np.isnan(value) and not _spells_non_finite(raw):
            return f"{name} {quoted(raw)} is not a number"
        if not np.isfinite(value):
            return f"{name} {quoted(raw)} is not a finite number"
        if value < 0:
            return f"{name} {_cut(raw)} is negative"
        return f"{name} {_cut(raw)} is not a whole number"

    return reason


def _spells_non_finite(raw: str) -> bool:
    low = raw.lower()
    return "nan" in low or "inf" in low


def _cut(raw: str) -> str:
    """A number as written, cut like every echoed value."""
    return raw if len(raw) <= ECHO_CHARS else quoted(raw)
