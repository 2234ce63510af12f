"""The price chart and trust sparkline builders, without Streamlit: markers at the trades' prices
and times, levels drawn where the trades' levels are, the window's bars and nothing more, one
y-axis per panel, money with the account currency."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from dashboard.price_chart import FOCUS_BARS, money, price_figure
from dashboard.trade_tables import picked_trade_frame, trade_list_frame
from dashboard.trust_chart import trust_sparkline
from engine.chart.probability import ProbabilityPanel
from engine.chart.regimes import RegimeSpan
from engine.chart.trades import ChartTrade
from engine.data.synthetic import generate_bars
from engine.trust.band import expected_band
from tests.dashboard.conftest import decoded

BARS = generate_bars(start="2026-03-02", n_bars=300, timeframe="M5", seed=2)


def trade(k: int, side: str, net: float, source: str = "live") -> ChartTrade:
    opened = BARS["time"].iloc[k].to_pydatetime()
    price = float(BARS["open"].iloc[k])
    return ChartTrade(
        source, f"{source}-{k}", side, opened, opened + timedelta(minutes=30), price,
        price + (1.0 if side == "buy" else -1.0) * np.sign(net), 0.1, net + 2.6, 2.6, net, 0.61,
        take_profit=price + (3.0 if side == "buy" else -3.0),
        stop_loss=price - (2.0 if side == "buy" else -2.0), spread_paid=2.0,
    )  # fmt: skip


LIVE = [trade(50, "buy", 12.5), trade(120, "sell", -7.25), trade(200, "sell", 3.0)]
BACKTEST = [trade(60, "buy", -4.0, "backtest")]


def traces(fig, name_part: str) -> list:
    return [t for t in fig.data if t.name and name_part in t.name]


def times(values) -> list:
    return list(pd.to_datetime(values).tz_localize("UTC"))  # the axes hold naive UTC


def test_entry_and_exit_markers_sit_at_the_trades_prices_and_times():
    fig = price_figure(BARS, {"live": LIVE}, title="XAUUSD M5", labels={"live": "live trades"})
    (long_won,) = traces(fig, "live trades: long entries, won")
    (short_lost,) = traces(fig, "live trades: short entries, lost")
    (short_won,) = traces(fig, "live trades: short entries, won")
    assert not traces(fig, "long entries, lost")  # no such trade: no empty trace
    for trace, trade in ((long_won, LIVE[0]), (short_lost, LIVE[1]), (short_won, LIVE[2])):
        assert times(trace.x) == [trade.open_time] and list(trace.y) == [trade.open_price]
    assert (long_won.marker.symbol, long_won.marker.color) == ("triangle-up", "#2e9e5b")
    assert (short_lost.marker.symbol, short_lost.marker.color) == ("triangle-down", "#d0473b")
    (exits_won,) = traces(fig, "live trades: exits, won")
    assert times(exits_won.x) == [LIVE[0].close_time, LIVE[2].close_time]
    assert list(exits_won.y) == [LIVE[0].close_price, LIVE[2].close_price]
    assert exits_won.marker.symbol == "x"
    (wins,) = traces(fig, "live trades: trades won")
    want = [LIVE[0].open_price, LIVE[0].close_price, None, LIVE[2].open_price,
            LIVE[2].close_price, None]  # fmt: skip
    assert [None if np.isnan(v) else v for v in wins.y] == want
    assert "-$7.25" in short_lost.customdata[0]
    legend = [t.name for t in fig.data if t.showlegend is not False and t.legendgroup]
    assert legend[0] == "live trades"  # one entry for the source, toggling all its traces


def test_stop_loss_and_take_profit_are_drawn_at_each_trades_levels_from_entry_to_exit():
    fig = price_figure(BARS, {"live": LIVE}, title="XAUUSD M5", levels={"live": "served"})
    (tp,) = traces(fig, "take profit (as the signal carried, recomputed)")
    (sl,) = traces(fig, "stop loss (as the signal carried, recomputed)")
    assert list(tp.y[0::3]) == list(tp.y[1::3]) == [t.take_profit for t in LIVE]
    assert list(sl.y[0::3]) == list(sl.y[1::3]) == [t.stop_loss for t in LIVE]
    assert np.isnan(tp.y[2::3]).all()  # a gap between trades
    assert times(tp.x[0::3]) == [t.open_time for t in LIVE]
    assert times(tp.x[1::3]) == [t.close_time for t in LIVE]


def test_the_window_is_all_the_candles_and_a_picked_trade_is_centred():
    fig = price_figure(BARS, {"live": LIVE}, title="XAUUSD M5", focus=LIVE[1])
    (candles,) = [t for t in fig.data if t.type == "candlestick"]
    assert len(candles.x) == len(BARS) == 300
    assert list(decoded(candles.close)) == list(BARS["close"])
    lo, hi = (pd.Timestamp(v).tz_localize("UTC") for v in fig.layout.xaxis.range)
    step = timedelta(minutes=5)
    assert lo == pd.Timestamp(LIVE[1].open_time - FOCUS_BARS * step)
    assert hi == pd.Timestamp(LIVE[1].close_time + FOCUS_BARS * step)
    (marked,) = [s for s in fig.layout.shapes if s.fillcolor == "#d4af37"]
    assert pd.Timestamp(marked.x0).tz_localize("UTC") == pd.Timestamp(LIVE[1].open_time)
    assert fig.layout.xaxis.rangeselector.buttons[-1].label == "window"
    assert fig.layout.dragmode == "pan"


def test_sources_overlaid_keep_their_own_legend_labels():
    labels = {"live": "live trades", "backtest": "backtest (out of sample)"}
    fig = price_figure(BARS, {"live": LIVE, "backtest": BACKTEST}, title="M5", labels=labels)
    groups = {t.legendgroup for t in fig.data if t.legendgroup}
    assert groups == {"trades:live", "trades:backtest"}
    assert traces(fig, "backtest (out of sample): long entries")[0].marker.line.color != (
        traces(fig, "live trades: long entries")[0].marker.line.color
    )


def test_the_probability_panel_has_its_own_axis_from_0_to_100_percent():
    times = pd.DatetimeIndex(BARS["time"])
    panel = ProbabilityPanel("XAUUSD-M5-scalper:v3", times, np.full(300, 0.4), np.full(300, 0.3),
                             np.zeros(300, dtype=np.int8), 0.45)  # fmt: skip
    fig = price_figure(BARS, {}, title="XAUUSD M5", probability=panel)
    names = [t.name for t in fig.data if t.yaxis == "y2"]
    assert names == ["P(long wins)", "P(short wins)"]
    assert tuple(fig.layout.yaxis2.range) == (0, 1) and fig.layout.yaxis2.dtick == 0.25
    assert fig.layout.yaxis2.tickformat == ".0%"
    assert not fig.layout.yaxis.overlaying and not fig.layout.yaxis2.overlaying
    assert any(s.y0 == 0.45 for s in fig.layout.shapes)  # the threshold line


def test_regimes_shade_their_spans_and_normal_is_left_clear():
    start = BARS["time"].iloc[10].to_pydatetime()
    hour = timedelta(hours=1)
    spans = [
        RegimeSpan(start, start + hour, "high"),
        RegimeSpan(start + hour, start + 2 * hour, "normal"),
    ]
    fig = price_figure(BARS, {}, title="XAUUSD M5", regimes=spans)
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shaded) == 1 and pd.Timestamp(shaded[0].x0).tz_localize("UTC") == start
    assert [t.name for t in fig.data if t.name and "shaded" in t.name] == ["high (shaded)"]


def test_money_has_its_sign_before_the_currency():
    assert money(-3.456) == "-$3.46"
    assert money(1250.0, "EUR") == "€1,250.00"
    assert money(2.0, "CHF") == "CHF 2.00"
    assert money(None) == "—" and money(float("nan")) == "—"
    assert money(-0.001) == "$0.00"


def test_the_trade_list_and_the_picked_trade_show_the_numbers():
    table = trade_list_frame(list(reversed(LIVE)))
    assert list(table["result"]) == [3.0, -7.25, 12.5]
    assert list(table["side"]) == ["short", "short", "long"]
    assert table["entry (UTC)"].iloc[0] == LIVE[2].open_time.strftime("%Y-%m-%d %H:%M")
    picked = dict(picked_trade_frame(LIVE[1], "USD").itertuples(index=False))
    assert picked["result after costs"] == "-$7.25"
    assert picked["spread paid (entry bar's spread)"] == "$2.00"
    levels = f"{LIVE[1].take_profit:,.2f} / {LIVE[1].stop_loss:,.2f}"
    assert picked["take profit / stop loss"] == levels
    assert picked["entry"].startswith(f"{LIVE[1].open_time:%Y-%m-%d %H:%M} UTC at ")


def test_the_sparkline_draws_live_equity_inside_the_backtests_band():
    profits = np.tile([10.0, -6.0], 20)
    times = pd.date_range("2026-03-02 08:00", periods=40, freq="3h", tz="UTC")
    band = expected_band(np.tile([12.0, -8.0], 50), 40)
    fig = trust_sparkline(times, profits, band=band, initial_equity=10_000.0, currency="USD")
    (equity,) = traces(fig, "live equity")
    assert list(equity.y) == pytest.approx(list(10_000.0 + np.cumsum(profits)))
    (upper,) = traces(fig, "90 % band")
    assert list(upper.y) == pytest.approx(list(10_000.0 + band.high))
    assert fig.layout.yaxis.title.text == "equity (USD)"
    assert fig.layout.yaxis2.title.text == "drawdown" and fig.layout.yaxis2.ticksuffix == " %"
    empty = trust_sparkline([], [], band=None, initial_equity=10_000.0, currency="USD")
    assert not empty.data


def test_a_long_live_record_is_thinned_and_its_times_stay_utc():
    profits = np.tile([10.0, -6.0, 3.0, -1.0], 5_000)  # 20,000 live trades
    times = pd.date_range("2026-03-02 08:00", periods=len(profits), freq="5min", tz="UTC")
    band = expected_band(np.tile([12.0, -8.0], 50), len(profits))
    fig = trust_sparkline(times, profits, band=band, initial_equity=10_000.0, currency="USD")
    (equity,) = traces(fig, "live equity")
    assert len(equity.x) <= 1_002  # each bucket's low and high, plus the ends
    shown = pd.to_datetime(equity.x).tz_localize("UTC")  # the axes hold naive UTC
    assert shown[0] == times[0] and shown[-1] == times[-1]
    kept = times.get_indexer(shown)
    assert (kept >= 0).all()  # every point drawn is a trade's close time
    full = 10_000.0 + np.cumsum(profits)
    assert list(equity.y) == pytest.approx(list(full[kept]))
    assert max(equity.y) == pytest.approx(full.max()) and min(equity.y) == pytest.approx(full.min())


def test_ages_read_as_a_trader_says_them():
    from dashboard.trust_panel import age

    assert age(timedelta(seconds=42)) == "42 s"
    assert age(timedelta(minutes=5, seconds=10)) == "5 min"
    assert age(timedelta(hours=3, minutes=12)) == "3 h 12 min"
    assert age(timedelta(days=2, hours=4, minutes=1)) == "2 d 4 h"
    assert age(None) == "—" and age(timedelta(seconds=-5)).startswith("in the future")
