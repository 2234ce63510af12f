"""The price chart read through the Desk on the demo desk: the window's trades with the levels the
version's signal carried, probabilities equal to serving's for the window's bars only, the signal
behind a trade explained, and trade sources that plug in."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from engine.chart.trades import TRADE_SOURCES, ChartTrade, TradeSource, register_source
from engine.errors import AurumError
from engine.learner.predict import SignalModel
from engine.services import Desk


def newest_live(demo: Desk) -> tuple[object, ChartTrade]:
    info = demo.registry.active_version()
    (trade,) = demo.chart_trades(info.ref, "live", limit=1)
    return info, trade


def test_the_chart_window_holds_the_live_trades_with_the_levels_their_signal_carried(demo: Desk):
    info, newest = newest_live(demo)
    chart = demo.price_chart(info.ref, around=newest.open_time, before=225, after=75,
                             sources=("live", "backtest"))  # fmt: skip
    after = int((demo.bars(info.symbol, info.timeframe)["time"] > newest.open_time).sum())
    shown = 225 + min(75, after)  # fewer at the series' end
    assert len(chart.window) == shown and chart.window.lead.empty  # what is drawn, nothing more
    assert chart.window.bars["time"].iloc[224] <= newest.open_time
    live = chart.trades["live"]
    assert live and live[-1].key == newest.key
    first, last = chart.window.first, chart.window.last + timedelta(minutes=5)
    assert all(t.close_time >= first and t.open_time < last for t in live)
    model, info = demo.registry.load_model(info.id)
    serving = SignalModel(model, info)
    every = demo.bars(info.symbol, info.timeframe)
    for trade in live:
        entry = int(np.searchsorted(every["time"], pd.Timestamp(trade.open_time), "right")) - 1
        signal = serving.signal(every.iloc[:entry])  # the signal at the bar before entry
        assert signal.side == trade.side.upper()  # the demo traded its signals
        assert (trade.take_profit, trade.stop_loss) == (signal.take_profit, signal.stop_loss)
        assert trade.spread_paid is not None and trade.spread_paid > 0


def test_probabilities_are_servings_for_the_window_bars_only(demo: Desk):
    info, newest = newest_live(demo)
    panel = demo.probability_panel(info.ref, around=newest.open_time, before=40, after=10)
    assert len(panel) == 50
    window = demo.bar_window(info.symbol, info.timeframe, newest.open_time, before=40, after=10)
    assert list(panel.times) == list(window.bars["time"])
    model, info = demo.registry.load_model(info.id)
    serving = SignalModel(model, info)
    every = demo.bars(info.symbol, info.timeframe)
    for k in (0, 25, 49):
        end = int(np.searchsorted(every["time"], panel.times[k], "right"))
        served = serving.signal(every.iloc[:end])
        assert panel.p_long[k] == pytest.approx(served.p_long, abs=2e-3)
        assert panel.p_short[k] == pytest.approx(served.p_short, abs=2e-3)
    assert panel.min_confidence == info.details["min_confidence"]
    assert set(np.unique(panel.signal)) <= {-1, 0, 1}


def test_the_signal_behind_a_trade_is_explained_as_serving_gave_it(demo: Desk):
    info, newest = newest_live(demo)
    found = demo.trade_explanation(info.ref, newest.open_time)
    (signal,) = found.signals
    assert signal.side == newest.side.upper()
    assert max(signal.p_long, signal.p_short) == pytest.approx(newest.confidence, abs=2e-3)
    assert signal.bar_time < newest.open_time.isoformat()
    assert signal.contributions and found.method in ("shap-tree", "linear")


def test_regime_shading_covers_the_window_in_runs(demo: Desk):
    info, newest = newest_live(demo)
    chart = demo.price_chart(info.ref, around=newest.open_time, before=150, after=50,
                             sources=(), shading="volatility")  # fmt: skip
    spans = chart.regimes
    assert spans and {s.state for s in spans} <= {"low", "normal", "high"}
    assert spans[0].start >= chart.window.first and spans[-1].end > chart.window.last
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_a_trade_source_plugs_in_and_unknown_ones_are_refused(demo: Desk):
    info, newest = newest_live(demo)
    calls = []

    def read(session, version_id, start, end, limit):
        calls.append((version_id, start, end, limit))
        return [ChartTrade("manual", "m1", "sell", newest.open_time, newest.close_time,
                           2650.0, 2649.0, 0.1, 10.0, 2.0, 8.0, None, "take_profit")]  # fmt: skip

    register_source(TradeSource("manual", "manual backtest #1", "simulated", read))
    try:
        chart = demo.price_chart(info.ref, around=newest.open_time, before=50, after=50,
                                 sources=("manual",))  # fmt: skip
        assert [t.key for t in chart.trades["manual"]] == ["m1"]
        assert chart.trades["manual"][0].take_profit is not None  # levels as simulated
        assert calls and calls[0][0] == info.id
    finally:
        TRADE_SOURCES.pop("manual")
    with pytest.raises(AurumError, match="no trade source 'nope'"):
        demo.price_chart(info.ref, around=newest.open_time, before=5, after=5, sources=("nope",))


def test_the_trade_list_is_the_newest_trades_in_close_order(demo: Desk):
    info = demo.registry.active_version()
    every = demo.trades(info.ref, source="live")
    listed = demo.chart_trades(info.ref, "live", limit=3)
    assert [t.key for t in listed] == [t.ticket for t in every[-3:]]
    assert [t.net_profit for t in listed] == pytest.approx([t.net_profit for t in every[-3:]])
    backtest = demo.chart_trades(info.ref, "backtest", limit=1000)
    total = len(demo.backtest_results(info.ref))
    assert len(backtest) == min(1000, total)  # the newest 1,000 at most
