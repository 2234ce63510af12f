"""Resample bars to a longer timeframe (M1 -> M5 -> M15 -> H1 ...).

Rules:

* OHLC: first open, highest high, lowest low, last close of the source bars in the bin;
* ``tick_volume``: summed (<NA> only if every source bar in the bin has none);
* ``spread_points``: the **mean** of the source bars' spreads, rounded half up. Not the maximum:
  one spike (e.g. 354 points at the daily rollover) would make the whole bin look ten times
  more expensive than it was; not the close bar's: a single sample is noisy, while the mean is
  the expected cost of an entry at a random moment of the bin, which is what a cost model needs;
* bins are left-closed ``[t, t + target)``, labelled by their open time and aligned to the Unix
  epoch in UTC (H4 bins open at 00, 04, ..., 20 UTC; D1 bins at 00:00 UTC); only bins that
  contain at least one source bar are returned (no bars are invented in gaps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.data.errors import DataError
from engine.data.timeframes import TIMEFRAMES, timeframe_seconds

_REQUIRED = ("time", "open", "high", "low", "close")
_US = 1_000_000


def resample_bars(frame: pd.DataFrame, *, to: str, source: str | None = None) -> pd.DataFrame:
    """Aggregate ``frame`` (sorted, tz-aware UTC ``time``) into bars of timeframe ``to``.

    ``source`` is the frame's timeframe; when None it is inferred from the median bar spacing.
    DataError if ``to`` is shorter than, or not a multiple of, the source timeframe.
    """
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"cannot resample: the frame lacks column(s) {', '.join(missing)}")
    target = timeframe_seconds(to)
    us = _time_us(frame["time"])
    src = timeframe_seconds(source) if source is not None else _infer_seconds(us)
    if target < src or target % src:
        raise DataError(
            f"cannot resample {_name(src)} bars to {to}: the target must be a multiple of the "
            f"source timeframe and not shorter (e.g. {', '.join(_multiples(src))})"
        )
    columns = [c for c in (*_REQUIRED, "tick_volume", "spread_points") if c in frame.columns]
    if len(frame) == 0:
        return frame[columns].copy()
    bins = us - us % (target * _US)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(bins)) + 1])
    ends = np.concatenate([starts[1:], [len(bins)]])
    out = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(bins[starts].view("datetime64[us]"))
            .tz_localize("UTC")
            .as_unit("ns"),
            "open": frame["open"].to_numpy(dtype=float)[starts],
            "high": np.maximum.reduceat(frame["high"].to_numpy(dtype=float), starts),
            "low": np.minimum.reduceat(frame["low"].to_numpy(dtype=float), starts),
            "close": frame["close"].to_numpy(dtype=float)[ends - 1],
        }
    )
    if "tick_volume" in frame.columns:
        out["tick_volume"] = _reduce_counts(frame["tick_volume"], starts, mean=False)
    if "spread_points" in frame.columns:
        out["spread_points"] = _reduce_counts(frame["spread_points"], starts, mean=True)
    return out


def _time_us(times: pd.Series) -> np.ndarray:
    try:
        idx = pd.DatetimeIndex(times)
    except (TypeError, ValueError) as exc:
        raise DataError(f"cannot resample: 'time' is not a datetime column ({exc})") from None
    if idx.tz is None:
        raise DataError("cannot resample: 'time' must be timezone-aware UTC (got naive times)")
    us = np.asarray(idx.tz_convert("UTC").as_unit("us").asi8, dtype=np.int64)
    if idx.hasnans:
        raise DataError("cannot resample: 'time' has missing values")
    if us.size > 1 and not (np.diff(us) > 0).all():
        raise DataError(
            "cannot resample: times must be strictly increasing (sorted, no duplicates)"
        )
    return us


def _infer_seconds(us: np.ndarray) -> int:
    if us.size < 2:
        raise DataError("cannot infer the source timeframe from fewer than 2 bars; pass source=")
    median = int(np.median(np.diff(us))) // _US
    if median not in TIMEFRAMES.values():
        raise DataError(
            f"cannot infer the source timeframe: median bar spacing is {median} s, which is not "
            f"one of {', '.join(TIMEFRAMES)}; pass source="
        )
    return median


def _reduce_counts(column: pd.Series, starts: np.ndarray, *, mean: bool) -> pd.Series | np.ndarray:
    nullable = isinstance(column.dtype, pd.api.extensions.ExtensionDtype)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = np.isfinite(values)
    total = np.add.reduceat(np.where(present, values, 0.0), starts)
    count = np.add.reduceat(present.astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.floor(total / count + 0.5) if mean else total
    empty = count == 0
    ints = np.where(empty, 0, result).astype(np.int64)
    if nullable or empty.any():
        return pd.Series(pd.arrays.IntegerArray(ints, empty), dtype="Int64")
    return ints


def _name(seconds: int) -> str:
    return next((k for k, v in TIMEFRAMES.items() if v == seconds), f"{seconds} s")


def _multiples(src: int) -> list[str]:
    return [k for k, v in TIMEFRAMES.items() if v >= src and v % src == 0]
