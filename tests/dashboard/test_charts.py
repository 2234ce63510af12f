"""Chart builders are pure: data in, figure out, numbers from engine.metrics, units labelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dashboard import charts
from engine.metrics.trading import max_drawdown, profit_factor, win_rate

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PROFITS = [100.0, -50.0, -150.0, 80.0, 200.0, -20.0]
TIMES = [T0 + timedelta(hours=3 * i) for i in range(len(PROFITS))]


def naive_utc(times: list[datetime]) -> list[pd.Timestamp]:
    """Times as the time-series charts hand them to Plotly: naive UTC (the axes say UTC)."""
    return list(pd.DatetimeIndex(times).tz_convert("UTC").tz_localize(None))


def test_equity_starts_at_the_initial_balance_and_adds_each_trade():
    fig = charts.equity_figure({"v1 (live)": (TIMES, PROFITS)}, initial_equity=1000.0)
    (trace,) = fig.data
    assert list(trace.y) == [1000, 1100, 1050, 900, 980, 1180, 1160]
    assert list(pd.DatetimeIndex(trace.x)) == naive_utc([TIMES[0], *TIMES])
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
    assert list(trace.x)[3] is None and list(trace.x)[4] == naive_utc(times)[2]
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
    assert marker.x[0] == naive_utc([TIMES[0], *TIMES])[worst.valley_index]
    assert marker.name == f"max drawdown ${worst.amount:,.2f} ({worst.percent:.1f} % of peak)"
    (shade,) = fig.layout.shapes
    # peak at trade 1, recovered at trade 5
    assert (shade.x0, shade.x1) == tuple(naive_utc([TIMES[0], TIMES[4]]))
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
    assert list(pd.DatetimeIndex(rate.x)) == naive_utc(times[3:])


def test_long_curves_reach_plotly_as_one_datetime64_array_thinned_to_their_shape():
    """20,000 trades: each curve's times are naive UTC datetime64 (Plotly encodes the array at
    once; aware timestamps cost ~0.2 s a curve) and at most MAX_POINTS + 2 points, the lowest
    and highest equity kept."""
    n = 20_000
    times = list(pd.date_range(T0, periods=n, freq="14min"))
    profits = np.random.default_rng(3).normal(0.5, 20.0, n)
    equity = charts.equity_figure({"v": (times, profits)}, initial_equity=1000.0).data[0]
    drawdown = charts.drawdown_figure(times, profits, initial_equity=1000.0).data[0]
    rolling = charts.rolling_figure(times, profits, window=20).data[0]
    for trace in (equity, drawdown, rolling):
        assert trace.x.dtype.kind == "M"
    assert len(equity.x) <= charts.MAX_POINTS + 2
    curve = 1000.0 + np.concatenate([[0.0], np.cumsum(profits)])
    assert (min(equity.y), max(equity.y)) == (curve.min(), curve.max())
    assert pd.Timestamp(equity.x[-1]) == naive_utc([times[-1]])[0]


def test_thin_keeps_each_buckets_first_lowest_and_highest_point():
    """The vectorised thinning picks what np.array_split + argmin/argmax pick, ties included."""
    rng = np.random.default_rng(7)
    for n, values in (
        (10_001, rng.normal(size=10_001).cumsum()),
        (9_000, rng.integers(0, 3, 9_000).astype(float)),  # many ties
    ):
        buckets = np.array_split(np.arange(n), 50)
        expected = {0, n - 1}
        for b in buckets:
            expected |= {int(b[np.argmin(values[b])]), int(b[np.argmax(values[b])])}
        assert list(charts.thin(n, values, max_points=100)) == sorted(expected)
    assert list(charts.thin(5, np.arange(5.0))) == [0, 1, 2, 3, 4]


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
    assert [list(c) for c in by_session.customdata] == [
        ["$10.00", 1],
        ["$2.00", 2],
        ["$3.00", 1],
        ["-$1.00", 1],
    ]  # the tooltip's money as the desk prints it, with the trade count
    assert by_hour.y[8] == 2.0 and sum(by_hour.y) == pytest.approx(sum(profits))
    assert list(by_hour.customdata[8]) == ["$2.00", 2] and list(by_hour.customdata[0]) == [
        "$0.00",
        0,
    ]


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
    cands: list[dict[str, Any]] = [
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


# --- chart rules: reference lines, round ticks, money, UTC times, one y-axis per panel -------


def layout_of(fig) -> dict:
    return fig.to_plotly_json()["layout"]


def lines(fig) -> list[tuple[str, float]]:
    """Each horizontal reference line as (its y-axis, its value)."""
    return [(s["yref"], s["y0"]) for s in layout_of(fig).get("shapes", []) if s["y0"] == s["y1"]]


def axes(fig, kind: str) -> dict[str, dict]:
    return {k: v for k, v in layout_of(fig).items() if k.startswith(kind)}


def one_y_axis_per_panel(fig) -> bool:
    return not any("overlaying" in axis for axis in axes(fig, "yaxis").values())


def no_sub_second_ticks(axis: dict) -> bool:
    formats = [stop["value"] for stop in axis.get("tickformatstops", [])]
    return axis.get("type") == "date" and bool(formats) and not any("%L" in f for f in formats)


FOLDS = [
    {"fold": 1, "test_start": "2026-01-01T00:00", "net_profit": 12.5, "win_rate": 0.5},
    {"fold": 2, "test_start": "2026-01-08T00:00", "net_profit": -3.0, "win_rate": 0.25},
]


def test_rolling_has_a_panel_each_with_the_50_percent_and_the_break_even_lines():
    fig = charts.rolling_figure(TIMES, PROFITS, window=3)
    assert one_y_axis_per_panel(fig)
    assert [(t.yaxis, t.name.split(",")[0]) for t in fig.data] == [
        ("y", "win rate"),
        ("y2", "profit factor"),
    ]
    assert lines(fig) == [("y", 50.0), ("y2", 1.0)]
    rate = axes(fig, "yaxis")["yaxis"]
    assert (rate["range"], rate["dtick"], rate["ticksuffix"]) == ([0, 100], 25, " %")
    assert no_sub_second_ticks(axes(fig, "xaxis")["xaxis2"])


def test_folds_show_money_and_win_rate_in_panels_of_their_own():
    fig = charts.folds_figure(FOLDS, "EUR")
    assert one_y_axis_per_panel(fig)
    net, rate = axes(fig, "yaxis")["yaxis"], axes(fig, "yaxis")["yaxis2"]
    assert (net["title"]["text"], net["tickformat"]) == ("net result (EUR)", ",.0f")
    assert (rate["range"], rate["dtick"], rate["title"]["text"]) == ([0, 100], 25, "win rate (%)")
    assert lines(fig) == [("y2", 50.0)]


def test_the_baseline_chart_draws_break_even():
    cands = [{"algorithm": "rf", "metrics": {"expectancy": 2.0, "baseline_expectancy": -1.0}}]
    fig = charts.baseline_figure(cands, "EUR")
    assert lines(fig) == [("y", 0.0)]
    assert layout_of(fig)["annotations"][0]["text"] == "break-even after costs"


def test_account_equity_starts_from_a_labelled_starting_balance_line():
    fig = charts.equity_figure({"v1 (live)": (TIMES, PROFITS)}, initial_equity=1000.0)
    fig = charts.equity_rules(fig, initial_equity=1000.0, currency="USD", times=TIMES)
    assert lines(fig) == [("y", 1000.0)]
    assert layout_of(fig)["annotations"][0]["text"] == "starting balance $1,000.00"
    y = axes(fig, "yaxis")["yaxis"]
    assert (y["title"]["text"], y["tickformat"]) == ("equity (USD)", ",.0f")
    assert no_sub_second_ticks(axes(fig, "xaxis")["xaxis"])


def test_metrics_history_recorded_milliseconds_apart_is_read_on_an_hour_wide_axis():
    """Versions' metrics are recorded a few milliseconds apart: the axis once ticked in ms."""
    history = [
        {"source": "backtest", "name": "profit_factor", "value": v, "trades": 10,
         "recorded_at": T0 + timedelta(milliseconds=ms)}
        for v, ms in ((1.3, 0), (1.4, 5))
    ]  # fmt: skip
    fig = charts.metrics_history_figure(history, "profit_factor")
    x = axes(fig, "xaxis")["xaxis"]
    assert x["range"] == ["2026-03-02T07:30:00", "2026-03-02T08:30:00"]
    assert no_sub_second_ticks(x) and x["hoverformat"] == "%Y-%m-%d %H:%M UTC"
    assert lines(fig) == [("y", 1.0)]
    rate = charts.metrics_history_figure(
        [{**h, "name": "win_rate", "value": 0.5} for h in history], "win_rate"
    )
    assert lines(rate) == [("y", 50.0)]


