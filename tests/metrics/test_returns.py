"""Return-based metrics against hand computations and independent moment formulas."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from engine.metrics import (
    annualized_return,
    calmar_ratio,
    daily_returns,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    sharpe_ratio_variance,
    sortino_ratio,
    trading_days,
)

RETURNS = [0.01, -0.02, 0.03, 0.0]
SKEWED = [0.02, -0.01, 0.015, -0.03, 0.04, 0.005, -0.002, 0.01, 0.025, -0.015, 0.06, 0.0]


def test_daily_returns_group_by_utc_day() -> None:
    times = [
        datetime(2024, 1, 1, 10, tzinfo=UTC),  # Jan 1
        datetime(2024, 1, 2, 3, tzinfo=timezone(timedelta(hours=5))),  # 22:00 UTC Jan 1
        datetime(2024, 1, 1, 23),  # naive -> UTC, Jan 1
        pd.Timestamp("2024-01-02 12:00", tz="UTC"),  # Jan 2
        pd.Timestamp("2024-01-02 20:00", tz="America/New_York"),  # 01:00 UTC Jan 3
    ]
    r = daily_returns([100.0, 20.0, -50.0, 60.0, -30.0], times, initial_equity=1000.0)
    # Jan 1: +70 on 1000; Jan 2: +60 on 1070; Jan 3: -30 on 1130.
    assert [d.strftime("%Y-%m-%d") for d in r.index] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert str(r.index.tz) == "UTC"
    assert r.tolist() == pytest.approx([0.07, 60.0 / 1070.0, -30.0 / 1130.0])


def test_daily_returns_accepts_index_and_rejects_bad_input() -> None:
    idx = pd.DatetimeIndex(["2024-03-01 09:00", "2024-03-04 09:00"])
    assert daily_returns([10.0, 10.0], idx, initial_equity=100.0).tolist() == pytest.approx(
        [0.1, 10.0 / 110.0]
    )
    assert daily_returns([], [], initial_equity=1.0).empty
    with pytest.raises(ValueError, match="initial_equity"):
        daily_returns([1.0], [datetime(2024, 1, 1)], initial_equity=0.0)
    with pytest.raises(ValueError, match="close times"):
        daily_returns([1.0, 2.0], [datetime(2024, 1, 1)], initial_equity=10.0)


def test_daily_return_is_nan_after_equity_wiped_out() -> None:
    times = [datetime(2024, 1, 1), datetime(2024, 1, 2)]
    r = daily_returns([-100.0, 5.0], times, initial_equity=100.0)
    assert r.iloc[0] == -1.0 and math.isnan(r.iloc[1])


def test_sharpe_hand_computed() -> None:
    # mean = 0.02/4 = 0.005; squared deviations 0.000025 + 0.000625 + 0.000625 + 0.000025
    # = 0.0013; var = 0.0013/3 = 0.00043333; std = 0.0208167; SR = 0.240192 per day
    assert sharpe_ratio(RETURNS, periods_per_year=1) == pytest.approx(0.240192, abs=1e-6)
    # * sqrt(252) = 15.874508 -> 3.812933
    assert sharpe_ratio(RETURNS) == pytest.approx(3.812933, abs=1e-6)
    assert sharpe_ratio(RETURNS) == pytest.approx(
        sharpe_ratio(RETURNS, periods_per_year=1) * math.sqrt(252)
    )


def test_sharpe_degenerate_cases() -> None:
    assert math.isnan(sharpe_ratio([]))
    assert math.isnan(sharpe_ratio([0.01]))
    assert math.isnan(sharpe_ratio([0.01, 0.01, 0.01]))


def test_sortino_hand_computed() -> None:
    # downside: only -0.02 -> mean of squares over 4 periods = 0.0004/4 = 0.0001, sqrt = 0.01
    # 0.005 / 0.01 = 0.5 per day; * sqrt(252) = 7.937254
    assert sortino_ratio(RETURNS, periods_per_year=1) == pytest.approx(0.5)
    assert sortino_ratio(RETURNS) == pytest.approx(7.937254, abs=1e-6)
    assert sortino_ratio([0.01, 0.02]) == math.inf
    assert math.isnan(sortino_ratio([0.0, 0.0]))
    assert math.isnan(sortino_ratio([0.01]))


def test_annualized_return_and_calmar() -> None:
    # mean 0.005 * 252 = 1.26; 1.26 / 0.15 = 8.4
    assert annualized_return(RETURNS) == pytest.approx(1.26)
    assert calmar_ratio(1.26, 15.0) == pytest.approx(8.4)
    assert calmar_ratio(0.3, 0.0) == math.inf
    assert math.isnan(calmar_ratio(-0.1, 0.0))
    assert math.isnan(calmar_ratio(math.nan, 5.0))
    assert math.isnan(annualized_return([]))
    with pytest.raises(ValueError):
        calmar_ratio(0.1, -1.0)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _independent_psr(returns: list[float], benchmark: float) -> float:
    """PSR written out with explicit central moments, not scipy's skew/kurtosis."""
    r = np.array(returns)
    n = r.size
    d = r - r.sum() / n
    m2, m3, m4 = (d**2).sum() / n, (d**3).sum() / n, (d**4).sum() / n
    g3 = m3 / m2**1.5
    g4 = m4 / m2**2  # raw kurtosis: 3 for a normal
    sr = (r.sum() / n) / math.sqrt((d**2).sum() / (n - 1))
    z = (sr - benchmark) * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    return _phi(z)


