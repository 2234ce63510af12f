"""No lookahead: features of bars 0..t never change when bars after t change or disappear."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data import generate_bars
from engine.features import GROUPS, FeatureSpec, build_features

PRICES = ["open", "high", "low", "close"]
ALTERATIONS = ["truncate", "scale", "shuffle", "drop", "replace"]
CASES = {
    "M5": FeatureSpec(groups=list(GROUPS)),  # the opt-in regime group included
    "M15": FeatureSpec(higher_timeframe="H4", rsi_period=5, htf_ema_period=4, return_lags=[1, 2]),
}


def _bars(timeframe: str, n_bars: int) -> pd.DataFrame:
    bars = generate_bars(start="2025-01-06 00:20", n_bars=n_bars, timeframe=timeframe, seed=17)
    holes = np.random.default_rng(3).random(n_bars) < 0.05  # missing spreads are filled causally
    bars["spread_points"] = bars["spread_points"].astype("Int64").mask(holes)
    return bars


BARS = {"M5": _bars("M5", 3_000), "M15": _bars("M15", 1_500)}
FULL = {tf: build_features(BARS[tf], CASES[tf], timeframe=tf) for tf in CASES}


def alter(bars: pd.DataFrame, t: int, how: str, rng: np.random.Generator) -> pd.DataFrame:
    """Change only the bars after position t (times stay increasing)."""
    head, tail = bars.iloc[: t + 1], bars.iloc[t + 1 :].copy()
    if how == "truncate" or tail.empty:
        return head
    if how == "scale":
        tail[PRICES] = tail[PRICES] * rng.uniform(0.5, 2.0)
    elif how == "shuffle":
        values = ["tick_volume", "spread_points", *PRICES]
        tail[values] = tail[values].iloc[rng.permutation(len(tail))].to_numpy()
    elif how == "drop":
        tail = tail[rng.random(len(tail)) < 0.5]
    else:
        seed = int(rng.integers(99))
        other = generate_bars(start=tail["time"].iloc[0], n_bars=len(tail), seed=seed)
        tail[PRICES] = other[PRICES].to_numpy()
    return pd.concat([head, tail])


def assert_same_past(altered: pd.DataFrame, full: pd.DataFrame, t: int) -> None:
    """Rows 0..t equal (1e-9 relative), NaN where the full build has NaN."""
    np.testing.assert_allclose(
        altered.iloc[: t + 1].to_numpy(), full.iloc[: t + 1].to_numpy(), rtol=1e-9, atol=1e-15
    )


@pytest.mark.parametrize("timeframe", list(CASES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_features_up_to_t_ignore_every_later_bar(timeframe: str, data: st.DataObject) -> None:
    bars, full = BARS[timeframe], FULL[timeframe]
    t = data.draw(st.integers(0, len(bars) - 1), label="t")
    how = data.draw(st.sampled_from(ALTERATIONS), label="alteration")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    altered = build_features(alter(bars, t, how, rng), CASES[timeframe], timeframe=timeframe)
    assert_same_past(altered, full, t)


@pytest.mark.parametrize("timeframe", list(CASES))
def test_every_prefix_near_higher_bar_boundaries(timeframe: str) -> None:
    bars, full = BARS[timeframe], FULL[timeframe]
    for t in range(300, 420):  # cuts at every bar around several higher-timeframe closes
        prefix = build_features(bars.iloc[: t + 1], CASES[timeframe], timeframe=timeframe)
        assert_same_past(prefix, full, t)


def test_the_check_catches_a_higher_timeframe_join_that_leaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Joining the H1 bar a bar is IN (not the last closed one) must fail the check."""

    def current_bin(secs: np.ndarray, step: int, opens: np.ndarray, higher: int) -> np.ndarray:
        return np.searchsorted(opens, secs, side="right") - 1

    monkeypatch.setattr("engine.features._higher.visible_index", current_bin)
    bars, spec = BARS["M5"], CASES["M5"]
    leaky_full = build_features(bars, spec, timeframe="M5")
    t = int(np.flatnonzero(bars["time"].dt.minute == 30)[40])  # mid-hour: its H1 bar is open
    prefix = build_features(bars.iloc[: t + 1], spec, timeframe="M5")
    with pytest.raises(AssertionError):
        assert_same_past(prefix, leaky_full, t)
