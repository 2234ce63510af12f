"""Chart builders are pure: data in, figure out, numbers from engine.metrics, units labelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dashboard import charts
from engine.metrics.trading import max_drawdown, profit_factor, win_rate

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PROFITS = [100.0, -50.0, -150.0, 80.0, 200.0, -20.0]
TIMES = [T0 + timedelta(hours=3 * i) for i in range(len(PROFITS))]


def test_equity_starts_at_the_initial_balance_and_adds_each_trade():
    fig = charts.equity_figure({"v1 (live)": (TIMES, PROFITS)}, initial_equity=1000.0)
    (trace,) = fig.data
    assert list(trace.y) == [1000, 1100, 1050, 900, 980, 1180, 1160]
    assert list(trace.x) == [TIMES[0], *TIMES]
    assert fig.layout.yaxis.title.text == "equity (USD)"
    assert "UTC" in fig.layout.xaxis.title.text


def test_equity_overlays_several_curves_and_skips_empty_ones():
    fig = charts.equity_figure(
        {"a": (TIMES, PROFITS), "b": (TIMES[:2], [1.0, 2.0]), "c": ([], [])}, initial_equity=0
    )
    assert [t.name for t in fig.data] == ["a", "b"]


def test_a_pause_longer_than_the_gap_breaks_the_equity_line():
    """Friday's last trade and Monday's first are 66 h apart: None between them, so the line
    stops on Friday and starts again on Monday; the 3 h spacings stay joined."""
    friday = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    times = [friday - timedelta(hours=3), friday, friday + timedelta(hours=66)]
    fig = charts.equity_figure(
        {"v1 (backtest)": (times, [10.0, -5.0, 20.0])},
        initial_equity=100.0,
        gap=charts.GAP,
    )
    (trace,) = fig.data
    assert list(trace.y) == [100.0, 110.0, 105.0, None, 125.0]
    assert list(trace.x)[3] is None and list(trace.x)[4] == times[2]
    # without a gap, or for a per-fold curve, the points stay joined
    whole = charts.equity_figure(
        {"f": (times, [10.0, -5.0, 20.0])}, initial_equity=100.0, gap=charts.GAP, unbroken={"f"}
    )
    assert None not in list(whole.data[0].y)


def test_break_gaps_inserts_one_none_per_pause():
    t = [T0, T0 + timedelta(hours=40), T0 + timedelta(hours=41), T0 + timedelta(hours=100)]
    x, y = charts.break_gaps(pd.DatetimeIndex(t), [1.0, 2.0, 3.0, 4.0], timedelta(hours=36))
    assert y == [1.0, None, 2.0, 3.0, None, 4.0]
    assert x.count(None) == 2


def test_each_compared_version_keeps_its_colour_in_every_chart():
    colours = charts.version_colours(["a", "b", "c"])
    assert len(set(colours.values())) == 3
    assert list(colours.values()) == list(charts.VERSION_COLOURS[:3])
    equity = charts.equity_figure(
        {"b": (TIMES, PROFITS), "a": (TIMES, PROFITS)}, initial_equity=0, colours=colours
    )
    assert [t.line.color for t in equity.data] == [colours["b"], colours["a"]]
    bars = charts.metric_across_versions(["a", "b"], [1.0, -1.0], "sharpe", colours=colours)
    assert list(bars.data[0].marker.color) == [colours["a"], colours["b"]]
    plain = charts.metric_across_versions(["a", "b"], [1.0, -1.0], "sharpe")
    assert list(plain.data[0].marker.color) == [charts.GREEN, charts.RED]


def test_drawdown_is_in_percent_of_peak_and_marks_the_worst_episode():
    fig = charts.drawdown_figure(TIMES, PROFITS, initial_equity=1000.0)
    under, marker = fig.data
    assert under.y[0] == 0
    assert min(under.y) == pytest.approx((900 - 1100) / 1100 * 100)
    worst = max_drawdown(PROFITS, initial_equity=1000.0)
    assert marker.x[0] == ([TIMES[0], *TIMES])[worst.valley_index]
    assert marker.name == f"max drawdown ${worst.amount:,.2f} ({worst.percent:.1f} % of peak)"
    (shade,) = fig.layout.shapes
    assert (shade.x0, shade.x1) == (TIMES[0], TIMES[4])  # peak at trade 1, recovered at trade 5
    assert fig.layout.yaxis.title.text == "% of peak equity"


def test_drawdown_of_no_trades_is_an_empty_labelled_figure():
    fig = charts.drawdown_figure([], [], initial_equity=1000.0)
    assert not fig.data
    assert fig.layout.yaxis.title.text == "drawdown (% of peak equity)"


def test_rolling_numbers_use_the_engine_metrics_on_each_window():
    profits = [10.0, -5.0, 3.0, -1.0, 7.0, -2.0, -2.0, 4.0]
    times = [T0 + timedelta(minutes=i) for i in range(len(profits))]
    fig = charts.rolling_figure(times, profits, window=4)
    rate, factor = fig.data
    expected_rate = [win_rate(profits[e - 4 : e]).rate * 100 for e in range(4, 9)]
    expected_pf = [profit_factor(profits[e - 4 : e]) for e in range(4, 9)]
    assert list(rate.y) == pytest.approx(expected_rate)
    assert list(factor.y) == pytest.approx(expected_pf)
    assert list(rate.x) == times[3:]


def test_rolling_leaves_an_infinite_profit_factor_as_a_gap():
    fig = charts.rolling_figure(TIMES[:3], [1.0, 2.0, 3.0], window=2)
    assert list(fig.data[1].y) == [None, None]


def test_rolling_with_fewer_trades_than_the_window_draws_nothing():
    assert not charts.rolling_figure(TIMES, PROFITS, window=50).data


def test_results_histogram_splits_wins_and_losses():
    wins, losses = charts.results_histogram([5.0, -1.0, 0.0, 2.0]).data
    assert list(wins.x) == [5.0, 2.0]
    assert list(losses.x) == [-1.0, 0.0]


@pytest.mark.parametrize(
    ("hour", "session"), [(0, "asia"), (6, "asia"), (7, "london"), (12, "ny"), (22, "rollover")]
)
def test_session_of_hour_follows_the_engine_session_hours(hour: int, session: str):
    assert charts.session_of_hour(hour) == session


def test_results_by_session_and_hour_add_up():
    times = [T0.replace(hour=h) for h in (1, 8, 8, 13, 21)]
    profits = [10.0, -4.0, 6.0, 3.0, -1.0]
    fig = charts.by_session_figure(times, profits)
    by_session, by_hour = fig.data
    assert dict(zip(by_session.x, by_session.y, strict=True)) == {
        "asia": 10.0,
        "london": 2.0,
        "ny": 3.0,
        "rollover": -1.0,
    }
    assert list(by_session.customdata) == [1, 2, 1, 1]
    assert by_hour.y[8] == 2.0 and sum(by_hour.y) == pytest.approx(sum(profits))


def test_session_and_hour_panels_each_give_their_title_the_full_width():
    """Stacked panels: each subplot title sits on its own row and fits a half-page column
    (~500 px at ~8 px per character), so the two titles cannot run into each other."""
    fig = charts.by_session_figure([T0.replace(hour=h) for h in (1, 8)], [1.0, -1.0])
    titles = [a for a in fig.layout.annotations if a.text.startswith("by ")]
    assert [a.text for a in titles] == [
        "by trading session (UTC hours)",
        "by hour of trade close (UTC)",
    ]
    assert titles[0].y - titles[1].y > 0.2
    for axis in ("xaxis", "xaxis2"):
        low, high = fig.layout[axis].domain
        assert (high - low) * 500 >= 8 * max(len(a.text) for a in titles)
    assert fig.layout.height == charts.results_histogram([1.0]).layout.height


def test_a_chart_says_which_trades_it_shows():
    live = charts.for_source(charts.results_histogram([1.0, -2.0]), "live")
    assert live.layout.title.text == "Trade results — live trades"
    backtest = charts.for_source(
        charts.drawdown_figure(TIMES, PROFITS, initial_equity=1e3), "backtest"
    )
    assert backtest.layout.title.text == "Drawdown (underwater) — backtest trades (out of sample)"


@pytest.mark.parametrize(
    ("trades", "needed", "note"),
    [
        (13, 30, "n=13 trades, below the 30 needed"),
        (30, 30, ""),
        (0, 30, ""),
        (1, 2, "n=1 trades, below the 2 needed"),
    ],
)
def test_live_shortfall_names_the_trades_and_the_minimum(trades: int, needed: int, note: str):
    assert charts.live_shortfall(trades, needed) == note


def test_live_metric_history_from_too_few_trades_is_a_hollow_trace_of_its_own():
    history = [
        {"source": "backtest", "name": "sharpe", "value": 4.2, "trades": 128, "recorded_at": T0},
        {"source": "live", "name": "sharpe", "value": -97.7, "trades": 13, "recorded_at": T0},
        {"source": "live", "name": "sharpe", "value": 0.8, "trades": 40,
         "recorded_at": T0 + timedelta(days=1)},
    ]  # fmt: skip
    fig = charts.metrics_history_figure(history, "sharpe", min_live_trades=30)
    assert [(t.name, list(t.y)) for t in fig.data] == [
        ("backtest", [4.2]),
        ("live", [0.8]),
        ("live, below the 30 trades needed", [-97.7]),
    ]
    assert fig.data[2].marker.symbol == "circle-open"
    assert list(fig.data[2].customdata) == ["n=13 trades, below the 30 needed"]
    assert list(fig.data[1].customdata) == ["n=40 trades"]


def test_metric_across_versions_shows_fractions_in_percent_and_gaps_for_missing():
    fig = charts.metric_across_versions(["v1", "v2", "v3"], [0.5, None, float("nan")], "win_rate")
    assert list(fig.data[0].y) == [50.0, None, None]
    assert fig.layout.yaxis.title.text == "Win rate (%)"
    sharpe = charts.metric_across_versions(["v1"], [1.2], "sharpe")
    assert sharpe.layout.yaxis.title.text == "Sharpe (daily, ×√252)"
    dd = charts.metric_across_versions(["v1"], [3.0], "max_drawdown_pct")
    assert dd.layout.yaxis.title.text == "Max drawdown % (% of peak equity)"


def session(i: int, status: str, seconds: float) -> SimpleNamespace:
    start = T0 + timedelta(hours=i)
    return SimpleNamespace(
        id=i, status=status, trigger="manual", started_at=start, created_at=start,
        duration_seconds=seconds,
    )  # fmt: skip


def test_sessions_timeline_groups_by_outcome():
    fig = charts.sessions_timeline([session(1, "succeeded", 5), session(2, "failed", 1)])
    assert [(t.name, list(t.y)) for t in fig.data] == [("succeeded", [5]), ("failed", [1])]


def test_folds_chart_shows_net_result_and_win_rate_percent():
    folds = [
        {"fold": 1, "test_start": "2026-01-01T00:00", "net_profit": 12.5, "win_rate": 0.5},
        {"fold": 2, "test_start": "2026-01-08T00:00", "net_profit": -3.0, "win_rate": 0.25},
    ]
    bars, rate = charts.folds_figure(folds).data
    assert list(bars.y) == [12.5, -3.0]
    assert list(rate.y) == [50.0, 25.0]


def test_baseline_chart_pairs_each_candidate_with_the_random_and_the_strongest_baseline():
    cands = [
        {"algorithm": "rf", "winner": True, "metrics": {"expectancy": 2.0}},
        {"algorithm": "lr", "metrics": {"expectancy": -0.5}},
    ]
    cands[0]["metrics"].update(baseline_expectancy=-1.0, strongest_baseline_expectancy=2.5)
    cands[1]["metrics"].update(baseline_expectancy=-0.7)  # recorded before the strongest was
    fig = charts.baseline_figure(cands, "EUR")
    model, base, strongest = fig.data
    assert list(model.x) == ["rf ★", "lr"]
    assert (list(model.y), list(base.y)) == ([2.0, -0.5], [-1.0, -0.7])
    assert list(strongest.y) == [2.5, None]
    assert fig.layout.yaxis.title.text == "expectancy (EUR per trade)"


def test_importance_keeps_the_top_features_largest_last():
    fig = charts.importance_figure({"a": 0.1, "b": 0.3, "c": -0.2, "d": 0.0}, top=3)
    assert list(fig.data[0].y) == ["d", "a", "b"]


def test_metrics_history_is_one_line_per_source():
    history = [
        {"source": "backtest", "name": "win_rate", "value": 0.5, "trades": 10, "recorded_at": T0},
        {"source": "live", "name": "win_rate", "value": 0.4, "trades": 5, "recorded_at": T0},
        {"source": "live", "name": "sharpe", "value": 1.0, "trades": 5, "recorded_at": T0},
    ]
    fig = charts.metrics_history_figure(history, "win_rate")
    assert [(t.name, list(t.y)) for t in fig.data] == [("backtest", [50.0]), ("live", [40.0])]


def test_activation_timeline_steps_through_events_in_time_order():
    events = [
        SimpleNamespace(created_at=T0 + timedelta(hours=2), to_ref="m:v1", kind="rollback",
                        actor="me", reason="bad"),
        SimpleNamespace(created_at=T0, to_ref="m:v2", kind="activate", actor="me", reason=""),
    ]  # fmt: skip
    (trace,) = charts.activation_timeline(events).data
    assert list(trace.y) == ["m:v2", "m:v1"]
    assert trace.line.shape == "hv"
    assert list(trace.marker.color) == [charts.GREEN, charts.RED]


def test_coverage_marks_days_without_bars():
    days = ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"]
    fig = charts.coverage_figure(days, [276, 0, 0, 276], title="XAUUSD M5")
    bars, gaps = fig.data
    assert list(bars.y) == [276, 0, 0, 276]
    assert list(gaps.x) == ["2026-03-07", "2026-03-08"]
    assert np.array_equal(
        np.array(bars.marker.color), np.array([charts.GOLD, charts.RED, charts.RED, charts.GOLD])
    )
