"""Every page on the seeded demo desk shows the desk's numbers (tables and chart data)."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.literal import literal
from dashboard.reads import clear_shared
from engine.metrics.catalog import money
from engine.metrics.trading import equity_curve
from engine.selection import decision_basis
from engine.services import Desk
from tests.dashboard.conftest import PAGES, decoded, open_page


def frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page that has all these columns."""
    for element in at.dataframe:
        table = element.value
        if all(c in table.columns for c in columns):
            return table
    raise AssertionError(f"no table with columns {columns}")


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


def live_heading(desk: Desk, ref: str) -> str:
    """The live column's title: qualified while the version has fewer live trades than needed."""
    trades, needed = len(desk.trades(ref)), desk.config().selection.min_live_trades
    assert 0 < trades < needed  # the demo's active model: a few live trades only
    return f"live (n={trades} trades, below the {needed} needed)"


def test_overview_shows_backtest_against_live_numbers(home: Path, desk: Desk):
    at = open_page("overview")
    active = desk.registry.active_version()
    live = desk.live_metrics(active.ref)
    column = live_heading(desk, active.ref)
    table = frame(at, "metric", column).set_index("metric")
    assert table.loc["Trades", "backtest (out of sample)"] == str(int(active.metrics["trades"]))
    assert table.loc["Trades", column] == str(int(live["trades"]))
    assert table.loc["Net profit", column] == money(live["net_profit"])
    trials = int(active.metrics["dsr_trials"])
    assert table.loc["DSR", "backtest (out of sample)"].endswith(f"({trials} trials)")
    assert f"Live figures: {column[6:-1]} (selection.min_live_trades)" in texts(at)
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
        backtest = desk.version(v.ref).metrics  # each column one source: backtest here
        live = desk.registry.get(v.ref, source="live").metrics
        assert row["source"] == v.metrics_source == "backtest"  # too few live trades
        assert row["backtest win rate %"] == pytest.approx(backtest["win_rate"] * 100)
        assert row["backtest Sharpe"] == pytest.approx(backtest["sharpe"])
        assert row["backtest trades"] == v.metrics_trades
        assert row["live trades"] == int(live.get("trades", 0))
        if live:
            assert row["live Sharpe"] == pytest.approx(live["sharpe"], nan_ok=True)
        trials = int(backtest["dsr_trials"])
        assert row["backtest DSR (trials)"] == f"{backtest['dsr']:.2f} ({trials} trials)"
    assert not at.get("plotly_chart")  # no chart until versions are picked to compare


def test_the_metric_chart_shows_only_the_picked_versions(home: Path, desk: Desk):
    at = open_page("leaderboard")
    board = {v.ref: v for v in desk.leaderboard()}
    assert len(board) == 3
    picked = ["XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v1"]
    at.multiselect(key="compare_refs").set_value(picked).run()
    at.selectbox(key="across_metric").set_value("win_rate").run()
    spec = charts_by_title(at)["Win rate (%) by version (backtest figures)"]
    assert arr(spec["data"][0], "x") == picked
    assert arr(spec["data"][0], "y") == pytest.approx(
        [board[r].metrics["win_rate"] * 100 for r in picked]
    )


def test_leaderboard_filters_by_status(home: Path):
    at = open_page("leaderboard")
    at.multiselect(key="filter_status").set_value(["archived"]).run()
    assert list(frame(at, "rank", "version")["status"]) == ["archived"]


