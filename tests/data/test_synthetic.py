"""The seeded synthetic generator: determinism, calendar, OHLC invariants and realism."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data import BAR_COLUMNS, TIMEFRAMES, DataError, generate_bars


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return generate_bars(n_bars=60_000, seed=11)


def test_same_seed_gives_identical_frame() -> None:
    pd.testing.assert_frame_equal(generate_bars(n_bars=3_000), generate_bars(n_bars=3_000))


def test_different_seed_gives_different_prices() -> None:
    a = generate_bars(n_bars=3_000, seed=1)
    b = generate_bars(n_bars=3_000, seed=2)
    assert (a["time"] == b["time"]).all()  # same calendar
    assert not np.allclose(a["close"], b["close"])


def test_columns_dtypes_and_length() -> None:
    frame = generate_bars(n_bars=1_234)
    assert tuple(frame.columns) == BAR_COLUMNS
    assert len(frame) == 1_234
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
    for col in ("open", "high", "low", "close"):
        assert frame[col].dtype == np.float64
    assert frame["tick_volume"].dtype == np.int64
    assert frame["spread_points"].dtype == np.int64


def test_defaults_start_monday_at_2650() -> None:
    frame = generate_bars(n_bars=10)
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-06 00:00", tz="UTC")
    assert frame["open"].iloc[0] == 2650.0
    assert frame["time"].diff().dropna().eq(pd.Timedelta(minutes=5)).all()


def test_no_weekend_bars(bars: pd.DataFrame) -> None:
    t = bars["time"]
    dow, minute = t.dt.day_of_week, t.dt.hour * 60 + t.dt.minute
    assert not (dow == 5).any()  # Saturday
    assert (minute[dow == 6] >= 22 * 60).all()  # Sunday opens 22:00 UTC
    assert (minute[dow == 4] < 21 * 60).all()  # Friday closes 21:00 UTC
    assert (dow == 6).any() and (dow == 4).any()


def test_no_bars_in_daily_break(bars: pd.DataFrame) -> None:
    assert not (bars["time"].dt.hour == 21).any()


def test_times_strictly_increasing_and_aligned(bars: pd.DataFrame) -> None:
    t = bars["time"]
    assert t.is_monotonic_increasing and t.is_unique
    assert (t.dt.minute % 5 == 0).all() and (t.dt.second == 0).all()


def test_ohlc_consistent_and_two_decimals(bars: pd.DataFrame) -> None:
    o, h, lo, c = (bars[k].to_numpy() for k in ("open", "high", "low", "close"))
    assert (h >= np.maximum(o, c)).all()
    assert (lo <= np.minimum(o, c)).all()
    assert (lo > 0).all()
    for x in (o, h, lo, c):
        assert np.allclose(x * 100, np.round(x * 100), atol=1e-6)


def test_open_equals_previous_close_within_session(bars: pd.DataFrame) -> None:
    same_session = bars["time"].diff().eq(pd.Timedelta(minutes=5)).to_numpy()
    prev_close = bars["close"].shift().to_numpy()
    assert (bars["open"].to_numpy()[same_session] == prev_close[same_session]).all()
    # sessions may reopen with a gap
    assert (bars["open"].to_numpy()[~same_session][1:] != prev_close[~same_session][1:]).any()


def test_spread_wider_in_thin_hours_than_in_london(bars: pd.DataFrame) -> None:
    hour = bars["time"].dt.hour
    thin = bars["spread_points"][hour.isin([22, 23])].mean()
    london = bars["spread_points"][hour.isin([8, 9, 10, 11])].mean()
    assert thin > london + 5
    assert 15 <= bars["spread_points"].median() <= 30
    assert bars["spread_points"].max() > 60  # occasional spikes


def test_session_volatility_profile(bars: pd.DataFrame) -> None:
    rng = (bars["high"] - bars["low"]) / bars["close"]
    hour = bars["time"].dt.hour
    asia = rng[hour.isin([2, 3, 4, 5])].mean()
    london = rng[hour.isin([8, 9, 10, 11])].mean()
    overlap = rng[hour.isin([13, 14])].mean()
    assert asia < london < overlap


def test_volatility_clusters_and_volume_follows_it(bars: pd.DataFrame) -> None:
    absret = np.log(bars["close"]).diff().abs().dropna()
    assert absret.autocorr(lag=10) > 0.1
    bar_range = bars["high"] - bars["low"]
    assert np.corrcoef(bar_range, bars["tick_volume"])[0, 1] > 0.3
    assert (bars["tick_volume"] >= 1).all()


def test_hundred_thousand_bars_fast() -> None:
    started = time.perf_counter()
    frame = generate_bars(n_bars=100_000)
    assert time.perf_counter() - started < 1.0
    assert len(frame) == 100_000


def test_start_is_rounded_up_to_a_trading_bar() -> None:
    frame = generate_bars(start="2025-01-04 10:02", n_bars=3)  # a Saturday
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-05 22:00", tz="UTC")


def test_zero_bars_gives_empty_frame_with_columns() -> None:
    frame = generate_bars(n_bars=0)
    assert frame.empty and tuple(frame.columns) == BAR_COLUMNS


@pytest.mark.parametrize(
    "kwargs",
    [{"timeframe": "M7"}, {"n_bars": -1}, {"start_price": 0.0}, {"start": "not a date"}],
)
def test_bad_arguments_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(DataError):
        generate_bars(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    timeframe=st.sampled_from(sorted(TIMEFRAMES)),
    n_bars=st.integers(1, 400),
)
def test_invariants_hold_for_any_seed_and_timeframe(seed: int, timeframe: str, n_bars: int) -> None:
    frame = generate_bars(seed=seed, timeframe=timeframe, n_bars=n_bars)
    assert len(frame) == n_bars
    o, h, lo, c = (frame[k].to_numpy() for k in ("open", "high", "low", "close"))
    assert (h >= np.maximum(o, c)).all() and (lo <= np.minimum(o, c)).all() and (lo > 0).all()
    secs = frame["time"].astype("int64").to_numpy() // 10**9
    assert (secs % TIMEFRAMES[timeframe] == 0).all()
    assert (np.diff(secs) > 0).all()
    assert not (frame["time"].dt.day_of_week == 5).any()


@pytest.mark.parametrize("phi", [0.25, 0.9987, -0.3, 0.0])
def test_the_ar1_filter_is_scipys_lfilter_bit_for_bit(phi: float):
    from scipy.signal import lfilter

    from engine.data.synthetic import ar1_filter

    x = np.random.default_rng(7).normal(0.0, 1.0, 5_000)
    expected, _ = lfilter([1.0], [1.0, -phi], x, zi=[phi * 0.7])
    assert np.array_equal(ar1_filter(x, phi, phi * 0.7), expected)
    assert np.array_equal(ar1_filter(x, phi), lfilter([1.0], [1.0, -phi], x))
    assert len(ar1_filter(x[:0], phi)) == 0


def test_generating_bars_does_not_import_scipy_signal():
    import subprocess
    import sys

    code = (
        "import sys; from engine.data.synthetic import generate_bars; "
        "generate_bars(start='2026-01-05', n_bars=500, seed=1, momentum=0.25); "
        "print('scipy.signal' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
