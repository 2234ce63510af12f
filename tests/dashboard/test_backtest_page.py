"""The Models page's backtests: an operator queues one (window, costs) from the form, the page
follows it while the worker replays, then shows the run with its metrics, equity and drawdown;
a run over the training window is flagged in-sample in red; viewers read but cannot queue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from dashboard.desk import actor
from engine.backtest.replay import backtest_request
from engine.metrics.trading import equity_curve
from engine.scheduler.worker import run_next_backtest
from engine.services import Desk
from tests.dashboard.conftest import APP, decoded
from tests.dashboard.test_flows import V1, V2, messages, models_page_on
from tests.dashboard.test_login import login, setup_users


def figure(at: AppTest, title: str) -> dict:
    import json

    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if title in spec["layout"]["title"]["text"]:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def test_queue_a_backtest_follow_it_and_read_it(home: Path, desk: Desk):
    at = models_page_on(V2)
    assert "No backtest runs of XAUUSD-M5-scalper:v2 yet." in [c.value for c in at.caption]
    at.number_input(key="bt_spread").set_value(30.0)
    at.button(key="bt_queue").click().run()
    [queued] = desk.backtest_runs(V2)
    assert (queued.status, queued.requested_by, queued.overrides) == (
        "queued", actor(), {"spread_points": 30.0},
    )  # fmt: skip
    assert queued.window_start == desk.version(V2).train_end + timedelta(microseconds=1)
    progress = at.get("progress")
    assert progress and "waiting for the background worker" in progress[0].proto.text
    assert run_next_backtest(desk) == queued.id  # the background worker, played by the test
    at.run()
    run = desk.backtest_run(queued.id)
    assert run.status == "succeeded" and run.trades > 0
    assert f"Backtest run #{run.id} finished: succeeded" in messages(at)
    assert not at.get("progress")
    runs = next(d.value for d in at.dataframe if "sample" in d.value.columns)
    assert list(runs["run"]) == [run.id] and list(runs["sample"]) == ["out of sample"]
    assert list(runs["costs"]) == ["spread 30"] and list(runs["trades"]) == [run.trades]
    assert not at.error  # out of sample: no banner
    results = desk.backtest_run_results(run.id)
    equity = figure(at, "Equity curve")
    initial = desk.config().account.initial_balance
    np.testing.assert_allclose(
        decoded(equity["data"][0]["y"])[1:],
        equity_curve(results.net_profit, initial_equity=initial)[1:],
    )
    assert "backtest run (replay on demand" in equity["layout"]["title"]["text"]
    assert figure(at, "Drawdown")["data"]
    metrics = next(d.value for d in at.dataframe if f"run #{run.id}" in d.value.columns)
    assert len(metrics) > 5


def test_a_run_over_the_training_window_is_flagged_in_red(home: Path, desk: Desk):
    version = desk.version(V1)
    run = desk.backtest(backtest_request(V1, start=version.train_start), actor="test")
    assert run.in_sample
    at = models_page_on(V1)
    banner = [e.value for e in at.error]
    assert banner == [run.warning] and banner[0].startswith("IN-SAMPLE:")
    runs = next(d.value for d in at.dataframe if "sample" in d.value.columns)
    assert list(runs["sample"]) == [f"IN-SAMPLE {run.in_sample_percent:.1f} %"]
    shapes = figure(at, "Equity curve")["layout"]["shapes"]
    assert len(shapes) == 1 and shapes[0]["fillcolor"]  # the training window, shaded


def test_a_refused_request_says_why_and_queues_nothing(home: Path, desk: Desk):
    at = models_page_on(V2)
    from datetime import date

    at.date_input(key="bt_from").set_value(date(2031, 3, 3))
    at.button(key="bt_queue").click().run()
    assert "no XAUUSD M5 bars stored from 2031-03-03" in messages(at)
    assert desk.backtest_runs() == []


def test_a_viewer_reads_runs_but_cannot_queue_one(home: Path, desk: Desk):
    desk.backtest(backtest_request(V2), actor="test")
    setup_users(desk)
    at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "vic", "viewer-pass")
    at.switch_page("views/models.py").run()
    at.selectbox(key="models_version").set_value(V2).run()
    assert not [b for b in at.button if b.key == "bt_queue"]
    assert next(d.value for d in at.dataframe if "sample" in d.value.columns)["run"].tolist() == [1]


def test_a_stored_run_is_shown_on_the_price_chart_as_its_own_source(home: Path, desk: Desk):
    run = desk.backtest(backtest_request(V2, spread_points=35), actor="test")
    assert run.trades > 0
    at = models_page_on(V2)
    name = f"run:{run.id}"
    sources = at.multiselect(key=f"models:{V2}:sources")
    assert any(o.startswith(f"manual backtest #{run.id} (") for o in sources.options)  # labels
    assert name not in sources.value
    at.button(key=f"bt_on_chart:{run.id}").click().run()
    assert not at.exception
    assert name in at.multiselect(key=f"models:{V2}:sources").value
    listed = at.dataframe(key=f"models:{V2}:list").value
    ours = listed[listed["source"] == f"manual backtest #{run.id}"]
    assert len(ours) == run.trades  # every trade of the run, labelled as the run's
    newest = desk.backtest_run_trades(run.id)[-1]
    assert f"{newest.open_time:%Y-%m-%d %H:%M}" in set(ours["entry (UTC)"])
    chart = figure(at, "XAUUSD M5")
    names = {trace.get("name") or "" for trace in chart["data"]}
    assert any(f"manual backtest #{run.id}" in n for n in names)
