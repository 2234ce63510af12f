"""Chart builders: data in, Plotly figure out (no Streamlit, no database; tests call them).

Every metric comes from `engine.metrics` (one definition each). Axes say their units: the
account currency (`currency`, account.currency), % of peak equity, UTC times; Sharpe-like
numbers are daily over every trading day of the evaluated window, annualised with √252.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.chart_rules import (
    GOLD,
    GREEN,
    GREY,
    MONEY_OVER_TRADES,
    RED,
    money_axis,
    money_counts,
    percent_axis,
    reference_line,
    time_axis,
)
from dashboard.chart_rules import layout as _layout
from dashboard.equity_charts import (  # noqa: F401  (re-exported: pages call charts.*)
    GAP,
    MAX_POINTS,
    SERIES,
    break_gaps,
    drawdown_figure,
    equity_figure,
    equity_rules,
    in_sample_band,
    rolling_figure,
    shadow_equity_figure,
    thin,
)
from engine.features.names import SESSIONS
from engine.learner.records import candidate_name
from engine.metrics.breakdown import results_by_session, session_index
from engine.metrics.catalog import METRICS

OUTCOME_COLOURS = {
    "succeeded": GREEN,
    "no_improvement": GOLD,
    "failed": RED,
    "cancelled": "#b07cc6",
    "running": "#4c8bf5",
    "cancelling": "#4c8bf5",
    "queued": GREY,
}
METRIC_REFERENCES = {  # (value as plotted, what it means): the line a metric is read against
    "profit_factor": (1.0, "profit factor 1: break-even"),
    "win_rate": (50.0, "win rate 50 %"),
    "expectancy": (0.0, "break-even after costs"),
    "net_profit": (0.0, "break-even"),
    "sharpe": (0.0, "Sharpe 0"),
}
# Okabe & Ito's colour-blind-safe qualitative palette (no yellow: it vanishes on white): one
# colour per compared version, the same in every chart of one comparison.
VERSION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
SIDE_BY_SIDE_HEIGHT = 560  # px: the distribution and the stacked session/hour panels, paired
SOURCE_TITLES = {
    "live": "live trades",
    "backtest": "backtest trades (out of sample)",
    "shadow": "shadow trades (paper, live bars)",
    "manual backtest": "backtest run (replay on demand, after costs)",
}


def for_source(fig: go.Figure, source: str) -> go.Figure:
    """Say in the title which trades a chart shows, e.g. "Equity curve — live trades"."""
    title = fig.layout.title.text or ""
    fig.update_layout(title=f"{title} — {SOURCE_TITLES.get(source, source + ' trades')}")
    return fig


def metric_axis_label(metric: str, currency: str = "USD") -> str:
    """A metric's label with its unit, e.g. "Win rate (%)", "Sharpe (daily, ×√252)"."""
    spec = METRICS.get(metric)
    if spec is None:
        return metric
    units = {
        "currency": f" ({currency})",
        "fraction": " (%)",
        "probability": " (%)",
        "percent": " (% of peak equity)",
        "count": "",
    }
    if metric in ("sharpe", "sortino"):
        return f"{spec.label} (daily, ×√252)"
    return spec.label + units.get(spec.unit, "")


def metric_plot_value(metric: str, value: float | None) -> float | None:
    """A metric value as plotted: fractions as percent, nan/inf as a gap."""
    if value is None or not math.isfinite(value):
        return None
    spec = METRICS.get(metric)
    if spec is not None and spec.unit in ("fraction", "probability"):
        return value * 100.0
    return value


def version_colours(refs: Sequence[str]) -> dict[str, str]:
    """Each version's colour in a comparison, by its place among the picked versions."""
    return {ref: VERSION_COLOURS[i % len(VERSION_COLOURS)] for i, ref in enumerate(refs)}


def results_histogram(
    profits: Sequence[float], *, bins: int = 40, currency: str = "USD"
) -> go.Figure:
    """Distribution of net trade results, wins and losses in their own colours."""
    p = np.asarray(profits, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=p[p > 0], name="wins", marker_color=GREEN, nbinsx=bins))
    fig.add_trace(go.Histogram(x=p[p <= 0], name="losses", marker_color=RED, nbinsx=bins))
    fig.update_layout(barmode="overlay", hovermode="closest", height=SIDE_BY_SIDE_HEIGHT)
    fig.update_traces(opacity=0.8)
    _layout(fig, "Trade results", f"net result per trade ({currency})", "trades")
    fig.update_xaxes(tickformat=",.0f", hoverformat=",.2f")
    fig.add_vline(x=0, line={"color": GREY, "dash": "dash", "width": 1})
    return fig