def test_comparing_versions_uses_one_source_for_table_equity_and_chart(home: Path, desk: Desk):
    at = open_page("leaderboard")
    refs = ["XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v1"]
    at.multiselect(key="compare_refs").set_value(refs).run()
    assert at.radio(key="compare_source").value == "backtest"
    expected = desk.compare(refs)
    table = frame(at, "metric", "better").set_index("metric")
    for row in expected.rows:
        if row.best:
            assert table.loc[row.label, f"{row.best} (backtest)"].startswith("★ ")
    if expected.winner:
        assert f"Better overall on backtest figures: **{expected.winner}**" in texts(at)
    else:
        assert "No overall winner on backtest figures" in texts(at)
    equity = charts_by_title(at)["Equity curve — backtest trades (out of sample)"]
    assert [trace["name"] for trace in equity["data"]] == [f"{r} (backtest)" for r in refs]
    initial = desk.config().account.initial_balance
    colours = [trace["line"]["color"] for trace in equity["data"]]
    assert len(set(colours)) == 2  # each version its own colour
    for trace, ref in zip(equity["data"], refs, strict=True):
        backtest = desk.trades(ref, source="backtest")
        y = arr(trace, "y")
        assert [v for v in y if v is not None] == pytest.approx(
            list(equity_curve([t.net_profit for t in backtest], initial_equity=initial))
        )
        # a pause of more than 36 h between closed trades (the weekends) is a gap, not a line
        closes = [t.close_time for t in backtest]
        pauses = sum(b - a > timedelta(hours=36) for a, b in pairwise(closes))
        assert pauses > 0 and y.count(None) == pauses
        assert arr(trace, "x").count(None) == pauses
    across = charts_by_title(at)["Sharpe (daily, ×√252) by version (backtest figures)"]
    assert across["data"][0]["marker"]["color"] == colours  # the same colour in both charts
    # live: the same three views on live trades only; v1 never traded live, and says so
    at.radio(key="compare_source").set_value("live").run()
    live = desk.compare(refs, source="live")
    table = frame(at, "metric", "better").set_index("metric")
    shown = table.loc["Trades", f"{refs[0]} (live)"].removeprefix("★ ")
    assert shown == str(len(desk.trades(refs[0])))
    assert table.loc["Trades", f"{refs[1]} (live)"] == "—"
    assert live.rows[0].values[refs[1]] is None
    equity = charts_by_title(at)["Equity curve — live trades"]
    assert [trace["name"] for trace in equity["data"]] == [f"{refs[0]} (live)"]
    assert f"Without live figures: {refs[1]}" in texts(at)
    sharpe = charts_by_title(at)["Sharpe (daily, ×√252) by version (live figures)"]
    assert arr(sharpe["data"][0], "y")[0] == pytest.approx(
        desk.registry.get(refs[0], source="live").metrics["sharpe"]
    )


LIVE, BACKTEST = " — live trades", " — backtest trades (out of sample)"


def assert_charts_follow(at: AppTest, profits: list[float], initial: float, suffix: str) -> None:
    """Equity, drawdown, rolling, distribution and session/hour charts of these trades."""
    figures = charts_by_title(at)
    assert arr(figures["Equity curve" + suffix]["data"][0], "y") == pytest.approx(
        list(equity_curve(profits, initial_equity=initial))
    )
    drawdown = figures["Drawdown (underwater)" + suffix]
    assert min(arr(drawdown["data"][0], "y")) <= 0
    assert drawdown["data"][1]["name"].startswith("max drawdown $")
    rolling = any(t.startswith("Rolling ") and t.endswith(suffix) for t in figures)
    assert rolling == (len(profits) >= 5)  # fewer trades than the smallest window: a note
    histogram = figures["Trade results" + suffix]["data"]
    assert len(arr(histogram[0], "x")) == sum(p > 0 for p in profits)
    assert len(arr(histogram[1], "x")) == sum(p <= 0 for p in profits)
    by_hour = arr(figures["Results by session and hour" + suffix]["data"][1], "y")
    assert sum(by_hour) == pytest.approx(sum(profits))


def test_performance_charts_are_built_from_the_live_trades(home: Path, desk: Desk):
    at = open_page("performance")
    ref = "XAUUSD-M5-scalper:v3"
    assert at.radio(key=f"perf_source:{ref}").value == "live"
    profits = [t.net_profit for t in desk.trades(ref)]
    assert_charts_follow(at, profits, desk.config().account.initial_balance, LIVE)
    column = live_heading(desk, ref)
    assert len(frame(at, "metric", column)) == 11
    assert f"Live figures of {ref}: {column[6:-1]}" in texts(at)
    assert f"{len(profits)} live trades" in texts(at)


def test_performance_shows_the_backtest_trades_when_asked(home: Path, desk: Desk):
    at = open_page("performance")
    ref = "XAUUSD-M5-scalper:v3"
    at.radio(key=f"perf_source:{ref}").set_value("backtest").run()
    trades = desk.trades(ref, source="backtest")
    assert len(trades) == int(desk.version(ref).metrics["trades"])
    profits = [t.net_profit for t in trades]
    assert_charts_follow(at, profits, desk.config().account.initial_balance, BACKTEST)
    assert f"{len(profits):,} backtest trades (out of sample, after costs)" in texts(at)
    at.toggle(key="perf_list").set_value(True).run()
    listed = frame(at, "ticket", "net USD")
    assert list(listed["ticket"]) == [t.ticket for t in trades][-1000:]


