"""The bars as plain numpy arrays, checked once, with intermediate series shared by groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from engine.data.errors import DataError
from engine.features._window import atr

REQUIRED = ("time", "open", "high", "low", "close")
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_NAT = np.iinfo(np.int64).min  # how pandas stores a missing datetime


@dataclass
class BarArrays:
    """OHLC as float64, spread in points (NaN = missing) and bar open times in UTC epoch seconds."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread_points: np.ndarray
    secs: np.ndarray
    _atr: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_frame(cls, bars: pd.DataFrame, *, last: int | None = None) -> BarArrays:
        """Extract and check the columns (of the `last` rows only, when given); DataError names
        what is wrong."""
        missing = [c for c in REQUIRED if c not in bars.columns]
        if missing:
            raise DataError(f"cannot build features: the bars lack column(s) {', '.join(missing)}")
        rows = slice(-last, None) if last else slice(None)
        open_, high, low, close = (_prices(bars, c, rows) for c in ("open", "high", "low", "close"))
        return cls(
            open=open_,
            high=high,
            low=low,
            close=close,
            spread_points=_spread(bars, rows, len(close)),
            secs=_epoch_seconds(bars["time"], rows),
        )

    def last(self, n: int) -> BarArrays:
        """The last `n` bars (views of these arrays, no copy)."""
        if n >= len(self.close):
            return self
        return BarArrays(
            open=self.open[-n:],
            high=self.high[-n:],
            low=self.low[-n:],
            close=self.close[-n:],
            spread_points=self.spread_points[-n:],
            secs=self.secs[-n:],
        )

    @cached_property
    def log_close(self) -> np.ndarray:
        """Natural log of the close."""
        return np.log(self.close)

    @cached_property
    def log_return(self) -> np.ndarray:
        """One-bar log return of the close (NaN on the first bar)."""
        return lagged_diff(self.log_close, 1)

    def atr(self, period: int) -> np.ndarray:
        """Wilder's average true range in price units, cut to its window (see
        `engine.features._window`), cached per period."""
        if period not in self._atr:
            self._atr[period] = atr(self.high, self.low, self.close, period)
        return self._atr[period]


def lagged_diff(x: np.ndarray, lag: int) -> np.ndarray:
    """``x[t] - x[t - lag]``, NaN for the first ``lag`` rows."""
    out = np.full_like(x, np.nan)
    if lag < len(x):
        np.subtract(x[lag:], x[:-lag], out=out[lag:])
    return out


def _prices(bars: pd.DataFrame, column: str, rows: slice) -> np.ndarray:
    try:
        values = bars[column].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    except (TypeError, ValueError) as exc:
        problem = f"column {column!r} is not numeric ({exc})"
        raise DataError(f"cannot build features: {problem}") from None
    if len(values) and not (values.min() > 0 and np.isfinite(values.max())):
        raise DataError(
            f"cannot build features: column {column!r} has missing, zero or negative prices"
        )
    return np.ascontiguousarray(values)


def _spread(bars: pd.DataFrame, rows: slice, n: int) -> np.ndarray:
    if "spread_points" not in bars.columns:
        return np.full(n, np.nan)
    column = bars["spread_points"]
    if not is_numeric_dtype(column.dtype):  # numeric columns (Int64 with <NA> too) need no parse
        column = pd.to_numeric(column, errors="coerce")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)[rows]


def _epoch_seconds(times: pd.Series, rows: slice) -> np.ndarray:
    if isinstance(times.dtype, pd.DatetimeTZDtype):  # the usual case, without an index copy
        ns = times.array.asi8[rows]
        if (ns == _NAT).any():
            raise DataError("cannot build features: 'time' has missing values")
        return _increasing(ns // _PER_SECOND[times.dtype.unit])
    try:
        index = pd.DatetimeIndex(times.iloc[rows])
    except (TypeError, ValueError) as exc:
        raise DataError(f"cannot build features: 'time' is not a datetime column ({exc})") from None
    if index.tz is None:
        raise DataError("cannot build features: 'time' must be timezone-aware UTC")
    if index.hasnans:
        raise DataError("cannot build features: 'time' has missing values")
    return _increasing(index.asi8 // _PER_SECOND[index.unit])


def _increasing(secs: np.ndarray) -> np.ndarray:
    if secs.size > 1 and not (np.diff(secs) > 0).all():
        raise DataError("cannot build features: times must be strictly increasing (sorted, unique)")
    return np.asarray(secs, dtype=np.int64)
