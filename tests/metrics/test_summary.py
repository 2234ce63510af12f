"""summarize() end to end, and the catalogue that names and orders its metrics."""

from __future__ import annotations

import dataclasses
import math
import statistics
from datetime import UTC, datetime

import pytest

from engine.metrics import METRICS, MetricsSummary, is_better, summarize


def test_summary_names_match_catalogue_exactly() -> None:
    names = [f.name for f in dataclasses.fields(MetricsSummary)]
    assert names == list(METRICS)
    s = summarize([], [], initial_equity=1000.0)
    assert list(s.as_dict()) == list(METRICS)
    assert all(spec.name == name for name, spec in METRICS.items())


def test_empty_summary() -> None:
    s = summarize([], [], initial_equity=1000.0)
    assert (s.trades, s.net_profit, s.max_drawdown, s.max_drawdown_pct) == (0, 0.0, 0.0, 0.0)
    assert (s.win_rate_low, s.win_rate_high) == (0.0, 1.0)
    for value in (s.win_rate, s.profit_factor, s.expectancy, s.sharpe, s.psr, s.dsr, s.calmar):
        assert math.isnan(value)


def test_summary_on_hand_made_trades() -> None:
    profits = [100.0, -50.0, -100.0, 200.0, -20.0]
    times = [datetime(2024, 1, d, 12, tzinfo=UTC) for d in (1, 2, 3, 4, 5)]
    s = summarize(profits, times, initial_equity=1000.0)
    # One trade a day: returns 100/1000, -50/1100, -100/1050, 200/950, -20/1150.
    assert (s.trades, s.net_profit) == (5, 130.0)
    assert s.win_rate == 0.4
    assert s.profit_factor == pytest.approx(300.0 / 170.0)
    assert s.expectancy == pytest.approx(26.0)
    assert (s.average_win, s.average_loss) == (150.0, pytest.approx(-170.0 / 3.0))
    assert (s.max_drawdown, s.max_drawdown_pct) == (150.0, pytest.approx(1500.0 / 110.0))
    daily = [0.1, -50 / 1100, -100 / 1050, 200 / 950, -20 / 1150]
    mean = sum(daily) / 5
    assert s.calmar == pytest.approx(mean * 252 / (150.0 / 1100.0))
    assert 0.0 < s.dsr <= s.psr < 1.0
    assert s.sharpe > 0 and s.sortino > s.sharpe


def test_dsr_uses_given_variance_and_trials() -> None:
    profits = [10.0, -5.0, 8.0, -2.0, 12.0, -6.0, 9.0]
    times = [datetime(2024, 2, d, tzinfo=UTC) for d in range(1, 8)]
    one = summarize(profits, times, initial_equity=500.0)
    many = summarize(profits, times, initial_equity=500.0, n_trials=50, sr_variance=0.1)
    assert one.dsr == one.psr
    assert many.dsr < many.psr == one.psr
    with pytest.raises(ValueError, match="n_trials"):
        summarize(profits, times, initial_equity=500.0, n_trials=0)


def test_is_better_direction_inf_and_nan() -> None:
    assert is_better("sharpe", 1.5, 1.0) and not is_better("sharpe", 1.0, 1.5)
    assert is_better("max_drawdown", 100.0, 200.0)
    assert is_better("max_drawdown_pct", 5.0, 10.0) and not is_better("max_drawdown_pct", 10.0, 5.0)
    assert is_better("profit_factor", math.inf, 1e9)
    assert not is_better("profit_factor", 1e9, math.inf)
    assert not is_better("profit_factor", math.inf, math.inf)
    assert not is_better("sharpe", math.nan, 1.0)
    assert is_better("sharpe", -5.0, math.nan)
    assert not is_better("sharpe", math.nan, math.nan)
    assert not is_better("win_rate", 0.5, 0.5)
    with pytest.raises(KeyError, match="unknown metric"):
        is_better("nope", 1.0, 2.0)


def test_catalogue_specs_are_frozen_and_drawdowns_lower_is_better() -> None:
    lower = {name for name, spec in METRICS.items() if not spec.higher_is_better}
    assert lower == {"max_drawdown", "max_drawdown_pct"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        METRICS["sharpe"].label = "x"  # type: ignore[misc]


def test_results_by_session_use_the_utc_hours_of_the_session_features():
    from datetime import UTC, datetime

    from engine.metrics.breakdown import results_by_session

    times = [datetime(2025, 3, 3, h, 30, tzinfo=UTC) for h in (2, 8, 9, 14, 22)]
    rows = {r.session: r for r in results_by_session(times, [10.0, -5.0, 15.0, 7.0, -1.0])}
    assert (rows["asia"].trades, rows["asia"].net_profit) == (1, 10.0)
    assert (rows["london"].trades, rows["london"].net_profit, rows["london"].win_rate) == (
        2,
        10.0,
        0.5,
    )
    assert rows["ny"].expectancy == 7.0 and rows["rollover"].trades == 1


def test_summary_ratios_count_every_trading_day_of_the_window() -> None:
    window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC))
    times = [datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 4, 15, tzinfo=UTC)]
    s = summarize([100.0, -50.0], times, initial_equity=10_000.0, window=window, n_trials=7)
    daily = [0.01, 0.0, -50 / 10_100] + [0.0] * 7  # ten weekdays, two with a trade
    mean, std = statistics.fmean(daily), statistics.stdev(daily)
    assert (s.days, s.dsr_trials) == (10, 7)
    assert s.sharpe == pytest.approx(mean / std * math.sqrt(252), rel=1e-12)
    assert s.calmar == pytest.approx(mean * 252 / (50 / 10_100), rel=1e-12)
    unwindowed = summarize([100.0, -50.0], times, initial_equity=10_000.0)
    assert unwindowed.days == 3 and unwindowed.sharpe > s.sharpe