def test_performance_trade_list_is_the_newest_trades_of_the_date_range(home: Path, desk: Desk):
    """The list reads the trades closed in the range only (the newest 1,000 of them, by the
    database), not the version's whole ledger filtered on the page."""
    at = open_page("performance")
    ref = "XAUUSD-M5-scalper:v3"
    at.radio(key=f"perf_source:{ref}").set_value("backtest").run()
    trades = desk.trades(ref, source="backtest")
    days = sorted({t.close_time.date() for t in trades})
    first, last = days[1], days[-2]
    at.date_input(key=f"perf_range:{ref}:backtest").set_value((first, last)).run()
    at.toggle(key="perf_list").set_value(True).run()
    kept = [t.ticket for t in trades if first <= t.close_time.date() <= last]
    assert 0 < len(kept) < len(trades)
    assert list(frame(at, "ticket", "net USD")["ticket"]) == kept[-1000:]


def test_performance_date_range_limits_the_trades(home: Path, desk: Desk):
    at = open_page("performance")
    ref = "XAUUSD-M5-scalper:v3"
    trades = desk.trades(ref)
    first = trades[0].close_time.date()
    at.date_input(key=f"perf_range:{ref}:live").set_value((first, first)).run()
    kept = [t for t in trades if t.close_time.date() == first]
    equity = arr(charts_by_title(at)["Equity curve" + LIVE]["data"][0], "y")
    assert len(equity) == len(kept) + 1


def test_performance_of_a_version_without_live_trades_opens_on_its_backtest(home: Path, desk: Desk):
    at = open_page("performance")
    ref = "XAUUSD-M5-scalper:v1"
    at.selectbox(key="perf_version").set_value(ref).run()
    assert at.radio(key=f"perf_source:{ref}").value == "backtest"
    profits = [t.net_profit for t in desk.trades(ref, source="backtest")]
    assert_charts_follow(at, profits, desk.config().account.initial_balance, BACKTEST)
    at.radio(key=f"perf_source:{ref}").set_value("live").run()
    assert "has no live trades yet" in texts(at)
    assert "Walk-forward folds (out of sample, after costs)" in charts_by_title(at)
    assert not any(t.endswith(LIVE) for t in charts_by_title(at))


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
    assert f"Compared: {decision_basis(decision['evidence'])}" in texts(at)
    assert "backtest vs backtest" in decision_basis(decision["evidence"])
    assert row["DSR (trials)"].endswith(f"({last.result['n_trials']} trials)")
    baselines = frame(at, "baseline", "runs")
    assert len(baselines) == 4 and sum(b.startswith("★ ") for b in baselines["baseline"]) == 1
    figures = charts_by_title(at)
    folds = arr(figures["Walk-forward folds (out of sample, after costs)"]["data"][0], "y")
    assert folds == pytest.approx([f["net_profit"] for f in winner["folds"]])
    importance = figures["Feature importance"]["data"][0]
    top = max(last.result["importances"].items(), key=lambda kv: kv[1])
    assert arr(importance, "y")[-1] == top[0]


def test_learning_shows_a_sessions_ensembles_and_their_folds(home: Path, desk: Desk):
    """The demo's session #1 tried a soft vote and a stacking of its best candidates (in #2
    only one candidate was eligible, so its ensembles were skipped, with a note)."""
    at = open_page("learning")
    at.selectbox(key="session_pick").set_value(1).run()
    stored = desk.learning_session(1).result["candidates"]
    table = frame(at, "candidate", "verdict")
    names = [n.removeprefix("★ ") for n in table["candidate"]]
    assert names == [c.get("label") or c["algorithm"] for c in stored]
    assert [n.split(":")[0] for n in names[-2:]] == ["soft vote of top 2", "stacking of top 2"]
    notes = desk.learning_session(1).result["ensemble_notes"]  # top 3 asked, 2 eligible
    assert notes and all(f"Ensembles: {n}" in [c.value for c in at.caption] for n in notes)
    stacking = len(stored) - 1
    at.selectbox(key="folds_of:1").set_value(stacking).run()
    folds = arr(
        charts_by_title(at)["Walk-forward folds (out of sample, after costs)"]["data"][0], "y"
    )
    assert folds == pytest.approx([f["net_profit"] for f in stored[stacking]["folds"]])
    at.selectbox(key="session_pick").set_value(3).run()  # fewer candidates: nothing breaks
    assert not at.exception
    assert len(frame(at, "candidate", "verdict")) == len(
        desk.learning_session(3).result["candidates"]
    )


