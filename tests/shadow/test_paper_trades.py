"""Challengers paper-trade stored bars exactly as a backtest of the same model would, only on
bars after their training window (or their registration), once each, apart from real trades."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from engine.data.store import delete_bars, upsert_bars
from engine.data.synthetic import generate_bars
from engine.db.schema import ShadowTrade, Trade
from engine.services import Desk
from tests.shadow.conftest import V1, V2, V3, as_rows, backtest, shadow_settings


def _count(desk: Desk, table: type) -> int:
    with desk.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_paper_trades_equal_a_backtest_of_each_version_over_the_same_bars(desk: Desk):
    result = desk.shadow_cycle()
    assert [(r.ref, r.role) for r in result.runs] == [
        (V3, "champion"),
        (V1, "challenger"),
        (V2, "challenger"),
    ]
    for ref in (V1, V2, V3):
        version = desk.version(ref)
        expected = backtest(desk, ref, after=version.train_end)
        assert len(expected) >= 2
        assert as_rows(desk.shadow_trades(ref)) == as_rows(expected)
        run = next(r for r in result.runs if r.ref == ref)
        assert run.new_trades == len(expected)
    paper = desk.shadow_results(V1)
    expected = backtest(desk, V1, after=desk.version(V1).train_end)
    assert paper.net_profit.sum() == pytest.approx(expected["net_profit"].sum(), abs=1e-9)
    assert list(paper.close_time) == sorted(expected["exit_time"])


def test_running_the_cycle_again_adds_nothing(desk: Desk):
    desk.shadow_cycle()
    before = [as_rows(desk.shadow_trades(ref)) for ref in (V1, V2, V3)]
    again = desk.shadow_cycle()
    assert [r.new_trades for r in again.runs] == [0, 0, 0]
    assert [as_rows(desk.shadow_trades(ref)) for ref in (V1, V2, V3)] == before
    assert _count(desk, ShadowTrade) == sum(len(b) for b in before)


def test_bars_arriving_in_batches_give_the_trades_of_one_backtest(desk: Desk):
    """The desk first holds the bars up to 300 bars before the end, then the rest arrives
    (as an import would bring it): each run continues from the last paper trade's exit."""
    bars = desk.bars("XAUUSD", "M5")
    with desk.db.session(write=True) as s:
        delete_bars(s, symbol="XAUUSD", timeframe="M5")
        upsert_bars(s, bars.iloc[:-300], symbol="XAUUSD", timeframe="M5", origin="generated")
    first = {r.ref: r.new_trades for r in desk.shadow_cycle().runs}
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars.iloc[-300:], symbol="XAUUSD", timeframe="M5", origin="generated")
    second = {r.ref: r.new_trades for r in desk.shadow_cycle().runs}
    for ref in (V1, V2, V3):
        expected = backtest(desk, ref, after=desk.version(ref).train_end)
        assert as_rows(desk.shadow_trades(ref)) == as_rows(expected)
        assert first[ref] + second[ref] == len(expected)
    assert sum(second.values()) > 0  # the new bars brought trades


def test_no_bar_of_the_training_window_counts(desk: Desk):
    desk.shadow_cycle()
    bars = desk.bars("XAUUSD", "M5")["time"]
    for ref in (V1, V2, V3):
        version = desk.version(ref)
        trades = desk.shadow_trades(ref)
        signal_bars = [bars[bars < t.open_time].iloc[-1] for t in trades]
        assert trades and min(signal_bars) > version.train_end
        in_sample = backtest(desk, ref, after=version.train_start - timedelta(days=1))
        early = in_sample[in_sample["entry_time"] <= version.train_end]
        assert len(early) > 0  # the model would have traded inside its window: never counted


def _monday_after(moment: datetime) -> str:
    """The first Monday more than a day after `moment`: generated bars from a Monday are the
    same whatever day the test runs (from another weekday the week's draws fall on other hours,
    and from a Tuesday, as on Sunday 2026-12-06, these models made no paper trade)."""
    day = moment.date() + timedelta(days=2)
    return (day + timedelta(days=-day.weekday() % 7)).isoformat()


def test_with_live_bars_only_just_bars_after_registration_count(desk: Desk):
    """Every demo bar is older than the versions' registration: none counts. Bars that open
    after it (stored later) do, exactly as a backtest restricted to them."""
    shadow_settings(desk, **{"shadow.live_bars_only": "true"})
    assert sum(r.new_trades for r in desk.shadow_cycle().runs) == 0
    last = desk.bars("XAUUSD", "M5").iloc[-1]
    registered = max(desk.version(ref).created_at for ref in (V1, V2, V3))
    later = generate_bars(
        start=_monday_after(registered),
        n_bars=1500,
        seed=11,
        start_price=float(last["close"]),
        momentum=0.25,
    )
    with desk.db.session(write=True) as s:  # the demo's series takes only generated bars
        upsert_bars(s, later, symbol="XAUUSD", timeframe="M5", origin="generated")
    desk.shadow_cycle()
    for ref in (V1, V2, V3):
        version = desk.version(ref)
        expected = backtest(desk, ref, after=version.created_at)
        trades = desk.shadow_trades(ref)
        assert as_rows(trades) == as_rows(expected) and len(trades) > 0
        assert min(t.open_time for t in trades) > pd.Timestamp(later["time"].iloc[0])


def test_paper_trades_never_enter_the_ledger_or_live_figures(desk: Desk):
    trades_before = _count(desk, Trade)
    live_before = desk.live_metrics(V3)
    desk.shadow_cycle()
    assert _count(desk, ShadowTrade) > 0
    assert _count(desk, Trade) == trades_before
    assert desk.live_metrics(V3) == live_before
    assert len(desk.live_results(V1)) == 0 and len(desk.shadow_results(V1)) > 0


def test_with_shadow_off_nothing_paper_trades(desk: Desk):
    shadow_settings(desk, **{"shadow.mode": "off"})
    result = desk.shadow_cycle()
    assert result.runs == [] and _count(desk, ShadowTrade) == 0
    assert "shadow.mode is off" in result.note


def test_a_page_of_paper_trades_is_the_newest_closed_in_the_range(desk: Desk):
    """The Performance page's shadow list reads the trades closed in its date range (the
    newest `limit` of them), not the newest of all filtered afterwards."""
    desk.shadow_cycle()
    every = desk.shadow_trades(V1)
    assert len(every) >= 4
    since, until = every[1].close_time, every[-2].close_time
    inside = [t for t in every if since <= t.close_time <= until]
    assert as_rows(desk.shadow_trades(V1, since=since, until=until)) == as_rows(inside)
    page = desk.shadow_trades(V1, since=since, until=until, limit=2)
    assert as_rows(page) == as_rows(inside[-2:])
    assert as_rows(desk.shadow_trades(V1, until=every[0].close_time)) == as_rows(every[:1])
