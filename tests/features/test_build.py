"""build_features values on constructed bars where the right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import talib

from engine.data import DataError, generate_bars
from engine.features import (
    BarArrays,
    FeatureSpec,
    build_features,
    feature_names,
    history_bars,
    latest_features,
    signal_window,
    stored_spec,
    warmup_bars,
)
from engine.features._window import decay_span, wilder_alpha
from engine.features.spec import FIXED_WINDOW

START = pd.Timestamp("2025-01-06 00:00", tz="UTC")  # a Monday


def make_bars(
    close: np.ndarray | list[float],
    *,
    step: str = "5min",
    start: pd.Timestamp = START,
    times: pd.DatetimeIndex | None = None,
    spread: list[int | None] | None = None,
) -> pd.DataFrame:
    """Bars with open = previous close, high/low = max/min(open, close)."""
    close = np.asarray(close, dtype=float)
    open_ = np.concatenate([close[:1], close[:-1]])
    if times is None:
        times = pd.date_range(start, periods=len(close), freq=step)
    spreads = [20] * len(close) if spread is None else spread
    return pd.DataFrame(
        {
            "time": times,
            "open": open_,
            "high": np.maximum(open_, close),
            "low": np.minimum(open_, close),
            "close": close,
            "tick_volume": pd.array([100] * len(close), dtype="Int64"),
            "spread_points": pd.array(spreads, dtype="Int64"),
        }
    )


def only(*groups: str, **kwargs: object) -> FeatureSpec:
    return FeatureSpec.model_validate({"groups": list(groups), **kwargs})


def test_log_returns_on_a_hand_made_series() -> None:
    close = [100.0, 101.0, 99.0, 102.0, 102.0, 104.0, 103.0]
    f = build_features(make_bars(close), only("returns", return_lags=[1, 3]), timeframe="M5")
    expected_1 = [math.nan] + [math.log(close[i] / close[i - 1]) for i in range(1, 7)]
    expected_3 = [math.nan] * 3 + [math.log(close[i] / close[i - 3]) for i in range(3, 7)]
    np.testing.assert_allclose(f["ret_1"], expected_1, rtol=1e-12)
    np.testing.assert_allclose(f["ret_3"], expected_3, rtol=1e-12)


def test_constant_price_gives_neutral_values_not_inf() -> None:
    bars = make_bars(np.full(300, 2650.0))
    spec = FeatureSpec(higher_timeframe="none")
    f = build_features(bars, spec, timeframe="M5").iloc[warmup_bars(spec, "M5") :]
    assert len(f) > 100
    assert np.isfinite(f.to_numpy()).all()
    assert (f["close_ema_50"].abs() < 1e-12).all() and (f["ret_12"] == 0).all()
    assert (f["range_pos"] == 0.5).all() and (f["bb_pos"] == 0.5).all()
    assert (f["vol_ratio"] == 1.0).all() and (f["spread_atr"] == 0.0).all()
    assert (f["rsi_14"] == 0.0).all() and (f["adx_14"] == 0.0).all()  # nothing moved (as TA-Lib)


def test_range_position_is_one_at_the_window_high_and_zero_at_the_low() -> None:
    up = build_features(make_bars(np.arange(100.0, 160.0)), only("range"), timeframe="M5")
    down = build_features(make_bars(np.arange(160.0, 100.0, -1)), only("range"), timeframe="M5")
    assert (up["range_pos"].iloc[47:] == 1.0).all() and up["range_pos"].iloc[:47].isna().all()
    assert (down["range_pos"].iloc[47:] == 0.0).all()
    np.testing.assert_allclose(up["range_width"].iloc[-1], (159.0 - 111.0) / 159.0)


def test_spread_in_atr_units() -> None:
    bars = make_bars(np.full(100, 2000.0), spread=[50] * 100)
    bars["high"], bars["low"] = 2001.0, 1999.0  # true range 2.00 every bar -> ATR 2.00
    f = build_features(bars, only("spread", "volatility"), timeframe="M5")
    atr_window = decay_span(wilder_alpha(14)) + 1  # 64 bars: the first has no previous close
    assert f["atr_14"].iloc[: atr_window - 1].isna().all()
    np.testing.assert_allclose(f["atr_14"].iloc[atr_window - 1 :], 2.0)
    np.testing.assert_allclose(f["spread_atr"].iloc[atr_window - 1 :], 50 * 0.01 / 2.0)  # 0.25
    np.testing.assert_allclose(f["natr_14"].iloc[atr_window - 1 :], 100 * 2.0 / 2000.0)


def test_missing_spread_uses_the_last_known_value_within_the_atr_window() -> None:
    span = decay_span(wilder_alpha(14))  # 63: a known spread is reused this many bars later
    spreads: list[int | None] = [None] * 70 + [40, None, None, 80] + [None] * (span + 1)
    bars = make_bars(np.full(len(spreads), 2000.0), spread=spreads)
    bars["high"], bars["low"] = 2001.0, 1999.0
    f = build_features(bars, only("spread"), timeframe="M5")["spread_atr"]
    np.testing.assert_allclose(f.iloc[64:74], [0.0] * 6 + [0.2, 0.2, 0.2, 0.4])
    np.testing.assert_allclose(f.iloc[73 + span], 0.4)  # still inside the window
    assert f.iloc[74 + span] == 0.0  # the last known spread has left the window
    absent = build_features(bars.drop(columns="spread_points"), only("spread"), timeframe="M5")
    assert (absent["spread_atr"].iloc[64:] == 0.0).all()


@pytest.mark.parametrize(
    ("hour", "session"),
    [
        (0, "asia"),
        (6, "asia"),
        (23, "asia"),
        (7, "london"),
        (11, "london"),
        (12, "ny"),
        (15, "ny"),
        (20, "ny"),
        (21, "rollover"),
        (22, "rollover"),
    ],
)
def test_session_one_hot_by_utc_hour_of_the_bar_open(hour: int, session: str) -> None:
    bars = make_bars(np.full(24, 100.0), step="1h")
    f = build_features(bars, only("session"), timeframe="H1")
    row = f.iloc[hour]
    assert row[f"session_{session}"] == 1.0 and row.sum() == 1.0


def test_time_of_day_and_day_of_week() -> None:
    times = pd.DatetimeIndex(
        ["2025-01-06 06:00", "2025-01-08 12:00", "2025-01-12 18:00"], tz="UTC"
    )  # Monday 06:00, Wednesday noon, Sunday 18:00
    f = build_features(make_bars([1.0, 2.0, 3.0], times=times), only("time"), timeframe="M5")
    np.testing.assert_allclose(f["tod_sin"], [1.0, 0.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(f["tod_cos"], [0.0, -1.0, 0.0], atol=1e-12)
    dow = np.array([0, 2, 6]) * 2 * np.pi / 7
    np.testing.assert_allclose(f["dow_sin"], np.sin(dow), atol=1e-12)
    np.testing.assert_allclose(f["dow_cos"], np.cos(dow), atol=1e-12)


def test_indicators_follow_talib_closely_and_are_scale_free() -> None:
    """Cut to their windows (1 % of the weight left out), the recursive indicators stay close
    to TA-Lib's whole-history values; the simple windows equal TA-Lib's."""
    bars = generate_bars(n_bars=4_000, seed=3)
    f = build_features(bars, FeatureSpec(), timeframe="M5").iloc[1_000:]
    c, h, lo = (bars[k].to_numpy() for k in ("close", "high", "low"))
    atr = talib.ATR(h, lo, c, 14)[1_000:]
    assert np.nanmax(np.abs(f["rsi_14"] - talib.RSI(c, 14)[1_000:])) < 1.5  # RSI points
    assert np.nanmax(np.abs(f["adx_14"] - talib.ADX(h, lo, c, 14)[1_000:])) < 3.0
    assert np.nanmax(np.abs(f["atr_14"] / atr - 1)) < 0.05
    macd, signal, _ = talib.MACD(c, 12, 26, 9)
    for name, expected in [
        ("close_ema_50", c / talib.EMA(c, 50) - 1),
        ("macd", macd / c),  # a difference of two EMAs: it moves most with the cut
        ("macd_signal", signal / c),
    ]:
        assert np.corrcoef(f[name], expected[1_000:])[0, 1] > 0.97, name
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    np.testing.assert_allclose(f["bb_width"], ((upper - lower) / middle)[1_000:], rtol=1e-6)
    k, d = talib.STOCH(h, lo, c, 14, 3, talib.MA_Type.SMA, 3, talib.MA_Type.SMA)
    np.testing.assert_allclose(f["stoch_k"], k[1_000:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f["stoch_d"], d[1_000:], rtol=1e-9, atol=1e-9)
    f = build_features(bars, FeatureSpec(), timeframe="M5")
    # x4 is exact in binary floating point, so ties between price moves (ADX) stay ties
    scaled = bars.assign(**{k: bars[k] * 4.0 for k in ("open", "high", "low", "close")})
    g = build_features(scaled, FeatureSpec(), timeframe="M5")
    free = [n for n in f.columns if not n.startswith(("atr_", "spread_"))]
    np.testing.assert_allclose(g[free], f[free], rtol=1e-7, atol=1e-9)


def test_a_version_trained_before_fixed_windows_keeps_talib_whole_history() -> None:
    """Versions registered without the fixed-window mark are rebuilt as they were trained."""
    bars = generate_bars(n_bars=2_000, seed=3)
    legacy = stored_spec({"feature_spec": FeatureSpec().model_dump(mode="json")})
    fixed = stored_spec(
        {"feature_spec": FeatureSpec().model_dump(mode="json"), "feature_window": FIXED_WINDOW}
    )
    assert not legacy.fixed_window and fixed.fixed_window
    f = build_features(bars, legacy, timeframe="M5")
    c = bars["close"].to_numpy()
    macd, _, hist = talib.MACD(c, 12, 26, 9)
    np.testing.assert_allclose(f["macd"], macd / c, rtol=1e-12)
    np.testing.assert_allclose(f["macd_hist"], hist / c, rtol=1e-12)
    np.testing.assert_allclose(f["rsi_14"], talib.RSI(c, 14), rtol=1e-12)
    np.testing.assert_allclose(f["close_ema_21"], c / talib.EMA(c, 21) - 1, rtol=1e-12)
    assert signal_window(legacy, "M5") == (252, 600)  # round one's need and window
    assert signal_window(fixed, "M5") == (768, 768)
    assert f.columns.tolist() == build_features(bars, fixed, timeframe="M5").columns.tolist()


def hourly_m5(hours: int) -> tuple[pd.DataFrame, np.ndarray]:
    """M5 bars whose close inside hour h is 100 + h + k/100 (k = bar in hour); H1 closes known."""
    h, k = np.divmod(np.arange(hours * 12), 12)
    close = 100.0 + h + k / 100.0
    return make_bars(close), 100.0 + np.arange(hours) + 11 / 100.0


def test_higher_bar_is_seen_only_from_the_bar_that_closes_with_it() -> None:
    bars, h1_close = hourly_m5(14)
    spec = only("higher_tf", rsi_period=2, htf_ema_period=2)
    f = build_features(bars, spec, timeframe="M5")
    at = {t.strftime("%H:%M"): i for i, t in enumerate(bars["time"])}
    assert f["h1_gap"].iloc[: at["00:55"]].isna().all()  # no H1 bar closed yet
    for label, hour_seen in [
        ("00:55", 0),
        ("10:05", 9),
        ("10:50", 9),
        ("10:55", 10),
        ("11:00", 10),
        ("13:55", 13),
    ]:
        row = f.iloc[at[label]]
        close = bars["close"].iloc[at[label]]
        assert row["h1_gap"] == pytest.approx(close / h1_close[hour_seen] - 1, rel=1e-12), label
        if hour_seen:
            expected = math.log(h1_close[hour_seen] / h1_close[hour_seen - 1])
            assert row["h1_ret"] == pytest.approx(expected, rel=1e-12), label


def test_hour_with_missing_last_bars_is_seen_from_the_next_bar_after_its_end() -> None:
    bars, _ = hourly_m5(4)
    bars = bars[~bars["time"].dt.strftime("%H:%M").isin(["01:45", "01:50", "01:55"])]
    f = build_features(bars.reset_index(drop=True), only("higher_tf"), timeframe="M5")
    gap = dict(zip(bars["time"].dt.strftime("%H:%M"), f["h1_gap"], strict=True))
    h1_01 = 101.08  # the 01:00 hour now ends with the 01:40 bar
    assert gap["01:40"] == pytest.approx(101.08 / 100.11 - 1)  # still the 00:00 hour
    assert gap["02:00"] == pytest.approx(102.00 / h1_01 - 1)


def test_index_and_dtypes_are_kept() -> None:
    bars = generate_bars(n_bars=500, seed=2)
    bars.index = pd.RangeIndex(1000, 1500)
    f = build_features(bars, FeatureSpec(), timeframe="M5")
    assert f.index.equals(bars.index)
    assert (f.dtypes == np.float64).all()


def test_empty_bars_give_an_empty_frame_with_all_columns() -> None:
    bars = generate_bars(n_bars=0)
    f = build_features(bars, FeatureSpec(), timeframe="M5")
    assert f.empty and list(f.columns) == feature_names(FeatureSpec(), "M5")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.drop(columns="close"), "close"),
        (lambda b: b.assign(time=b["time"].dt.tz_localize(None)), "timezone"),
        (lambda b: b.iloc[::-1].reset_index(drop=True), "increasing"),
        (lambda b: b.assign(low=b["low"].where(b.index != 5, -1.0)), "low"),
    ],
)
def test_bad_bars_are_refused_with_a_reason(change: object, message: str) -> None:
    bars = generate_bars(n_bars=50, seed=2)
    with pytest.raises(DataError, match=message):
        build_features(change(bars), FeatureSpec(), timeframe="M5")  # type: ignore[operator]


def test_unknown_timeframe_is_refused() -> None:
    with pytest.raises(DataError, match="timeframe"):
        build_features(generate_bars(n_bars=50), FeatureSpec(), timeframe="M7")


@pytest.mark.parametrize(
    ("spec", "timeframe"),
    [
        (FeatureSpec(), "M5"),
        (FeatureSpec(higher_timeframe="H4", ema_periods=[5, 200]), "M15"),
        (only("returns", "momentum", "spread", "session", higher_timeframe="none"), "M1"),
        (only("regime", "volatility", "session"), "M5"),
    ],
)
def test_latest_features_are_the_last_row_of_build_features(
    spec: FeatureSpec, timeframe: str
) -> None:
    """The signal path's row, from the version's fixed window of last bars, equals
    build_features on the whole series (training) value for value (missing spreads included),
    for many end points."""
    step = {"M1": "1min", "M5": "5min", "M15": "15min"}[timeframe]
    bars = generate_bars(n_bars=1_500, seed=11)
    bars["time"] = pd.date_range(START, periods=len(bars), freq=step)
    bars["spread_points"] = bars["spread_points"].where(bars.index % 7 != 3)  # <NA> gaps
    for end in range(1_200, 1_500, 23):
        window = bars.iloc[:end]
        arrays = BarArrays.from_frame(window, last=history_bars(spec, timeframe))
        got = latest_features(arrays, spec, timeframe=timeframe)
        full = build_features(window, spec, timeframe=timeframe)
        np.testing.assert_array_equal(got, full.iloc[[-1]].to_numpy())
        assert np.isfinite(got).all()
        assert got.shape == (1, len(feature_names(spec, timeframe)))
        if "regime" in spec.groups:  # finite windows: the same as training on the whole series
            trained = build_features(window, spec, timeframe=timeframe).iloc[-1]
            names = ["regime_vol", "regime_trend", "regime_atr_pct"]
            np.testing.assert_array_equal(full.iloc[-1][names], trained[names])


def test_arrays_of_the_last_rows_equal_those_of_the_tail_frame() -> None:
    bars = generate_bars(n_bars=800, seed=4)
    bars["spread_points"] = bars["spread_points"].astype(object).where(bars.index % 5 != 0, "x")
    tail = BarArrays.from_frame(bars.tail(300).reset_index(drop=True))
    last = BarArrays.from_frame(bars, last=300)
    for name in ("open", "high", "low", "close", "spread_points", "secs"):
        np.testing.assert_array_equal(getattr(last, name), getattr(tail, name))
    unreadable = bars.index[-300:] % 5 == 0
    assert np.isnan(last.spread_points[unreadable]).all()
    assert np.isfinite(last.spread_points[~unreadable]).all()
    no_spread = BarArrays.from_frame(bars.drop(columns="spread_points"), last=300)
    assert no_spread.spread_points.shape == (300,) and np.isnan(no_spread.spread_points).all()
    with pytest.raises(DataError, match="timezone"):  # checked on the generic path too
        BarArrays.from_frame(bars.assign(time=bars["time"].dt.tz_localize(None)), last=300)
    with pytest.raises(DataError, match="missing values"):
        BarArrays.from_frame(bars.assign(time=bars["time"].where(bars.index != 790)), last=300)
