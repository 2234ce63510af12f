"""The gmm detector: volatility states from a Gaussian mixture fitted on earlier days only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data.synthetic import generate_bars
from engine.features import BarArrays
from engine.regimes import RegimeSettings, detect_regimes, regime_frame, regime_warmup
from tests.regimes.constructed import make_bars

GMM = RegimeSettings(detector="gmm", gmm_train_bars=600, atr_period=5, trend_window=20)
DAY = 288  # M5 bars in a UTC day


def days_of(sizes: list[float]) -> pd.DataFrame:
    """One UTC day per size: moves of that size, alternating up and down (true range = size),
    with a little noise so the mixture has spread to fit."""
    rng = np.random.default_rng(0)
    moves = np.concatenate([s * rng.uniform(0.8, 1.2, DAY) for s in sizes])
    moves *= np.where(np.arange(len(moves)) % 2 == 0, 1.0, -1.0)
    return make_bars(2000.0 + np.cumsum(moves))


def test_each_day_takes_the_component_its_volatility_belongs_to() -> None:
    """Three calm, normal and violent days, twice (the mixture learns them), then one of each:
    known states, and a long violent stretch stays high (the rules would call it normal)."""
    history = [0.1, 1.0, 8.0, 0.1, 1.0, 8.0]
    test_days = [8.0, 0.1, 1.0, 8.0, 8.0]
    f = regime_frame(days_of(history + test_days), GMM)
    for k, size in enumerate(test_days):
        day = f.iloc[(len(history) + k) * DAY + GMM.atr_period : (len(history) + k + 1) * DAY]
        want = {0.1: "low", 1.0: "normal", 8.0: "high"}[size]
        assert (day["volatility"] == want).all(), (k, size, day["volatility"].value_counts())
    rules = GMM.model_copy(update={"detector": "rules"})
    last_day = regime_frame(days_of(history + test_days), rules).iloc[-DAY:]
    assert (last_day["volatility"] == "high").mean() < 0.5  # the percentile ranks within the day


def test_a_day_without_enough_earlier_bars_has_no_volatility_state() -> None:
    """The ATR is defined from bar 5, so a day needs to start at bar 605 or later: days 0-2
    (bars 0, 288, 576) have no state, day 3 (bar 864) has one at every bar."""
    f = regime_frame(days_of([1.0, 1.0, 1.0, 1.0]), GMM)
    assert f["volatility"].iloc[: 3 * DAY].isna().all()
    assert f["volatility"].iloc[3 * DAY :].notna().all()


BARS = generate_bars(start="2025-01-06 00:00", n_bars=2_400, seed=29)
FULL = detect_regimes(BarArrays.from_frame(BARS), GMM)
PRICES = ["open", "high", "low", "close"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    t=st.integers(0, len(BARS) - 1),
    how=st.sampled_from(["truncate", "scale"]),
    seed=st.integers(0, 2**16),
)
def test_the_state_at_t_ignores_every_later_bar(t: int, how: str, seed: int) -> None:
    head, tail = BARS.iloc[: t + 1], BARS.iloc[t + 1 :].copy()
    if how == "scale":
        tail[PRICES] = tail[PRICES] * np.random.default_rng(seed).uniform(0.5, 2.0)
    altered = head if how == "truncate" else pd.concat([head, tail])
    got = detect_regimes(BarArrays.from_frame(altered), GMM).volatility[: t + 1]
    np.testing.assert_array_equal(got, FULL.volatility[: t + 1])


def test_a_tail_of_warmup_plus_one_bars_gives_the_same_last_state() -> None:
    need = regime_warmup(GMM) + 1
    assert need == GMM.atr_period + GMM.gmm_train_bars + 1440 + 1
    for end in range(need + 10, len(BARS), 97):
        tail = detect_regimes(BarArrays.from_frame(BARS.iloc[end - need : end]), GMM)
        assert tail.volatility[-1] == FULL.volatility[end - 1]
        assert not np.isnan(tail.volatility[-1])


def test_the_detector_is_a_setting_with_bounds() -> None:
    assert RegimeSettings().detector == "rules"
    with pytest.raises(ValueError, match="gmm_train_bars"):
        RegimeSettings(detector="gmm", gmm_train_bars=10)


def test_em_recovers_a_known_mixture() -> None:
    from engine.regimes.mixture import fit_mixture

    rng = np.random.default_rng(7)
    x = np.concatenate(
        [rng.normal(-6.0, 0.2, 1000), rng.normal(-5.0, 0.3, 1500), rng.normal(-3.5, 0.25, 500)]
    )
    rng.shuffle(x)
    means, variances, weights = fit_mixture(x)
    order = np.argsort(means)
    assert means[order] == pytest.approx([-6.0, -5.0, -3.5], abs=0.05)
    assert np.sqrt(variances[order]) == pytest.approx([0.2, 0.3, 0.25], abs=0.05)
    assert weights[order] == pytest.approx([1 / 3, 1 / 2, 1 / 6], abs=0.03)
    again = fit_mixture(x)
    assert all(
        np.array_equal(a, b) for a, b in zip(again, (means, variances, weights), strict=True)
    )