def session_of_hour(hour: int) -> str:
    """The trading session of a UTC hour (the engine's definition, as in its session features)."""
    return SESSIONS[int(session_index([datetime(2026, 1, 5, hour, tzinfo=UTC)])[0])]


def by_session_figure(
    times: Sequence[datetime] | pd.DatetimeIndex,
    profits: Sequence[float],
    *,
    when: str = "close",
    currency: str = "USD",
) -> go.Figure:
    """Net result and trade count by trading session and by UTC hour of the trade's
    `when` time (close or open): two panels stacked, each with the full width for its title."""
    hours = np.asarray(pd.DatetimeIndex(pd.to_datetime(times, utc=True)).hour, dtype=int)
    p = np.asarray(profits, dtype=float)
    sessions = results_by_session(times, p)
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.45, 0.55],
        vertical_spacing=0.22,
        subplot_titles=("by trading session (UTC hours)", f"by hour of trade {when} (UTC)"),
    )
    by_session = [r.net_profit for r in sessions]
    counts = [r.trades for r in sessions]
    fig.add_trace(
        go.Bar(
            x=[r.session for r in sessions],
            y=by_session,
            name=f"net by session ({currency})",
            marker_color=[GREEN if v >= 0 else RED for v in by_session],
            customdata=money_counts(by_session, counts, currency),
            hovertemplate=MONEY_OVER_TRADES,
        ),
        row=1,
        col=1,
    )
    by_hour = [float(p[hours == h].sum()) for h in range(24)]
    trades_by_hour = [int((hours == h).sum()) for h in range(24)]
    fig.add_trace(
        go.Bar(
            x=list(range(24)),
            y=by_hour,
            name=f"net by hour ({currency})",
            marker_color=[GREEN if v >= 0 else RED for v in by_hour],
            customdata=money_counts(by_hour, trades_by_hour, currency),
            hovertemplate="%{x}:00 UTC: %{customdata[0]} over %{customdata[1]} trades"
            "<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title="Results by session and hour",
        showlegend=False,
        height=SIDE_BY_SIDE_HEIGHT,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    money_axis(fig, currency, "net", row=1, col=1)
    money_axis(fig, currency, "net", row=2, col=1)
    fig.update_xaxes(title_text=f"hour of trade {when} (UTC)", dtick=2, row=2, col=1)
    return fig


def metric_across_versions(
    labels: Sequence[str],
    values: Sequence[float | None],
    metric: str,
    *,
    source: str = "",
    currency: str = "USD",
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """One metric for several versions (bar per version), in the metric's unit; `source`
    names the figures' source (one per chart: backtest or live). Bars take each version's
    colour from `colours` (label -> colour) when given, else green above zero, red below."""
    y = [metric_plot_value(metric, v) for v in values]
    if colours:
        marker = [colours.get(label, GREY) for label in labels]
    else:
        marker = [GREY if v is None else (GREEN if v >= 0 else RED) for v in y]
    fig = go.Figure(go.Bar(x=list(labels), y=y, marker_color=marker))
    fig.update_layout(hovermode="closest")
    label = metric_axis_label(metric, currency)
    title = f"{label} by version" + (f" ({source} figures)" if source else "")
    return _layout(fig, title, "version", label)


def sessions_timeline(sessions: Sequence[Any]) -> go.Figure:
    """Learning sessions by start time (UTC) and duration, coloured by outcome."""
    fig = go.Figure()
    for status, colour in OUTCOME_COLOURS.items():
        rows = [s for s in sessions if s.status == status]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[s.started_at or s.created_at for s in rows],
                y=[s.duration_seconds or 0.0 for s in rows],
                mode="markers",
                name=status.replace("_", " "),
                marker={"color": colour, "size": 10},
                customdata=[[s.id, s.trigger] for s in rows],
                hovertemplate="session #%{customdata[0]} (%{customdata[1]}): %{y:.1f} s"
                "<extra></extra>",
            )
        )
    fig.update_layout(hovermode="closest")
    _layout(fig, "Learning sessions", "started (UTC)", "duration (s)")
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    return time_axis(fig, [s.started_at or s.created_at for s in sessions], "started (UTC)")


def folds_figure(folds: Sequence[Mapping[str, Any]], currency: str = "USD") -> go.Figure:
    """Walk-forward folds: out-of-sample net result (after costs) and win rate (%)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    labels = [f"fold {f['fold']}<br>{str(f['test_start'])[:10]}" for f in folds]
    nets = [float(f["net_profit"]) for f in folds]
    fig.add_trace(
        go.Bar(
            x=labels,
            y=nets,
            name=f"net result ({currency})",
            marker_color=[GREEN if v >= 0 else RED for v in nets],
        ),
        row=1,
        col=1,
    )
    rates = [metric_plot_value("win_rate", f.get("win_rate")) for f in folds]
    fig.add_trace(
        go.Scatter(x=labels, y=rates, name="win rate (%)", mode="lines+markers"), row=2, col=1
    )
    _layout(fig, "Walk-forward folds (out of sample, after costs)", "", "")
    fig.update_layout(height=480)
    money_axis(fig, currency, "net result", row=1, col=1)
    percent_axis(fig, "win rate", full=True, row=2, col=1)
    reference_line(fig, 50.0, "win rate 50 %", row=2, col=1)
    fig.update_xaxes(title_text="test window (UTC)", row=2, col=1)
    return fig


def baseline_figure(candidates: Sequence[Mapping[str, Any]], currency: str = "USD") -> go.Figure:
    """Each candidate's expectancy against the 50/50 random baseline and the strongest of its
    no-skill baselines (per trade, after costs)."""
    names = [candidate_name(c) + (" ★" if c.get("winner") else "") for c in candidates]

    def values(key: str) -> list[float | None]:
        return [metric_plot_value("expectancy", c["metrics"].get(key)) for c in candidates]

    fig = go.Figure(
        [
            go.Bar(x=names, y=values("expectancy"), name="model", marker_color=GOLD),
            go.Bar(
                x=names,
                y=values("baseline_expectancy"),
                name="random 50/50 baseline (same entry bars)",
                marker_color=GREY,
            ),
            go.Bar(
                x=names,
                y=values("strongest_baseline_expectancy"),
                name="strongest baseline (50/50, side-matched, always long or short)",
                marker_color=RED,
            ),
        ]
    )
    fig.update_layout(barmode="group", hovermode="closest")
    _layout(fig, "Model vs its baselines", "candidate", f"expectancy ({currency} per trade)")
    fig.update_yaxes(tickformat=",.2~f", hoverformat=",.2f")
    return reference_line(fig, 0.0, "break-even after costs")


def importance_figure(importances: Mapping[str, float], *, top: int = 20) -> go.Figure:
    """Out-of-sample permutation importance (log-loss increase), the largest `top` features."""
    items = sorted(importances.items(), key=lambda kv: kv[1], reverse=True)[:top]
    items.reverse()
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[k for k, _ in items],
            orientation="h",
            marker_color=[GOLD if v > 0 else GREY for _, v in items],
        )
    )
    fig.update_layout(hovermode="closest", height=max(300, 22 * len(items) + 80))
    return _layout(fig, "Feature importance", "log-loss increase when shuffled", "feature")


def metrics_history_figure(
    history: Sequence[Mapping[str, Any]],
    metric: str,
    *,
    min_live_trades: int = 0,
    currency: str = "USD",
) -> go.Figure:
    """How one metric of a version evolved, per source (backtest, live), by recording time.
    Live snapshots from fewer than `min_live_trades` trades are a trace of their own, hollow,
    named and hovered as such: they are not yet evidence."""
    fig = go.Figure()
    for source in sorted({h["source"] for h in history}):
        rows = [h for h in history if h["source"] == source and h["name"] == metric]
        groups = [(source, rows, "circle")]
        if source == "live":
            few = [h for h in rows if int(h["trades"] or 0) < min_live_trades]
            enough = [h for h in rows if int(h["trades"] or 0) >= min_live_trades]
            groups = [
                ("live", enough, "circle"),
                (f"live, below the {min_live_trades} trades needed", few, "circle-open"),
            ]
        for name, points, symbol in groups:
            if not points:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[h["recorded_at"] for h in points],
                    y=[metric_plot_value(metric, h["value"]) for h in points],
                    mode="lines+markers",
                    name=name,
                    marker={"symbol": symbol, "size": 9},
                    customdata=[_trades_note(h, source, min_live_trades) for h in points],
                    hovertemplate="%{y:.3f} (%{customdata})<extra></extra>",
                )
            )
    _layout(fig, "Metrics history", "recorded (UTC)", metric_axis_label(metric, currency))
    line = METRIC_REFERENCES.get(metric)
    if line is not None:
        reference_line(fig, *line)
    if METRICS.get(metric) is not None and METRICS[metric].unit == "currency":
        fig.update_yaxes(tickformat=",.0f", hoverformat=",.2f")
    return time_axis(fig, [h["recorded_at"] for h in history], "recorded (UTC)")


def live_shortfall(trades: int, needed: int) -> str:
    """ "n=13 trades, below the 30 needed" when live figures rest on fewer trades than
    `selection.min_live_trades`; "" when there are enough (or none at all)."""
    return f"n={trades} trades, below the {needed} needed" if 0 < trades < needed else ""


def _trades_note(point: Mapping[str, Any], source: str, needed: int) -> str:
    trades = int(point["trades"] or 0)
    short = live_shortfall(trades, needed) if source == "live" else ""
    return short or f"n={trades} trades"


def activation_timeline(records: Sequence[Any]) -> go.Figure:
    """Which version was active when: a step line over the activation and rollback events."""
    rows = sorted(records, key=lambda r: r.created_at)
    fig = go.Figure()
    if rows:
        fig.add_trace(
            go.Scatter(
                x=[r.created_at for r in rows],
                y=[r.to_ref for r in rows],
                mode="lines+markers",
                line={"shape": "hv", "color": GOLD},
                marker={
                    "size": 11,
                    "color": [RED if r.kind == "rollback" else GREEN for r in rows],
                },
                customdata=[[r.kind, r.actor, r.reason or "—"] for r in rows],
                hovertemplate="%{customdata[0]} by %{customdata[1]}: %{customdata[2]}"
                "<extra></extra>",
                name="active version",
            )
        )
    fig.update_layout(hovermode="closest", showlegend=False)
    return _layout(fig, "Activation history (red = rollback)", "when (UTC)", "active version")


def coverage_figure(days: Any, counts: Any, *, title: str) -> go.Figure:
    """Bars stored per UTC day; days with no bars show as gaps (zero height, marked red)."""
    fig = go.Figure(
        go.Bar(
            x=list(days),
            y=list(counts),
            marker_color=[RED if c == 0 else GOLD for c in counts],
        )
    )
    empty = [d for d, c in zip(days, counts, strict=True) if c == 0]
    if empty:
        fig.add_trace(
            go.Scatter(
                x=empty,
                y=[0] * len(empty),
                mode="markers",
                marker={"color": RED, "symbol": "line-ew-open", "size": 14},
                name="no bars",
            )
        )
    fig.update_layout(hovermode="closest", showlegend=False)
    return _layout(fig, title, "day (UTC)", "bars stored")


def contributions_figure(
    contributions: Mapping[str, float], *, side: str, explained: str, output: str, top: int = 12
) -> go.Figure:
    """What pushed one signal: each feature's attribution toward P(`explained`) ("long" or
    "short"), the largest `top` by size; green pushes toward that trade, red against it."""
    items = sorted(contributions.items(), key=lambda kv: abs(kv[1]), reverse=True)[:top]
    items.reverse()
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[k for k, _ in items],
            orientation="h",
            marker_color=[GREEN if v > 0 else RED for _, v in items],
        )
    )
    fig.update_layout(hovermode="closest", height=max(300, 22 * len(items) + 80))
    trade = "BUY" if explained == "long" else "SELL"
    title = f"What pushed this {side}" if side != "HOLD" else f"HOLD: what moved a {trade}"
    return _layout(fig, title, f"push toward {trade}, {output}", "feature")


def dependence_figure(
    feature: str, grid: Sequence[float], p_long: Sequence[float], p_short: Sequence[float]
) -> go.Figure:
    """Partial dependence: average P(long) and P(short) as `feature` moves across its recent
    range (5th to 95th percentile), the other features kept at their recent values."""
    fig = go.Figure(
        [
            go.Scatter(x=list(grid), y=list(p_long), name="P(long wins)", line={"color": GREEN}),
            go.Scatter(x=list(grid), y=list(p_short), name="P(short wins)", line={"color": RED}),
        ]
    )
    return _layout(fig, f"Partial dependence on {feature}", feature, "average probability")
