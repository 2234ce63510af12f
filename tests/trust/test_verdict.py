"""The Overview's verdict on constructed figures: one case per verdict, the thresholds at their
edges, and the band it compares live trading with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from engine.trust.band import expected_band
from engine.trust.verdict import DSR_PROVEN, TrustFigures, verdict

START = datetime(2026, 3, 2, 8, tzinfo=UTC)  # a Monday
BACKTEST = np.tile([12.0, -8.0], 100)  # mean 2, sd ~10.02 per trade


def live_times(n: int) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([START + timedelta(hours=3 * i) for i in range(n)])


def figures(live: list[float] | np.ndarray, *, dsr: float | None = 0.97, trials: int = 7,
            backtest: np.ndarray = BACKTEST, needed: int = 30) -> TrustFigures:  # fmt: skip
    results = np.asarray(live, dtype=float)
    return TrustFigures("XAUUSD-M5-scalper:v3", dsr, trials, backtest, results,
                        live_times(len(results)), needed)  # fmt: skip


def test_the_band_is_the_normal_band_of_the_backtests_trades_scaled_to_the_count():
    band = expected_band(BACKTEST, 100, confidence=0.90)
    assert band is not None and len(band) == 100
    sd = float(np.std(BACKTEST, ddof=1))
    assert band.expected[-1] == pytest.approx(200.0)
    assert band.high[-1] - band.expected[-1] == pytest.approx(1.6448536 * sd * 10, rel=1e-6)
    assert band.low[0] == pytest.approx(2.0 - 1.6448536 * sd, rel=1e-6)
    assert expected_band([5.0], 10) is None  # one backtest trade has no spread


def test_live_tracking_the_backtest_with_a_proven_edge_is_good():
    found = verdict(figures(BACKTEST[:98]))
    assert found.tone == "good" and found.live == "tracks" and found.edge == "proven"
    assert found.text == (
        "live tracks backtest (98 live trades, within the backtest's 90 % band) · "
        "edge proven (DSR 0.97 over 7 trials)"
    )


def test_an_unproven_edge_says_so_with_its_trials():
    found = verdict(figures(BACKTEST[:98], dsr=0.36))
    assert found.tone == "caution" and found.edge == "not proven"
    assert found.parts[1] == "edge not proven (DSR 0.36 over 7 trials)"
    at_edge = verdict(figures(BACKTEST[:98], dsr=DSR_PROVEN))
    assert at_edge.edge == "proven"
    unknown = verdict(figures(BACKTEST[:98], dsr=None))
    assert unknown.edge == "unknown" and unknown.tone == "caution"
    assert verdict(figures(BACKTEST[:98], dsr=float("nan"))).edge == "unknown"
    assert "over 1 trial)" in verdict(figures(BACKTEST[:98], dsr=0.5, trials=1)).text


def test_live_below_the_band_names_the_day_it_fell_below():
    live = np.concatenate([BACKTEST[:60], np.full(40, -15.0)])
    found = verdict(figures(live))
    band = expected_band(BACKTEST, len(live))
    below = np.cumsum(live) < band.low
    first = int(np.flatnonzero(~below)[-1]) + 1  # the current run below the band starts here
    assert found.tone == "bad" and found.live == "below"
    assert found.below_since == live_times(100)[first].to_pydatetime()
    since = f"{found.below_since:%Y-%m-%d}"
    assert found.parts[0] == f"live below backtest since {since} (100 live trades)"
    assert below[first:].all() and not below[first - 1]


def test_a_dip_that_recovered_is_not_below():
    live = np.concatenate([np.full(30, -15.0), np.full(30, 25.0), BACKTEST[:40]])
    band = expected_band(BACKTEST, len(live))
    assert (np.cumsum(live) < band.low).any()  # it was below once
    assert verdict(figures(live)).live in ("tracks", "above")


def test_live_above_the_band():
    found = verdict(figures(np.full(60, 12.0)))
    assert found.live == "above" and found.tone == "good"
    assert "above the backtest's 90 % band" in found.text


def test_too_few_or_no_live_trades_cannot_be_judged():
    few = verdict(figures(BACKTEST[:13]))
    assert few.live == "few" and few.tone == "caution"
    assert few.parts[0] == "too few live trades to judge (13 of 30 needed)"
    none = verdict(figures([]))
    assert none.live == "none" and none.parts[0] == "no live trades yet"
    below_but_few = verdict(figures(np.full(29, -50.0)))
    assert below_but_few.live == "few"  # 29 trades are not evidence, however bad


def test_live_without_backtest_trades_has_nothing_to_compare_with():
    found = verdict(figures(BACKTEST[:40], backtest=np.array([3.0])))
    assert found.live == "none" and "no backtest trades stored" in found.text


def test_no_active_model():
    found = verdict(TrustFigures(None, None, 0, np.zeros(0), np.zeros(0), live_times(0), 30))
    assert found.tone == "none" and found.text == "no active model: nothing is served"