def test_sessions_timeline_has_a_utc_date_axis():
    fig = charts.sessions_timeline([session(1, "succeeded", 5), session(2, "cancelled", 1)])
    assert [t.name for t in fig.data] == ["succeeded", "cancelled"]
    assert no_sub_second_ticks(axes(fig, "xaxis")["xaxis"])


def test_trust_sparkline_has_the_starting_balance_and_one_axis_per_panel():
    from dashboard.trust_chart import trust_sparkline

    fig = trust_sparkline(TIMES, PROFITS, band=None, initial_equity=1000.0, currency="EUR")
    assert one_y_axis_per_panel(fig)
    assert lines(fig) == [("y", 1000.0)]
    assert layout_of(fig)["annotations"][0]["text"] == "starting balance €1,000.00"
    assert axes(fig, "yaxis")["yaxis"]["title"]["text"] == "equity (EUR)"
    assert no_sub_second_ticks(axes(fig, "xaxis")["xaxis2"])


def test_the_price_chart_never_ticks_in_milliseconds():
    from dashboard.price_chart import price_figure
    from engine.data.synthetic import generate_bars

    bars = generate_bars(start="2026-01-05", n_bars=30, seed=1)
    fig = price_figure(bars, {}, title="XAUUSD M5")
    formats = [stop["value"] for stop in axes(fig, "xaxis")["xaxis"]["tickformatstops"]]
    assert formats and not any("%L" in f for f in formats)  # the axis is dated by its candles


def test_results_by_regime_tooltip_prints_money_in_the_account_currency():
    from dashboard.regime_tables import by_regime_figure

    metrics = pd.DataFrame(
        {"regime": ["trend up", "range"], "trades": [12, 30], "net_profit": [-3.456, 120.0]}
    )
    bar = by_regime_figure(metrics, "EUR").data[0]
    assert [list(c) for c in bar.customdata] == [["-€3.46", 12], ["€120.00", 30]]
    assert bar.hovertemplate.startswith("%{x}: %{customdata[0]} over %{customdata[1]} trades")
