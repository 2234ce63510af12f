"""A version's trades by regime read through the Desk: the three columns read by one query give
exactly what the breakdown of the ledger's trade objects gives, for every source and period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest

from engine.regimes.breakdown import metrics_by_regime
from engine.services import Desk
from tests.dashboard.desks import seeded_copy
from tests.shadow.conftest import V2, V3, shadow_settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    home = seeded_copy(tmp_path_factory.mktemp("regimes") / "home")
    with Desk.open(str(home)) as opened:
        shadow_settings(opened)
        opened.shadow_cycle()
        yield opened


def _expected(desk: Desk, ref: str, source: str, start=None, end=None) -> pd.DataFrame:
    """The breakdown of the trades as objects (the Desk's full lists), filtered in Python."""
    from engine.data.store import load_bars
    from engine.regimes.settings import regime_warmup

    listed = desk.shadow_trades(ref) if source == "shadow" else desk.trades(ref, source=source)
    trades = [
        t
        for t in listed
        if (start is None or t.close_time >= start) and (end is None or t.close_time < end)
    ]
    settings = desk.config().regimes
    version = desk.version(ref)
    first, last = min(t.open_time for t in trades), max(t.open_time for t in trades)
    market = {"symbol": version.symbol, "timeframe": version.timeframe}
    with desk.db.session() as s:
        lead = load_bars(s, **market, end=first, last=regime_warmup(settings) + 2)
        bars = load_bars(s, **market, start=lead["time"].iloc[0].to_pydatetime(), end=last)
    return metrics_by_regime(trades, bars, settings)


@pytest.mark.parametrize(("ref", "source"), [(V3, "live"), (V2, "backtest"), (V2, "shadow")])
def test_the_breakdown_equals_the_one_of_the_trade_objects(demo: Desk, ref: str, source: str):
    got = demo.regime_metrics(ref, source=source)
    assert int(got["trades"].sum()) > 10  # the demo desk has these trades
    pd.testing.assert_frame_equal(got, _expected(demo, ref, source))


def test_a_period_keeps_the_trades_closed_inside_it(demo: Desk):
    closes = [t.close_time for t in demo.trades(V3, source="live")]
    start, end = closes[len(closes) // 4], closes[3 * len(closes) // 4]
    got = demo.regime_metrics(V3, start=start, end=end)
    inside = sum(start <= c < end for c in closes)
    assert int(got["trades"].sum()) == inside and 0 < inside < len(closes)
    pd.testing.assert_frame_equal(got, _expected(demo, V3, "live", start, end))
    later = closes[-1] + timedelta(days=1)
    assert int(demo.regime_metrics(V3, start=later)["trades"].sum()) == 0


def test_kept_regime_states_are_served_until_a_bar_changes(tmp_path):
    """The desk keeps the regime states of the bars it read; asked again it serves them (equal
    results, nothing recomputed), and once bars in the range are edited it reads them again:
    the breakdown then equals the pure function's on the edited bars."""
    from sqlalchemy import update

    from engine.db.schema import Bar

    with Desk.open(str(seeded_copy(tmp_path / "home"))) as desk:
        first = desk.regime_metrics(V3)
        pd.testing.assert_frame_equal(desk.regime_metrics(V3), first)
        assert desk.regime_states.computed == 1
        closes = [t.open_time for t in desk.trades(V3, source="live")]
        middle = closes[len(closes) // 2]
        with desk.db.session(write=True) as s:  # a flat market from the middle trade on
            s.execute(
                update(Bar)
                .where(Bar.ts >= middle)
                .values(high=Bar.open, low=Bar.open, close=Bar.open)
            )
        after = desk.regime_metrics(V3)
        assert desk.regime_states.computed == 2
        assert not after.equals(first)
        pd.testing.assert_frame_equal(after, _expected(desk, V3, "live"))
