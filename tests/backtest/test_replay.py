"""A stored version replayed over stored bars trades exactly as it paper-trades, says how much
of its window it trained on, pays the costs it is given, and keeps its trades to itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from engine.backtest.replay import TICK, backtest_request, window_bound
from engine.backtest.runs import close_interrupted
from engine.data.store import upsert_bars
from engine.db.schema import BacktestRun, BacktestTrade, ShadowTrade, Trade
from engine.errors import AurumError, PermissionDeniedError
from engine.metrics.summary import summarize
from engine.scheduler.worker import run_next_backtest
from engine.services import Desk
from tests.shadow.conftest import V1, V2, V3, as_rows

OUNCES = 100.0 * 0.1  # contract size x the default lot: dollars per dollar of price move


def _count(desk: Desk, table: type) -> int:
    with desk.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _frame(trades: list) -> pd.DataFrame:
    return pd.DataFrame([t.__dict__ for t in trades])


def test_a_replay_after_the_training_window_equals_the_versions_paper_trades(demo: Desk):
    demo.shadow_cycle()
    for ref in (V1, V2, V3):
        version = demo.version(ref)
        run = demo.backtest(backtest_request(ref), actor="test")
        paper = demo.shadow_trades(ref)
        assert len(paper) >= 2
        trades = demo.backtest_run_trades(run.id)
        assert as_rows(trades) == as_rows(paper)  # entries, exits, sides, prices, profits
        assert run.status == "succeeded" and run.trades == len(paper)
        assert run.window_start == version.train_end + TICK
        assert run.first_bar is not None and run.first_bar > version.train_end
        assert (run.in_sample, run.in_sample_bars, run.in_sample_percent) == (False, 0, 0.0)
        assert run.warning == ""
        assert run.bars == int((demo.bars("XAUUSD", "M5")["time"] > version.train_end).sum())
        shadow = demo.shadow_results(ref)
        expected = summarize(
            shadow.net_profit,
            shadow.close_time,
            initial_equity=demo.config().account.initial_balance,
            n_trials=demo.trial_count(),
        ).as_dict()
        stored = {k: None if np.isnan(v) else pytest.approx(v) for k, v in expected.items()}
        assert run.metrics == stored  # undefined ratios (nan) are stored as None


def test_a_replay_over_the_training_window_is_flagged_in_sample_with_its_overlap(demo: Desk):
    version = demo.version(V1)
    assert version.train_end is not None
    times = demo.bars("XAUUSD", "M5")["time"]
    start = window_bound(version.train_end.date() - timedelta(days=3), end=False)
    end = window_bound(version.train_end.date() + timedelta(days=2), end=True)
    run = demo.backtest(backtest_request(V1, start=start, end=end), actor="test")
    in_window = (times >= start) & (times <= end)
    shared = int((in_window & (times <= version.train_end)).sum())
    assert 0 < shared < int(in_window.sum())
    assert (run.bars, run.in_sample_bars) == (int(in_window.sum()), shared)
    assert run.in_sample and run.in_sample_percent == round(100 * shared / run.bars, 2)
    assert run.warning.startswith(f"IN-SAMPLE: {shared:,} of the run's {run.bars:,} bars")
    assert f"({run.in_sample_percent:.1f} %)" in run.warning

    inside = demo.backtest(
        backtest_request(V1, start=version.train_start, end=version.train_end), actor="test"
    )
    assert inside.in_sample_percent == 100.0 and inside.in_sample_bars == inside.bars > 0


def test_another_symbols_bars_over_the_training_period_are_not_in_sample(demo: Desk):
    bars = demo.bars("XAUUSD", "M5")
    with demo.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="GOLDX", timeframe="M5")
    version = demo.version(V1)
    run = demo.backtest(
        backtest_request(V1, symbol="GOLDX", start=version.train_start), actor="test"
    )
    same = demo.backtest(backtest_request(V1, start=version.train_start), actor="test")
    assert run.symbol == "GOLDX" and run.bars == same.bars
    assert run.in_sample_bars == 0 and same.in_sample_bars > 0
    assert as_rows(demo.backtest_run_trades(run.id)) == as_rows(demo.backtest_run_trades(same.id))


def test_slippage_and_commission_overrides_cost_each_trade_the_known_amount(demo: Desk):
    base = demo.backtest(backtest_request(V2), actor="test")
    dearer = demo.backtest(
        backtest_request(V2, slippage_points=5, commission_per_lot=12), actor="test"
    )
    a, b = _frame(demo.backtest_run_trades(base.id)), _frame(demo.backtest_run_trades(dearer.id))
    assert len(a) == len(b) >= 2  # exits do not depend on slippage or commission: same trades
    assert list(a["open_time"]) == list(b["open_time"])
    assert list(a["exit_reason"]) == list(b["exit_reason"])
    np.testing.assert_allclose(b["gross_profit"], a["gross_profit"], rtol=0, atol=1e-9)
    extra = 2 * (5 - 2) * 0.01 * OUNCES + (12 - 7) * 0.1  # both fills' slippage, commission
    np.testing.assert_allclose(b["costs"] - a["costs"], extra, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["net_profit"] - b["net_profit"], extra, rtol=0, atol=1e-9)
    assert dearer.metrics["net_profit"] == pytest.approx(
        base.metrics["net_profit"] - len(a) * extra, abs=1e-6
    )
    assert dearer.overrides == {"slippage_points": 5.0, "commission_per_lot": 12.0}
    assert dearer.costs["slippage_points"] == 5.0 and dearer.costs["commission_per_lot"] == 12.0


def test_a_spread_override_is_paid_on_every_trade(demo: Desk):
    run = demo.backtest(backtest_request(V2, spread_points=35), actor="test")
    trades = _frame(demo.backtest_run_trades(run.id))
    assert len(trades) >= 2
    expected = (35 + 2 * 2) * 0.01 * OUNCES + 7 * 0.1  # spread, both slippages, commission
    np.testing.assert_allclose(trades["costs"], expected, rtol=0, atol=1e-9)
    assert run.costs["default_spread_points"] == 35.0
    base = _frame(demo.backtest_run_trades(demo.backtest(backtest_request(V2), actor="t").id))
    assert not np.allclose(base["costs"].to_numpy(), expected)  # the bars' own spreads vary


def test_a_runs_trades_never_appear_in_the_versions_results(demo: Desk):
    demo.shadow_cycle()

    def figures() -> list:
        return [
            (len(demo.live_results(ref)), len(demo.backtest_results(ref)),
             len(demo.shadow_results(ref)), demo.live_metrics(ref))
            for ref in (V1, V2, V3)
        ]  # fmt: skip

    before, counts = figures(), demo.counts()
    ledger, paper = _count(demo, Trade), _count(demo, ShadowTrade)
    board = [(v.ref, v.metrics) for v in demo.leaderboard()]
    run = demo.backtest(backtest_request(V3, start=demo.version(V3).train_start), actor="t")
    assert run.trades > 0 and _count(demo, BacktestTrade) == run.trades
    assert len(demo.backtest_run_results(run.id)) == run.trades
    assert figures() == before
    assert (_count(demo, Trade), _count(demo, ShadowTrade)) == (ledger, paper)
    assert [(v.ref, v.metrics) for v in demo.leaderboard()] == board
    assert demo.counts() == counts


def test_a_replay_that_fails_while_storing_leaves_no_trade(
    demo: Desk, monkeypatch: pytest.MonkeyPatch
):
    import engine.backtest.replay as replay

    real = replay.store_result

    def store_then_fail(session, run_id, frame, **values):  # type: ignore[no-untyped-def]
        real(session, run_id, frame, **values)  # the trades are in the transaction ...
        assert len(frame) > 0
        raise OSError("disk full")  # ... which then fails

    monkeypatch.setattr(replay, "store_result", store_then_fail)
    with pytest.raises(OSError, match="disk full"):
        demo.backtest(backtest_request(V1), actor="test")
    [run] = demo.backtest_runs()
    assert (run.status, run.error, run.trades, run.metrics) == ("failed", "disk full", 0, {})
    assert _count(demo, BacktestTrade) == 0
    assert demo.backtest_run_results(run.id).net_profit.size == 0


def test_a_replay_whose_model_file_is_gone_fails_with_the_reason(demo: Desk):
    version = demo.version(V2)
    assert version.artifact_path is not None
    (demo.paths.artifacts_dir / version.artifact_path).unlink()
    with pytest.raises(AurumError):
        demo.backtest(backtest_request(V2), actor="test")
    [run] = demo.backtest_runs(V2)
    assert run.status == "failed" and run.error and run.finished_at is not None
    assert _count(demo, BacktestTrade) == 0


def test_requests_refused_before_anything_is_stored(demo: Desk):
    for request, message in (
        (backtest_request("99"), "does not exist"),
        (backtest_request(V1, timeframe="M15"), "trades M5 bars"),
        (backtest_request(V1, start=datetime(2030, 1, 6, tzinfo=UTC)), "no XAUUSD M5 bars"),
        (backtest_request(V1, symbol="EURUSD"), "no EURUSD M5 bars"),
    ):
        with pytest.raises(AurumError, match=message):
            demo.backtest(request, actor="test")
    for values, message in (
        ({"slippage_points": -1}, "slippage_points"),
        ({"spread_points": float("nan")}, "spread_points"),
        ({"start": datetime(2026, 3, 6), "end": datetime(2026, 3, 2)}, "before it starts"),
    ):
        with pytest.raises(AurumError, match=message):
            backtest_request(V1, **values)
    assert _count(demo, BacktestRun) == 0
    with pytest.raises(PermissionDeniedError):
        demo.acting_as("vera", "viewer").backtest(backtest_request(V1), actor="vera")


def test_a_queued_run_is_replayed_by_the_worker_like_a_run_now(demo: Desk):
    assert run_next_backtest(demo) is None  # nothing queued
    run_id = demo.request_backtest(backtest_request(V1, spread_points=25), actor="page")
    queued = demo.backtest_run(run_id)
    assert (queued.status, queued.percent, queued.trades) == ("queued", 0.0, 0)
    assert run_next_backtest(demo) == run_id
    done = demo.backtest_run(run_id)
    now = demo.backtest(backtest_request(V1, spread_points=25), actor="cli")
    assert (done.status, done.percent, done.requested_by) == ("succeeded", 100.0, "page")
    assert as_rows(demo.backtest_run_trades(run_id)) == as_rows(demo.backtest_run_trades(now.id))
    assert [e.action for e in demo.audit_log(5)][:2] == ["backtest.run", "backtest.request"]


def test_a_run_left_running_by_a_dead_process_is_closed(demo: Desk):
    run_id = demo.request_backtest(backtest_request(V1), actor="page")
    with demo.db.session(write=True) as s:
        row = s.get(BacktestRun, run_id)
        assert row is not None
        row.status, row.runner = "running", "services-host:4242"
    assert close_interrupted(demo.db, dead_holder="other:1", by="t") == []
    assert close_interrupted(demo.db, dead_holder="services-host:4242", by="t") == [run_id]
    run = demo.backtest_run(run_id)
    assert run.status == "failed" and "interrupted" in run.error


def test_window_bounds_are_utc_days_or_times():
    assert window_bound(None, end=False) is None
    assert window_bound("2026-03-02", end=False) == datetime(2026, 3, 2, tzinfo=UTC)
    assert window_bound("2026-03-02", end=True) == datetime(2026, 3, 3, tzinfo=UTC) - TICK
    assert window_bound(date(2026, 3, 6), end=True) == datetime(2026, 3, 7, tzinfo=UTC) - TICK
    assert window_bound("2026-03-02 14:30", end=True) == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert window_bound("2026-03-02T14:30+02:00", end=False) == datetime(
        2026, 3, 2, 12, 30, tzinfo=UTC
    )
    with pytest.raises(AurumError, match=r"start \(--from\) '2026-13-01' is not a date"):
        window_bound("2026-13-01", end=False)


def test_a_replay_stopped_with_ctrl_c_is_closed_as_interrupted(
    demo: Desk, monkeypatch: pytest.MonkeyPatch
):
    import engine.shadow.paper as paper

    def stop(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(paper, "paper_signals", stop)
    with pytest.raises(KeyboardInterrupt):
        demo.backtest(backtest_request(V1), actor="test")
    [run] = demo.backtest_runs()
    assert (run.status, run.error) == ("failed", "interrupted") and run.bars > 0
    assert _count(demo, BacktestTrade) == 0


def test_a_stored_run_is_a_price_chart_source_of_its_own(demo: Desk):
    run = demo.backtest(backtest_request(V2, spread_points=35), actor="test")
    assert run.trades >= 2
    name = f"run:{run.id}"
    offered = demo.chart_sources(V2)
    assert list(offered)[:3] == ["live", "backtest", "shadow"]
    assert (
        offered[name].startswith(f"manual backtest #{run.id} (")
        and f"{run.trades:,} trades" in offered[name]
    )
    assert name not in demo.chart_sources(V1)  # another version's run is not offered
    stored = demo.backtest_run_trades(run.id)
    listed = demo.chart_trades(V2, name, limit=1000)
    assert [(t.open_time, t.close_time, t.side) for t in listed] == [
        (s.open_time, s.close_time, s.side) for s in stored
    ]
    assert [t.net_profit for t in listed] == [s.net_profit for s in stored]
    assert [t.costs for t in listed] == [s.costs for s in stored]
    assert {t.source for t in listed} == {name}
    assert demo.chart_trades(V1, name) == []  # read through its own version only
    newest = listed[-1]
    chart = demo.price_chart(V2, around=newest.open_time, before=100, after=20,
                             sources=(name, "backtest"))  # fmt: skip
    drawn = chart.trades[name]
    assert drawn and drawn[-1].close_time == newest.close_time
    assert drawn[-1].take_profit is not None and drawn[-1].stop_loss is not None  # simulated
    assert all(t.source == "backtest" for t in chart.trades["backtest"])  # never mixed
    with pytest.raises(AurumError, match="no trade source 'run:x'"):
        demo.chart_trades(V2, "run:x")
