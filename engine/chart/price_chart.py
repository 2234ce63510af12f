"""What the price chart of a version shows, read for one window of bars: the candles, the trades of
the chosen sources with their levels and spread, the regime spans; and apart from it (it loads the
model) the probability panel. Everything is read around a time by index, never a whole table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.chart.levels import ExitRules, trades_with_levels
from engine.chart.probability import ProbabilityPanel, window_probabilities
from engine.chart.regimes import RegimeSpan, Shading, regime_spans
from engine.chart.trades import ChartTrade, trade_source
from engine.chart.window import BarWindow, read_window
from engine.data.timeframes import timeframe_seconds
from engine.errors import AurumError
from engine.regimes.settings import regime_warmup
from engine.registry.refs import find_version

ATR_LEAD = 300  # bars before the window for the ATR of the levels ((13/14)^300 ~ 2e-10)
TRADES_PER_WINDOW = 2000  # per source: far more than a few hundred candles can hold


@dataclass(frozen=True)
class PriceChart:
    """One window of a version's price chart. `trades` maps each source asked to its trades
    that are open at some bar of the window (time order), with their levels."""

    version_ref: str
    symbol: str
    timeframe: str
    window: BarWindow
    trades: dict[str, list[ChartTrade]]
    rules: ExitRules | None
    regimes: list[RegimeSpan]
    shading: Shading | None
    currency: str


def price_chart(
    desk: Any,
    ref: str | int,
    *,
    around: datetime,
    before: int,
    after: int,
    sources: Sequence[str] = ("live",),
    shading: Shading | None = None,
) -> PriceChart:
    """The window of `before` bars up to `around` and `after` bars following it, with the trades
    of `sources` inside it and, with `shading`, the regime spans of its bars."""
    info = desk.version(ref)
    cfg = desk.config()
    chosen = [trade_source(name) for name in sources]  # unknown names refused before reading
    lead = max(ATR_LEAD, regime_warmup(cfg.regimes) + 1 if shading else 0)
    with desk.db.session() as s:
        window = read_window(
            s,
            symbol=info.symbol,
            timeframe=info.timeframe,
            around=around,
            before=before,
            after=after,
            lead=lead,
        )
        raw = {src.name: _inside(s, src, info.id, window) for src in chosen}
    bars = window.with_lead()
    rules = ExitRules.of_version(info.details or {}, cfg.costs.model_dump())
    trades = {
        src.name: trades_with_levels(bars, raw[src.name], rules, src.levels) for src in chosen
    }
    spans = regime_spans(bars, len(window.lead), cfg.regimes, shading) if shading else []
    return PriceChart(
        version_ref=info.ref,
        symbol=info.symbol,
        timeframe=info.timeframe,
        window=_without_lead(window),
        trades=trades,
        rules=rules,
        regimes=spans,
        shading=shading,
        currency=cfg.account.currency,
    )


def _inside(session: Any, source: Any, version_id: int, window: BarWindow) -> list[ChartTrade]:
    """The source's trades open at some bar of the window: closed after its first bar opened,
    opened before its last bar closed (a trade lasts at most a day past the window's end)."""
    if window.first is None or window.last is None:
        return []
    step = timedelta(seconds=timeframe_seconds(window.timeframe))
    end = window.last + step
    found = source.read(session, version_id, window.first, end + timedelta(days=1), None)
    inside = [t for t in found if t.open_time < end]
    return inside[-TRADES_PER_WINDOW:]


def _without_lead(window: BarWindow) -> BarWindow:
    """The window without its lead bars: the chart never carries what it does not show."""
    return BarWindow(
        window.symbol,
        window.timeframe,
        window.around,
        window.bars,
        window.bars.iloc[:0],
        window.earlier,
        window.later,
    )


def probability_panel(
    desk: Any, ref: str | int, *, around: datetime, before: int, after: int
) -> ProbabilityPanel:
    """The version's P(long) / P(short) at each bar of the window (only those are predicted).
    The bars before it are serving's own window (`engine.learner.predict.serving_window`):
    the first bar's features come from exactly the bars serving computes them on."""
    from engine.features import FeatureSpec
    from engine.learner.predict import serving_window

    info = desk.version(ref)
    if "feature_spec" not in (info.details or {}):
        raise AurumError(f"{info.ref} was not trained by a learning session: no probabilities")
    spec = FeatureSpec.model_validate(info.details["feature_spec"])
    with desk.db.session() as s:
        window = read_window(
            s,
            symbol=info.symbol,
            timeframe=info.timeframe,
            around=around,
            before=before,
            after=after,
            lead=serving_window(spec, str(info.details.get("timeframe", info.timeframe)))[1],
        )
    model, _ = desk.registry.load_model(info.id)
    return window_probabilities(model, info, window.with_lead(), len(window.lead))


def trade_list(
    desk: Any, ref: str | int, source: str, *, limit: int = 500, before: datetime | None = None
) -> list[ChartTrade]:
    """The newest `limit` trades of a source (closed at or before `before` when given), in close
    order, without levels (the chart adds them for the trades of its window)."""
    reader = trade_source(source)
    with desk.db.session() as s:
        version_id = find_version(s, ref)[0].id
        return reader.read(s, version_id, None, before, limit)


def trade_explanation(desk: Any, ref: str | int, opened: datetime) -> Any:
    """The signal behind a trade and the features that pushed it
    (`engine.explain.SignalExplanation`): the version's signal at the bar before the trade's
    entry bar, from the bars serving would have used, attributed as the Models page does."""
    from engine.explain.explanations import check_explainable, explain_last_bar
    from engine.features import FeatureSpec
    from engine.learner.predict import serving_window

    info = check_explainable(desk.version(ref))
    spec = FeatureSpec.model_validate(info.details["feature_spec"])
    _, needed = serving_window(spec, str(info.details.get("timeframe", info.timeframe)))
    with desk.db.session() as s:
        window = read_window(
            s,
            symbol=info.symbol,
            timeframe=info.timeframe,
            around=opened,
            before=needed + 1,
            after=0,
        )
    bars = window.bars.iloc[:-1]  # up to the signal bar: the entry bar is the last one read
    model, _ = desk.registry.load_model(info.id)
    return explain_last_bar(model, info, bars)