@pytest.mark.parametrize("benchmark", [0.0, 0.1, 0.3])
def test_psr_matches_independent_computation(benchmark: float) -> None:
    expected = _independent_psr(SKEWED, benchmark)
    assert probabilistic_sharpe_ratio(SKEWED, benchmark_sr=benchmark) == pytest.approx(expected)


def test_psr_uses_raw_not_excess_kurtosis() -> None:
    # With excess kurtosis the denominator would shrink by 3/4·SR²; the value would differ.
    r = np.array(SKEWED)
    sr = r.mean() / r.std(ddof=1)
    assert 0.75 * sr**2 > 1e-3
    assert probabilistic_sharpe_ratio(SKEWED) == pytest.approx(_independent_psr(SKEWED, 0.0))


def test_psr_rises_with_sample_size_and_degenerate_cases() -> None:
    psr = [probabilistic_sharpe_ratio(SKEWED * k) for k in (1, 2, 4, 8)]
    assert psr == sorted(psr) and psr[0] < psr[-1] < 1.0
    assert math.isnan(probabilistic_sharpe_ratio([0.01, 0.02]))
    assert math.isnan(probabilistic_sharpe_ratio([0.01, 0.01, 0.01]))


def test_expected_max_sharpe() -> None:
    # N = 100, V = 1: Φ⁻¹(0.99) = 2.326348, Φ⁻¹(1 - 1/(100e)) = Φ⁻¹(0.996321) = 2.680210
    # 0.422784 * 2.326348 + 0.577216 * 2.680210 = 0.983543 + 1.547060 = 2.530603
    assert expected_max_sharpe(100, 1.0) == pytest.approx(2.530603, abs=1e-5)
    assert expected_max_sharpe(100, 4.0) == pytest.approx(2 * 2.530603, abs=2e-5)
    assert expected_max_sharpe(1, 1.0) == 0.0
    assert expected_max_sharpe(0, 1.0) == 0.0
    values = [expected_max_sharpe(n, 0.01) for n in (2, 10, 100, 1000)]
    assert values == sorted(values) and len(set(values)) == 4
    with pytest.raises(ValueError):
        expected_max_sharpe(10, -1.0)


def test_dsr_relative_to_psr() -> None:
    psr = probabilistic_sharpe_ratio(SKEWED)
    assert deflated_sharpe_ratio(SKEWED, n_trials=1, sr_variance=0.05) == psr
    dsr = deflated_sharpe_ratio(SKEWED, n_trials=20, sr_variance=0.05)
    assert dsr < psr
    assert deflated_sharpe_ratio(SKEWED, n_trials=200, sr_variance=0.05) < dsr


def test_sharpe_ratio_variance() -> None:
    # SR = 0.240192 per period, n = 4: (1 + 0.240192²/2) / 3 = (1 + 0.028846) / 3 = 0.342949
    assert sharpe_ratio_variance(RETURNS) == pytest.approx(0.342949, abs=1e-6)
    assert math.isnan(sharpe_ratio_variance([0.1, 0.2]))


# Two weeks, Monday 2026-03-02 to Friday 2026-03-13: ten weekdays. Trades close on Monday,
# Wednesday, Sunday 03-08 (a weekend day with a trade counts too) and the next Monday.
WINDOW = (datetime(2026, 3, 2, 0, 5, tzinfo=UTC), datetime(2026, 3, 13, 20, 55, tzinfo=UTC))
IDLE_PROFITS = [100.0, -50.0, 20.0, 150.0]
IDLE_TIMES = [
    datetime(2026, 3, 2, 10, tzinfo=UTC),
    datetime(2026, 3, 4, 15, tzinfo=UTC),
    datetime(2026, 3, 8, 23, tzinfo=UTC),
    datetime(2026, 3, 9, 9, tzinfo=UTC),
]
# Equity 10,000 at the start: day returns written out, idle weekdays are 0.
IDLE_DAILY = [
    100 / 10_000,  # Mon 02
    0.0,  # Tue 03
    -50 / 10_100,  # Wed 04
    0.0,  # Thu 05
    0.0,  # Fri 06
    20 / 10_050,  # Sun 08: a trade closed
    150 / 10_070,  # Mon 09
    0.0,  # Tue 10
    0.0,  # Wed 11
    0.0,  # Thu 12
    0.0,  # Fri 13
]