def test_models_page_marks_live_metrics_from_too_few_trades(home: Path, desk: Desk):
    at = open_page("models")
    active = desk.registry.active_version()
    needed = desk.config().selection.min_live_trades
    trades = len(desk.trades(active.ref))
    history = charts_by_title(at)["Metrics history"]["data"]
    names = [t["name"] for t in history]
    assert names == ["backtest", f"live, below the {needed} trades needed"]
    assert history[1]["customdata"] == [f"n={trades} trades, below the {needed} needed"]
    assert f"n={trades} trades, below the {needed} needed" in texts(at)


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
    """Every page of an empty desk points to the two ways in: import bars, or the demo."""
    at = open_page(name)
    assert not at.error, [e.value for e in at.error]
    advice = texts(at)
    assert "import an MT5" in advice and "`aurum demo`" in advice, advice
    assert "**Retrain now**" in advice


def test_a_home_without_database_shows_the_engine_advice(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AURUM_HOME", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(str(Path(__file__).parents[2] / "dashboard" / "app.py")).run()
    assert not at.exception
    assert any("aurum init" in e.value for e in at.error)


def test_the_market_selector_switches_the_active_model_shown(home: Path, desk: Desk):
    """With one lineage there is no Market selector; with a second (XAGUSD M5, active) the
    sidebar offers both markets, the configured one first, and the Overview's active model,
    the sidebar's and the Performance page's versions follow the one chosen."""
    import streamlit as st

    from engine.registry import NewVersion

    at = open_page("overview")
    assert not [box for box in at.selectbox if box.key == "market"]
    gold = desk.registry.active_version()
    model, info = desk.registry.load_model(gold.id)
    silver = desk.registry.register(
        model,
        NewVersion(
            lineage="XAGUSD-M5-scalper",
            symbol="XAGUSD",
            timeframe="M5",
            algorithm=info.algorithm,
            features=info.features,
            details=info.details,
        ),
    )
    desk.activate(silver.id, actor="test")
    st.cache_data.clear()  # what an action on the dashboard does; the test acted on the desk
    clear_shared()

    at = open_page("overview")
    market = at.selectbox(key="market")
    assert list(market.options) == ["XAUUSD · M5", "XAGUSD · M5"]
    assert market.value == "XAUUSD · M5"  # learning.symbol / learning.timeframe
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert gold.ref in sidebar and silver.ref not in sidebar
    assert at.metric[0].value == f"v{gold.version}"
    assert f"**{gold.ref}** ·" in texts(at)

    market.set_value("XAGUSD · M5").run()
    assert not at.exception, [e.value for e in at.exception]
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "XAGUSD-M5-scalper:v1" in sidebar and gold.ref not in sidebar
    assert at.metric[0].value == "v1"
    assert "**XAGUSD-M5-scalper:v1** · " in texts(at)
    assert "Active model — XAGUSD · M5" in [h.value for h in at.subheader]

    at.switch_page("views/performance.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="market").value == "XAGUSD · M5"  # kept across pages
    assert list(at.selectbox(key="perf_version").options) == ["XAGUSD-M5-scalper:v1"]
    at.selectbox(key="market").set_value("XAUUSD · M5").run()
    versions = at.selectbox(key="perf_version")
    assert versions.value == gold.ref and "XAGUSD-M5-scalper:v1" not in versions.options
    at.switch_page("views/models.py").run()  # its actions act on the version's own lineage
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert at.selectbox(key="models_version").value == gold.ref
    assert not at.button(key="rollback").disabled  # gold's lineage has a version to go back to


def test_overview_says_what_the_last_session_did_and_why_the_model_serves(home: Path, desk: Desk):
    at = open_page("overview")
    last = desk.learning_sessions()[0]
    story = desk.session_story(last.id)
    assert literal(story) in texts(at)  # shown as text: it quotes reasons and names
    active = desk.registry.active_version()
    assert story.startswith(f"Session #{last.id} registered ")
    assert f"{active.ref} " in story and " since " in story and "Compared: " in story


def test_models_page_lists_the_versions_decisions(home: Path, desk: Desk):
    at = open_page("models")
    active = desk.registry.active_version()
    decisions = desk.promotion_decisions(active.ref)
    assert decisions and "Promotion decisions" in [h.value for h in at.subheader]
    for d in decisions:
        assert f"Compared: {d.basis}" in texts(at)
    assert f"DSR {active.metrics['dsr']:.2f} ({int(active.metrics['dsr_trials'])} trials)" in texts(
        at
    )
