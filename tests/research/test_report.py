"""The research report of a trained version: every section, with the version's own numbers."""

from __future__ import annotations

import math
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from engine.learner.records import candidate_name
from engine.regimes.breakdown import metrics_by_regime
from engine.research.report import (
    candidates_pbo,
    fold_matrix,
    metric_intervals,
    pbo_matrix,
    results_by_hour,
    sizing_text,
)
from engine.services import Desk

SECTIONS = (
    "Walk-forward equity after costs",
    "Drawdowns",
    "Metrics with bootstrap confidence intervals",
    "Results by session and hour",
    "Results by market regime",
    "Feature importances",
    "Learning session: candidates and baseline",
    "Probability of backtest overfitting",
)


class _Cells(HTMLParser):
    """Headings, and the data-* attributes of every table cell and value."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.cells: list[dict[str, str]] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_h2 = tag == "h2"
        data = {k[5:]: v or "" for k, v in attrs if k.startswith("data-")}
        if "value" in data:
            self.cells.append(data)

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.headings.append(data)
            self._in_h2 = False


def _stored_value(cells: list[dict[str, str]], metric: str) -> float:
    [cell] = [c for c in cells if c.get("metric") == metric and "bound" not in c]
    return float(cell["value"])


def test_report_has_every_section_with_the_versions_stored_numbers(trained_home: Path) -> None:
    with Desk.open(str(trained_home)) as desk:
        v = desk.leaderboard()[0]
        html = desk.research_report(v.ref)
        trades = desk.backtest_results(v.ref)
        session = desk.learning_session(v.session_id)
        equity = desk.config().account.initial_balance
        entries = [(t.open_time, t.net_profit) for t in desk.trades(v.ref, source="backtest")]
        bars = desk.bars(v.symbol, v.timeframe)
        desk_details = desk.version(v.ref).details  # the leaderboard's rows carry none
    frame = pd.DataFrame(entries, columns=["open_time", "net_profit"])
    frame["open_time"] = pd.to_datetime(frame["open_time"], utc=True).dt.as_unit("ns")
    by_regime = metrics_by_regime(frame, bars.assign(time=bars["time"].dt.as_unit("ns")))
    parser = _Cells()
    parser.feed(html)
    assert list(parser.headings) == list(SECTIONS)
    for metric in ("trades", "net_profit", "sharpe", "psr", "dsr", "max_drawdown"):
        assert _stored_value(parser.cells, metric) == v.metrics[metric], metric
    assert v.metrics["dsr_trials"] == session.result["n_trials"]  # stored with the DSR
    assert f"best of <b>{session.result['n_trials']} trials</b>" in html
    assert f"Deflated Sharpe (DSR, {session.result['n_trials']} trials)" in html
    assert get_plotlyjs() in html  # the library is inline: the file opens offline
    lots = desk_details["costs"]["lot_size"]
    assert f"Sizing: every trade is a fixed {lots:g} lots (costs.lot_size of the session)" in html
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    # the bootstrap interval brackets the recomputed net profit of the stored trades
    low, high = (
        float(c["value"]) for c in parser.cells if c.get("metric") == "net_profit" and "bound" in c
    )
    assert low < float(trades.net_profit.sum()) < high
    assert float(trades.net_profit.sum()) == pytest.approx(v.metrics["net_profit"], abs=1e-6)
    # PBO over the session's candidates, as computed from their stored fold results
    expected = candidates_pbo(session.result["candidates"])
    assert expected is not None
    [shown] = re.findall(r'PBO = <b data-value="([^"]+)"', html)
    assert float(shown) == expected.pbo
    days = len(session.result["oos_days"])  # on daily results, not the three folds
    assert expected.n_periods == days >= 16 and f"{days} out-of-sample days ×" in html
    for c in session.result["candidates"]:  # ensembles show what they combine
        assert escape(candidate_name(c)) in html
    # trades by the regime at entry: every backtest trade counted once, as engine.regimes says
    shown_regimes = {c["regime"]: float(c["value"]) for c in parser.cells if "regime" in c}
    assert shown_regimes == dict(zip(by_regime["regime"], by_regime["trades"], strict=True))
    assert sum(shown_regimes.values()) == len(trades)
    assert set(shown_regimes) - {"unknown"}  # the demo's trades come after the warm-up
    intervals = metric_intervals(trades, initial_equity=equity)
    assert intervals["win_rate"].estimate == pytest.approx(v.metrics["win_rate"])


def test_the_fold_matrix_is_folds_by_candidates_of_net_profit() -> None:
    candidates = [
        {"folds": [{"net_profit": 1.0}, {"net_profit": -2.0}, {"net_profit": 3.0}]},
        {"folds": [{"net_profit": 0.5}, {"net_profit": 0.0}, {"net_profit": -1.0}]},
    ]
    m = fold_matrix(candidates)
    assert m.tolist() == [[1.0, 0.5], [-2.0, 0.0], [3.0, -1.0]]
    assert candidates_pbo(candidates[:1]) is None  # one candidate: nothing to overfit by choosing


def test_pbo_uses_daily_results_when_the_session_recorded_enough_days() -> None:
    rng = np.random.default_rng(3)
    folds = [{"net_profit": 1.0}, {"net_profit": -1.0}, {"net_profit": 2.0}]
    # candidate 0 is best on the first half of the days and worst on the second: overfit
    first = np.r_[np.full(16, 5.0), np.full(16, -5.0)]
    candidates = [{"folds": folds, "daily_net": list(first)}] + [
        {"folds": folds, "daily_net": list(rng.normal(0, 0.1, 32))} for _ in range(3)
    ]
    m, basis = pbo_matrix(candidates)
    assert basis == "days" and m.shape == (32, 4) and m[:, 0].tolist() == first.tolist()
    result = candidates_pbo(candidates)
    assert result is not None and result.n_periods == 32 and result.n_groups == 16
    assert 0.0 < result.pbo < 1.0
    short = [{**c, "daily_net": c["daily_net"][:10]} for c in candidates]  # too few days
    assert pbo_matrix(short)[1] == "folds" and candidates_pbo(short).n_periods == 3
    older = [{"folds": folds} for _ in range(2)]  # sessions from before daily results
    assert pbo_matrix(older)[1] == "folds"


def test_results_by_hour_sum_per_utc_hour() -> None:
    times = pd.DatetimeIndex(["2026-01-05 08:10", "2026-01-05 08:50", "2026-01-06 13:00"], tz="UTC")
    table = results_by_hour(times, np.array([2.0, -1.0, 4.0]))
    assert table["hour"].tolist() == [8, 13]
    assert table["trades"].tolist() == [2, 1]
    assert table["net_profit"].tolist() == [1.0, 4.0]
    assert table["win_rate"].tolist() == [0.5, 1.0]
    assert not math.isnan(table["win_rate"].iloc[0])


def test_the_sizing_note_names_the_fixed_size_or_says_it_was_not_recorded() -> None:
    assert sizing_text({"costs": {"lot_size": 0.25}}).startswith(
        "Sizing: every trade is a fixed 0.25 lots (costs.lot_size of the session), whatever "
        "risk.sizing says"
    )
    assert sizing_text({}).startswith("Sizing: every trade is a fixed size (costs.lot_size")


def test_the_hourly_chart_tooltip_prints_money_as_the_rest_of_the_desk():
    import pandas as pd

    from engine.research.charts import hourly_chart

    by_hour = pd.DataFrame({"hour": [9, 14], "trades": [3, 5], "net_profit": [-3.456, 1250.0]})
    bar = hourly_chart(by_hour, "EUR").data[0]
    assert [list(c) for c in bar.customdata] == [["-€3.46", 3], ["€1,250.00", 5]]
    assert "%{customdata[0]} over %{customdata[1]} trades" in bar.hovertemplate
    assert bar.marker.color[0] != bar.marker.color[1]  # loss and profit coloured apart
