"""Resampling bars to longer timeframes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import DataError, generate_bars, resample_bars


def m1_frame() -> pd.DataFrame:
    """Seven M1 bars: a full 10:00 bin, a partial 10:05 bin, nothing 10:10-10:19, one at 10:20."""
    times = ["10:00", "10:01", "10:02", "10:03", "10:04", "10:06", "10:08", "10:21"]
    return pd.DataFrame(
        {
            "time": pd.to_datetime([f"2025-01-02 {t}" for t in times], utc=True),
            "open": [100.0, 101.0, 102.0, 101.5, 103.0, 104.0, 105.0, 99.0],
            "high": [101.2, 102.5, 102.2, 103.1, 103.4, 105.2, 105.5, 99.5],
            "low": [99.8, 100.9, 101.3, 101.0, 102.6, 103.7, 104.1, 98.2],
            "close": [101.0, 102.0, 101.5, 103.0, 103.3, 105.0, 104.2, 98.9],
            "tick_volume": pd.array([10, 20, 30, 40, 50, 5, 7, 3], dtype="Int64"),
            "spread_points": pd.array([15, 16, 15, 16, 17, 20, 21, None], dtype="Int64"),
        }
    )


def test_m1_to_m5_exact_values() -> None:
    out = resample_bars(m1_frame(), to="M5")
    assert out["time"].tolist() == [
        pd.Timestamp("2025-01-02 10:00", tz="UTC"),
        pd.Timestamp("2025-01-02 10:05", tz="UTC"),
        pd.Timestamp("2025-01-02 10:20", tz="UTC"),
    ]
    assert out["open"].tolist() == [100.0, 104.0, 99.0]
    assert out["high"].tolist() == [103.4, 105.5, 99.5]
    assert out["low"].tolist() == [99.8, 103.7, 98.2]
    assert out["close"].tolist() == [103.3, 104.2, 98.9]
    assert out["tick_volume"].tolist() == [150, 12, 3]
    # mean spread rounded half up: 79/5 = 15.8 -> 16; 20.5 -> 21; no data -> <NA>
    assert out["spread_points"].tolist()[:2] == [16, 21]
    assert out["spread_points"].isna().tolist() == [False, False, True]
    assert str(out["time"].dtype) == "datetime64[ns, UTC]"
    assert str(out["spread_points"].dtype) == "Int64"


def test_source_timeframe_can_be_given() -> None:
    out = resample_bars(m1_frame(), to="M15", source="M1")
    assert out["time"].dt.strftime("%H:%M").tolist() == ["10:00", "10:15"]
    assert out["close"].tolist() == [104.2, 98.9]


def test_same_timeframe_is_a_copy() -> None:
    frame = m1_frame()
    out = resample_bars(frame, to="M1")
    pd.testing.assert_frame_equal(out, frame.assign(time=frame["time"].dt.as_unit("ns")))


def test_target_shorter_than_source_refused() -> None:
    bars = generate_bars(n_bars=100, timeframe="M15")
    with pytest.raises(DataError, match="cannot resample M15 bars to M5"):
        resample_bars(bars, to="M5")


def test_unknown_target_refused() -> None:
    with pytest.raises(DataError, match="unknown timeframe"):
        resample_bars(m1_frame(), to="M3")


def test_naive_unsorted_or_incomplete_frames_refused() -> None:
    frame = m1_frame()
    with pytest.raises(DataError, match="timezone-aware"):
        resample_bars(frame.assign(time=frame["time"].dt.tz_localize(None)), to="M5")
    with pytest.raises(DataError, match="strictly increasing"):
        resample_bars(frame.iloc[::-1], to="M5")
    with pytest.raises(DataError, match="lacks"):
        resample_bars(frame.drop(columns="close"), to="M5")
    with pytest.raises(DataError, match="fewer than 2 bars"):
        resample_bars(frame.iloc[:1], to="M5")


def test_synthetic_numpy_int_columns_stay_int64() -> None:
    out = resample_bars(generate_bars(n_bars=600), to="H1")
    assert out["tick_volume"].dtype == np.int64 and out["spread_points"].dtype == np.int64
    assert (out["time"].dt.minute == 0).all()


def test_resampling_composes() -> None:
    m1 = generate_bars(n_bars=20_000, timeframe="M1", seed=4)
    direct = resample_bars(m1, to="H1")
    stepwise = resample_bars(resample_bars(resample_bars(m1, to="M5"), to="M15"), to="H1")
    pd.testing.assert_frame_equal(
        direct.drop(columns="spread_points"), stepwise.drop(columns="spread_points")
    )
    assert direct["tick_volume"].sum() == m1["tick_volume"].sum()


def test_ohlc_invariants_after_resampling() -> None:
    out = resample_bars(generate_bars(n_bars=5_000, seed=9), to="H4")
    assert (out["high"] >= out[["open", "close"]].max(axis=1)).all()
    assert (out["low"] <= out[["open", "close"]].min(axis=1)).all()
    assert (out["time"].dt.hour % 4 == 0).all()


def test_empty_frame_resamples_to_empty() -> None:
    empty = generate_bars(n_bars=0)
    assert resample_bars(empty, to="H1", source="M5").empty
