"""The trust panel read from the demo desk's stored figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from engine.services import Desk
from engine.trust.verdict import verdict
from tests.dashboard.desks import seeded_copy


def test_the_trust_report_is_built_from_the_stored_figures(tmp_path: Path):
    with Desk.open(str(seeded_copy(tmp_path / "home"))) as desk:
        active = desk.registry.active_version()
        newest = desk.bars(active.symbol, active.timeframe, last=1)["time"].iloc[0]
        now = newest.to_pydatetime() + timedelta(minutes=47)
        report = desk.trust_report(active.ref, now=now)
        figures = report.figures
        assert figures.version_ref == active.ref
        assert figures.dsr == active.metrics["dsr"]
        assert figures.trials == desk.trial_count()
        live, backtest = desk.live_results(active.ref), desk.backtest_results(active.ref)
        np.testing.assert_array_equal(figures.live_results, live.net_profit)
        np.testing.assert_array_equal(figures.backtest_results, backtest.net_profit)
        assert report.verdict == verdict(figures)
        assert report.band is not None and len(report.band) == len(live)
        assert report.last_bar == newest.to_pydatetime()
        assert report.last_bar_age == timedelta(minutes=42)  # from the M5 bar's close
        assert report.last_signal is None  # nothing served on this desk yet
        assert report.currency == desk.config().account.currency
