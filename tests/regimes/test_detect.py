"""Regimes on constructed bars where the answer is known, and no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data import generate_bars
from engine.features import BarArrays
from engine.regimes import RegimeSettings, detect_regimes, regime_frame, regime_warmup
from tests.regimes.constructed import (
    CALM_AT,
    SMALL,
    VIOLENT_AT,
    calm_then_violent,
    make_bars,
    steady,
)


def test_calm_then_violent_is_low_then_high_volatility_at_the_right_bars() -> None:
    f = regime_frame(calm_then_violent(), SMALL)
    vol = f["volatility"]
    warm = regime_warmup(SMALL)
    assert vol.iloc[:warm].isna().all() and vol.iloc[warm:].notna().all()
    assert (vol.iloc[warm:CALM_AT] == "normal").all()  # equal moves: mid-rank 0.5
    assert (vol.iloc[CALM_AT:VIOLENT_AT] == "low").all()  # from the first calm bar
    assert (vol.iloc[VIOLENT_AT:] == "high").all()  # from the first violent bar
    assert f["atr_percentile"].iloc[VIOLENT_AT] == 1.0  # the largest ATR of its window
    assert (f["trend"].iloc[warm:CALM_AT] == "range").all()  # up, down, up, down...


@pytest.mark.parametrize(("slope", "trend"), [(0.5, "up"), (-0.5, "down"), (0.0, "range")])
def test_a_straight_line_is_labelled_by_its_direction(slope: float, trend: str) -> None:
    f = regime_frame(steady(slope), SMALL).iloc[regime_warmup(SMALL) :]
    assert (f["trend"] == trend).all()
    assert (f["volatility"] == "normal").all()  # the same move every bar
    if slope:  # fitted move 19 x 0.5 in ATR (0.5) x sqrt(20)
        assert f["trend_score"].iloc[-1] == pytest.approx(np.sign(slope) * 19 / np.sqrt(20))
    assert f["regime"].iloc[-1] == f"normal vol · {trend}"


def test_settings_refuse_percentiles_out_of_order() -> None:
    with pytest.raises(ValueError, match="low_percentile"):
        RegimeSettings(low_percentile=0.8, high_percentile=0.3)


def test_warmup_is_the_first_bar_with_a_regime() -> None:
    bars = generate_bars(n_bars=600, seed=5)
    f = regime_frame(bars, SMALL)
    first = int(np.flatnonzero(f["regime"].notna())[0])
    assert first == regime_warmup(SMALL)
    assert f["regime"].iloc[first:].notna().all()


BARS = generate_bars(start="2025-01-06 00:20", n_bars=1_200, seed=23)
FULL = detect_regimes(BarArrays.from_frame(BARS), SMALL)
PRICES = ["open", "high", "low", "close"]


def _codes(bars: pd.DataFrame) -> np.ndarray:
    r = detect_regimes(BarArrays.from_frame(bars), SMALL)
    return np.vstack([r.volatility, r.trend, r.atr_percentile, r.trend_score])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    t=st.integers(0, len(BARS) - 1),
    how=st.sampled_from(["truncate", "scale", "replace"]),
    seed=st.integers(0, 2**16),
)
def test_regime_at_t_ignores_every_later_bar(t: int, how: str, seed: int) -> None:
    head, tail = BARS.iloc[: t + 1], BARS.iloc[t + 1 :].copy()
    rng = np.random.default_rng(seed)
    if how == "scale":
        tail[PRICES] = tail[PRICES] * rng.uniform(0.5, 2.0)
    elif how == "replace" and len(tail):
        other = generate_bars(start=tail["time"].iloc[0], n_bars=len(tail), seed=seed)
        tail[PRICES] = other[PRICES].to_numpy()
    altered = head if how == "truncate" else pd.concat([head, tail])
    full = np.vstack([FULL.volatility, FULL.trend, FULL.atr_percentile, FULL.trend_score])
    np.testing.assert_array_equal(_codes(altered)[:, : t + 1], full[:, : t + 1])


def test_a_tail_of_warmup_plus_one_bars_gives_the_same_last_regime() -> None:
    """What serving sees (the last bars only) is what training saw on the whole series."""
    need = regime_warmup(SMALL) + 1
    for end in range(need + 50, len(BARS), 37):
        tail = _codes(BARS.iloc[end - need : end])[:, -1]
        np.testing.assert_array_equal(tail, _codes(BARS.iloc[:end])[:, -1])


def test_flat_bars_range_and_no_bars_give_empty_arrays() -> None:
    flat = regime_frame(make_bars(np.full(200, 1000.0)), SMALL)
    assert (flat["trend"].iloc[regime_warmup(SMALL) :] == "range").all()
    assert len(regime_frame(generate_bars(n_bars=0), SMALL)) == 0
