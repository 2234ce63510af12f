"""Every page on the seeded demo desk shows the desk's numbers (tables and chart data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.metrics.trading import equity_curve
from engine.services import Desk
from tests.dashboard.conftest import PAGES, decoded, open_page


def frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page that has all these columns."""
    for element in at.dataframe:
        table = element.value
        if all(c in table.columns for c in columns):
            return table
    raise AssertionError(f"no table with columns {columns}")


def chart(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def arr(trace: dict, field: str) -> list:
    """A trace's data field as a list (Plotly writes numpy arrays as base64 `bdata`)."""
    return decoded(trace[field])


def charts_by_title(at: AppTest) -> dict[str, dict]:
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec["layout"].get("title", {})
        out[title.get("text", "") if isinstance(title, dict) else str(title)] = spec
    return out


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [x.value for x in (*at.success, *at.info, *at.warning, *at.error)]
    return "\n".join(parts)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_error_and_shows_the_active_model(home: Path, name: str):
    at = open_page(name)
    assert not at.error, [e.value for e in at.error]
    assert "XAUUSD-M5-scalper:v3" in "\n".join(m.value for m in at.sidebar.markdown)


def test_overview_shows_backtest_against_live_numbers(home: Path, desk: Desk):
    at = open_page("overview")
    active = desk.registry.active_version()
    live = desk.live_metrics(active.ref)
    table = frame(at, "metric", "live").set_index("metric")
    assert table.loc["Trades", "backtest (out of sample)"] == str(int(active.metrics["trades"]))
    assert table.loc["Trades", "live"] == str(int(live["trades"]))
    assert table.loc["Net profit", "live"] == f"${live['net_profit']:,.2f}"
    assert [m.value for m in at.metric][:2] == [f"v{active.version}", str(int(live["trades"]))]
    assert "13 live trades" in texts(at) or f"{int(live['trades'])} live trades" in texts(at)


def test_leaderboard_ranks_every_version_with_its_metrics(home: Path, desk: Desk):
    at = open_page("leaderboard")
    board = desk.leaderboard()
    table = frame(at, "rank", "version")
    assert list(table["version"]) == [v.ref for v in board]
    scores = [float("nan") if v.score is None else v.score for v in board]
    assert list(table["score"]) == pytest.approx(scores, nan_ok=True)
    for row, v in zip(table.to_dict("records"), board, strict=True):
        assert row["win rate %"] == pytest.approx(v.metrics["win_rate"] * 100)
        assert row["Sharpe"] == pytest.approx(v.metrics["sharpe"])
        assert row["trades"] == v.metrics_trades
    spec = chart(at)
    refs = sorted(v.ref for v in board)
    assert arr(spec["data"][0], "x") == refs
    by_ref = {v.ref: v.metrics["sharpe"] for v in board}
    assert arr(spec["data"][0], "y") == pytest.approx([by_ref[r] for r in refs])


def test_leaderboard_filters_by_status(home: Path):
    at = open_page("leaderboard")
    at.multiselect(key="filter_status").set_value(["archived"]).run()
    assert list(frame(at, "rank", "version")["status"]) == ["archived"]


def test_comparing_versions_marks_the_better_value_and_overlays_equity(home: Path, desk: Desk):
    at = open_page("leaderboard")
    refs = ["XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v1"]
    at.multiselect(key="compare_refs").set_value(refs).run()
    expected = desk.compare(refs)
    table = frame(at, "metric", "better").set_index("metric")
    for row in expected.rows:
        if row.best:
            assert table.loc[row.label, row.best].startswith("★ ")
    assert f"Better overall: **{expected.winner}**" in texts(at)
    equity = charts_by_title(at)["Equity curve"]
    names = [trace["name"] for trace in equity["data"]]
    assert names == ["XAUUSD-M5-scalper:v3 (live)", "XAUUSD-M5-scalper:v1 (backtest, per fold)"]
    live = desk.trades("XAUUSD-M5-scalper:v3")
    initial = desk.config().account.initial_balance
    assert arr(equity["data"][0], "y")[-1] == pytest.approx(
        initial + sum(t.net_profit for t in live)
    )


def test_performance_charts_are_built_from_the_live_trades(home: Path, desk: Desk):
    at = open_page("performance")
    trades = desk.trades("XAUUSD-M5-scalper:v3")
    profits = [t.net_profit for t in trades]
    initial = desk.config().account.initial_balance
    figures = charts_by_title(at)
    assert arr(figures["Equity curve"]["data"][0], "y") == pytest.approx(
        list(equity_curve(profits, initial_equity=initial))
    )
    drawdown = figures["Drawdown (underwater)"]
    assert min(arr(drawdown["data"][0], "y")) <= 0
    assert drawdown["data"][1]["name"].startswith("max drawdown $")
    histogram = figures["Trade results"]["data"]
    assert len(arr(histogram[0], "x")) == sum(p > 0 for p in profits)
    assert len(arr(histogram[1], "x")) == sum(p <= 0 for p in profits)
    by_hour = arr(figures["Results by session and hour"]["data"][1], "y")
    assert sum(by_hour) == pytest.approx(sum(profits))
    assert len(frame(at, "metric", "live")) == 10


def test_performance_date_range_limits_the_trades(home: Path, desk: Desk):
    at = open_page("performance")
    trades = desk.trades("XAUUSD-M5-scalper:v3")
    first = trades[0].close_time.date()
    at.date_input(key="perf_range").set_value((first, first)).run()
    kept = [t for t in trades if t.close_time.date() == first]
    equity = arr(charts_by_title(at)["Equity curve"]["data"][0], "y")
    assert len(equity) == len(kept) + 1


def test_performance_of_a_version_without_live_trades_says_so(home: Path):
    at = open_page("performance")
    at.selectbox(key="perf_version").set_value("XAUUSD-M5-scalper:v1").run()
    assert "has no live trades yet" in texts(at)
    assert "Walk-forward folds (out of sample, after costs)" in charts_by_title(at)


def test_learning_shows_sessions_candidates_and_the_decision(home: Path, desk: Desk):
    at = open_page("learning")
    sessions = desk.learning_sessions()
    table = frame(at, "session", "trigger")
    assert list(table["session"]) == [s.id for s in sessions]
    assert set(table["outcome"]) == {"succeeded"}
    last = sessions[0]
    candidates = frame(at, "candidate", "verdict")
    assert len(candidates) == len(last.result["candidates"])
    winner = next(c for c in last.result["candidates"] if c["winner"])
    assert f"★ {winner['algorithm']}" in list(candidates["candidate"])
    row = candidates[candidates["candidate"] == f"★ {winner['algorithm']}"].iloc[0]
    assert row["trades"] == int(winner["metrics"]["trades"])
    decision = last.result["promotion"]
    assert f"Promotion decision: {decision['decision']}" in texts(at)
    figures = charts_by_title(at)
    folds = arr(figures["Walk-forward folds (out of sample, after costs)"]["data"][0], "y")
    assert folds == pytest.approx([f["net_profit"] for f in winner["folds"]])
    importance = figures["Feature importance"]["data"][0]
    top = max(last.result["importances"].items(), key=lambda kv: kv[1])
    assert arr(importance, "y")[-1] == top[0]


def test_models_page_shows_identity_and_activation_history(home: Path, desk: Desk):
    at = open_page("models")
    active = desk.registry.active_version()
    facts = frame(at, "field", "value").set_index("field")["value"]
    assert facts["version"] == active.ref
    assert facts["artifact sha256"] == active.artifact_sha256
    assert facts["data hash"] == active.data_hash
    history = frame(at, "kind", "from", "to")
    assert list(history["to"]) == [r.to_ref for r in desk.activation_history()]
    assert "Roll back restores **XAUUSD-M5-scalper:v1**." in texts(at)


def test_configuration_form_shows_the_file_values_defaults_and_bounds(home: Path, desk: Desk):
    at = open_page("configuration")
    cfg = desk.config()
    assert at.number_input(key="cfg:max_models_to_keep").value == cfg.max_models_to_keep
    assert at.multiselect(key="cfg:learning.algorithms").value == cfg.learning.algorithms
    assert at.toggle(key="cfg:scheduler.enabled").value is False
    assert "default: 10 · bounds: ge 1, le 10000" in texts(at)
    assert len(frame(at, "change", "keys")) == len(desk.config_history())


def test_data_page_shows_coverage_per_day(home: Path, desk: Desk):
    at = open_page("data")
    series = frame(at, "symbol", "timeframe", "bars")
    assert list(series["bars"]) == [s.bars for s in desk.bar_series()]
    coverage = charts_by_title(at)["XAUUSD M5: bars per day (UTC)"]["data"][0]
    assert sum(arr(coverage, "y")) == desk.bar_series()[0].bars  # 8,000 bars fit in 60 days
    assert 0 in arr(coverage, "y")  # weekends are visible as empty days


def test_audit_lists_and_filters_events(home: Path, desk: Desk):
    at = open_page("audit")
    table = frame(at, "action", "details")
    started = [s for s in desk.learning_sessions() if s.started_at]
    assert len(table) == len(desk.audit_log()) + len(started)
    at.multiselect(key="audit_actions").set_value(["model.activate"]).run()
    filtered = frame(at, "action", "details")
    assert set(filtered["action"]) == {"model.activate"}
    assert len(filtered) == sum(r.action == "model.activate" for r in desk.audit_log())


@pytest.mark.parametrize("name", PAGES)
def test_a_fresh_install_says_what_to_do_next(fresh_home: Path, name: str):
    at = open_page(name)
    assert not at.error, [e.value for e in at.error]
    if name in ("overview", "leaderboard", "performance", "models"):
        assert "aurum demo" in texts(at)


def test_a_home_without_database_shows_the_engine_advice(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AURUM_HOME", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(str(Path(__file__).parents[2] / "dashboard" / "app.py")).run()
    assert not at.exception
    assert any("aurum init" in e.value for e in at.error)
