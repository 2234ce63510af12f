"""Retraining triggers on constructed inputs where the answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from engine.triggers import (
    change_trigger,
    data_trigger,
    drift_trigger,
    page_hinkley,
    performance_trigger,
    population_stability,
    time_trigger,
)

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_time_trigger():
    assert time_trigger(None, NOW, 24).fired
    assert not time_trigger(NOW - timedelta(hours=23), NOW, 24).fired
    result = time_trigger(NOW - timedelta(hours=25), NOW, 24)
    assert result.fired and "25.0 h" in result.reason


def test_data_and_performance_triggers():
    assert data_trigger(50, 50).fired and not data_trigger(49, 50).fired
    assert not performance_trigger(10, 0.1, min_trades=30, threshold=0.4).fired  # too few
    assert performance_trigger(40, 0.3, min_trades=30, threshold=0.4).fired
    assert not performance_trigger(40, 0.5, min_trades=30, threshold=0.4).fired


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=20_000)
    assert population_stability(ref, rng.normal(size=5_000)) < 0.02
    assert population_stability(ref, rng.normal(1.0, 1.0, 5_000)) > 0.25


def test_drift_trigger_names_the_drifted_feature():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(5000, 2))
    recent = np.column_stack([rng.normal(size=800), rng.normal(2.0, 1.0, 800)])
    result = drift_trigger(ref, recent, ["stable", "moved"], threshold=0.25)
    assert (
        result.fired
        and "moved" in result.reason
        and "stable" not in result.reason.split("drifted:")[1]
    )


def test_page_hinkley_finds_a_fall_in_results_and_not_noise():
    rng = np.random.default_rng(2)
    good = (rng.random(200) < 0.6).astype(float)
    bad = (rng.random(200) < 0.2).astype(float)
    at = page_hinkley(np.concatenate([good, bad]), delta=0.05, threshold=5.0)
    assert at is not None and 200 <= at < 260
    assert page_hinkley(good, delta=0.05, threshold=5.0) is None
    assert change_trigger(np.concatenate([good, bad]), delta=0.05, threshold=5.0).fired


def test_data_trigger_counts_new_bars_when_configured():
    assert not data_trigger(0, 50, new_bars=1000, bars_needed=0).fired  # off by default
    result = data_trigger(3, 50, new_bars=1200, bars_needed=1000)
    assert result.fired and "1200 new bars (needs 1000)" in result.reason
    assert not data_trigger(3, 50, new_bars=999, bars_needed=1000).fired


def test_performance_trigger_judges_the_profit_factor_too():
    # a 60 % win rate clears the 40 % threshold, but the losses outweigh the wins
    result = performance_trigger(
        40, 0.6, min_trades=30, threshold=0.4, profit_factor=0.375, min_profit_factor=1.0
    )
    assert result.fired
    assert result.reason == (
        "live win rate 60.0% vs threshold 40%; profit factor 0.38 vs threshold 1.00 "
        "over 40 trades: profit factor below threshold"
    )
    assert not performance_trigger(
        40, 0.6, min_trades=30, threshold=0.4, profit_factor=1.3, min_profit_factor=1.0
    ).fired
    assert not performance_trigger(  # no losses yet: infinite profit factor
        40, 0.6, min_trades=30, threshold=0.4, profit_factor=float("inf"), min_profit_factor=1.0
    ).fired
    off = performance_trigger(
        40, 0.6, min_trades=30, threshold=0.4, profit_factor=0.375, min_profit_factor=0.0
    )
    assert not off.fired and "profit factor" not in off.reason
    both = performance_trigger(
        40, 0.3, min_trades=30, threshold=0.4, profit_factor=0.5, min_profit_factor=1.0
    )
    assert both.fired and both.reason.endswith("win rate and profit factor below threshold")
    assert not performance_trigger(  # too few trades for either number to mean something
        10, 0.1, min_trades=30, threshold=0.4, profit_factor=0.1, min_profit_factor=1.0
    ).fired