def test_trading_days_are_the_windows_weekdays_plus_days_with_a_trade() -> None:
    days = trading_days(WINDOW, [datetime(2026, 3, 8, 23, tzinfo=UTC)])
    assert [d.strftime("%a %d") for d in days] == [
        "Mon 02", "Tue 03", "Wed 04", "Thu 05", "Fri 06", "Sun 08",
        "Mon 09", "Tue 10", "Wed 11", "Thu 12", "Fri 13",
    ]  # fmt: skip
    saturday_to_sunday = (datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC))
    assert len(trading_days(saturday_to_sunday)) == 0
    with pytest.raises(ValueError, match="ends before it starts"):
        trading_days((WINDOW[1], WINDOW[0]))


def test_idle_days_inside_the_window_are_zero_returns() -> None:
    r = daily_returns(IDLE_PROFITS, IDLE_TIMES, initial_equity=10_000.0, window=WINDOW)
    assert len(r) == 11
    assert r.tolist() == pytest.approx(IDLE_DAILY, abs=1e-15)


def test_sharpe_over_a_window_with_idle_days_is_the_hand_computed_one() -> None:
    r = daily_returns(IDLE_PROFITS, IDLE_TIMES, initial_equity=10_000.0, window=WINDOW)
    mean = statistics.fmean(IDLE_DAILY)
    expected = mean / statistics.stdev(IDLE_DAILY) * math.sqrt(252)
    assert sharpe_ratio(r) == pytest.approx(expected, rel=1e-12)
    # mean 0.0219353/11 = 0.0019941; sample std 0.0055372 -> 0.36013 a day, 5.7169 a year
    assert sharpe_ratio(r) == pytest.approx(5.7169, abs=1e-4)
    downside = math.sqrt((50 / 10_100) ** 2 / 11)
    assert sortino_ratio(r) == pytest.approx(mean / downside * math.sqrt(252), rel=1e-12)
    # the same trades judged on their trading days only would look far steadier
    traded_only = [v for v in IDLE_DAILY if v != 0.0]
    assert sharpe_ratio(traded_only) > 1.5 * sharpe_ratio(r)


def test_without_a_window_the_span_of_the_closes_is_used() -> None:
    r = daily_returns(IDLE_PROFITS, IDLE_TIMES, initial_equity=10_000.0)
    assert len(r) == 7  # Mon 02 .. Mon 09 without Saturday 07
    assert r.tolist() == pytest.approx(IDLE_DAILY[:7], abs=1e-15)


def test_a_window_without_trades_gives_zeros_and_no_ratio() -> None:
    r = daily_returns([], [], initial_equity=1000.0, window=WINDOW)
    assert r.tolist() == [0.0] * 10
    assert math.isnan(sharpe_ratio(r))


def test_a_sparse_trader_no_longer_wins_by_sharpe() -> None:
    """Twelve weeks (60 weekdays). A model that traded on four days looked steadier than one
    that traded every day when only traded days counted; over every trading day it is not
    (learning.winner_metric is Sharpe, so this decides sessions)."""
    window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 5, 22, tzinfo=UTC))
    weekdays = [d for d in pd.date_range("2026-03-02", "2026-05-22", tz="UTC") if d.weekday() < 5]
    assert len(weekdays) == 60
    sparse_days = [weekdays[i] + pd.Timedelta(hours=15) for i in (3, 17, 30, 52)]
    sparse = [300.0, 250.0, -100.0, 280.0]
    steady_days = [d + pd.Timedelta(hours=15) for d in weekdays]
    steady = [[60.0, -30.0, 45.0, -20.0, 40.0][i % 5] for i in range(60)]

    def both(profits: list[float], days: list[pd.Timestamp]) -> tuple[float, float]:
        r = daily_returns(profits, days, initial_equity=10_000.0, window=window)
        traded = r[r != 0.0]
        return sharpe_ratio(traded), sharpe_ratio(r)

    sparse_old, sparse_new = both(sparse, sparse_days)
    steady_old, steady_new = both(steady, steady_days)
    assert sparse_old > steady_old  # the old convention ranked the sparse trader first
    assert steady_new > sparse_new  # every trading day: the steady trader is better
    assert steady_new == pytest.approx(steady_old)  # it traded every day: nothing changes
