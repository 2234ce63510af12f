"""The research report of one version: walk-forward equity, drawdowns, metrics with bootstrap
intervals and the deflated Sharpe, results by session and hour, feature importances, the
learning session's candidates and baseline, and the probability of backtest overfitting.

`research_report(desk, ref)` gathers what the desk stored and returns one self-contained HTML
page (plotly.js inline, so it opens offline); `write_report` saves it atomically.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.cli.render import fmt_dsr
from engine.errors import AurumError
from engine.learner.records import candidate_name
from engine.ledger import ResultSeries
from engine.metrics.bootstrap import RESAMPLES, ConfidenceInterval, bootstrap_ci
from engine.metrics.breakdown import results_by_session
from engine.metrics.catalog import CONVENTION, money
from engine.metrics.pbo import PBOResult, probability_of_backtest_overfitting
from engine.metrics.returns import daily_returns, sharpe_ratio
from engine.metrics.trading import expectancy, net_profit, profit_factor
from engine.registry.types import VersionInfo
from engine.research import charts
from engine.research.page import figure_html, page, table

SEED = 20150101  # fixed: the same version always gives the same intervals


@dataclass(frozen=True)
class ResearchInputs:
    """What the report shows, read from the desk once."""

    version: VersionInfo
    trades: ResultSeries
    initial_equity: float
    session_id: int | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    importances: dict[str, float] = field(default_factory=dict)
    n_trials: int | None = None
    regimes: pd.DataFrame | None = None
    currency: str = "USD"
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None  # the evaluated (out-of-sample) span


def gather(desk: Any, ref: str | int) -> ResearchInputs:
    """The version, its stored backtest trades and its learning session's record."""
    version = desk.version(ref)
    result: dict[str, Any] = dict(version.details)
    if version.session_id is not None:
        result = {**result, **desk.learning_session(version.session_id).result}
    n_trials = result.get("n_trials")
    trades = desk.backtest_results(version.id)
    span = result.get("oos_window") or []
    return ResearchInputs(
        version=version,
        trades=trades,
        initial_equity=desk.config().account.initial_balance,
        session_id=version.session_id,
        candidates=list(result.get("candidates") or []),
        importances={str(k): float(v) for k, v in (result.get("importances") or {}).items()},
        n_trials=int(n_trials) if n_trials is not None else None,
        regimes=regime_results(desk, version) if len(trades) else None,
        currency=desk.config().account.currency,
        window=(pd.Timestamp(span[0]), pd.Timestamp(span[1])) if len(span) == 2 else None,
    )


def regime_results(desk: Any, version: VersionInfo) -> pd.DataFrame:
    """The version's backtest trades by the market regime of the last bar closed at entry
    (engine.regimes, detected from past bars only)."""
    from engine.regimes.breakdown import metrics_by_regime

    trades = desk.trades(version.id, source="backtest")
    entries = pd.DataFrame(
        {
            "open_time": _ns([t.open_time for t in trades]),
            "net_profit": [t.net_profit for t in trades],
        }
    )
    bars = desk.bars(version.symbol, version.timeframe)
    bars = bars.assign(time=_ns(bars["time"]))
    return metrics_by_regime(entries, bars, getattr(desk.config(), "regimes", None))


def _ns(times: Any) -> pd.DatetimeIndex:
    """UTC times in nanoseconds: entry and bar times must share a unit to be compared (Python
    datetimes become microseconds under pandas 3, stored bars nanoseconds)."""
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True)).as_unit("ns")


def _win_rate(p: np.ndarray) -> float:
    return float((p > 0).mean()) if p.size else math.nan


TRADE_STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "net_profit": net_profit,
    "expectancy": expectancy,
    "win_rate": _win_rate,
    "profit_factor": profit_factor,
}


def metric_intervals(
    trades: ResultSeries,
    *,
    initial_equity: float,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> dict[str, ConfidenceInterval]:
    """Bootstrap intervals of the per-trade metrics (trades resampled) and of the Sharpe ratio
    (daily returns over every trading day of `window` resampled, annualised with √252)."""
    out = {
        name: bootstrap_ci(trades.net_profit, stat, resamples=resamples, seed=seed)
        for name, stat in TRADE_STATISTICS.items()
    }
    daily = (
        daily_returns(
            trades.net_profit, trades.close_time, initial_equity=initial_equity, window=window
        )
        if len(trades)
        else pd.Series(dtype=float)
    )
    days = daily.dropna().to_numpy(dtype=float)
    out["sharpe"] = bootstrap_ci(days, sharpe_ratio, resamples=resamples, seed=seed)
    return out


def results_by_hour(close_times: pd.DatetimeIndex, profits: np.ndarray) -> pd.DataFrame:
    """Trades, net profit and win rate per UTC hour of close (hours with trades only)."""
    frame = pd.DataFrame({"hour": close_times.hour, "p": profits})
    grouped = frame.groupby("hour")["p"]
    return pd.DataFrame(
        {
            "trades": grouped.size(),
            "net_profit": grouped.sum(),
            "win_rate": grouped.apply(lambda p: float((p > 0).mean())),
        }
    ).reset_index()


def fold_matrix(candidates: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Folds × candidates matrix of out-of-sample net profit per walk-forward fold."""
    columns = [[float(f["net_profit"]) for f in c.get("folds") or []] for c in candidates]
    lengths = {len(col) for col in columns}
    if len(lengths) != 1 or not columns or not columns[0]:
        return np.zeros((0, len(columns)))
    return np.array(columns, dtype=float).T


MIN_DAYS = 16  # fewer out-of-sample days than groups CSCV wants: use the folds


def daily_matrix(candidates: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Days × candidates matrix of out-of-sample net result per day (sessions record it since
    ensembles landed); empty when a candidate lacks it or the lengths differ."""
    columns = [[float(x) for x in c.get("daily_net") or []] for c in candidates]
    lengths = {len(col) for col in columns}
    if len(lengths) != 1 or not columns or not columns[0]:
        return np.zeros((0, len(columns)))
    return np.array(columns, dtype=float).T


def pbo_matrix(candidates: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, str]:
    """The performance matrix PBO is estimated on and its periods ("days" or "folds"): daily
    results when the session recorded at least MIN_DAYS of them, else per-fold results."""
    days = daily_matrix(candidates)
    if days.shape[0] >= MIN_DAYS:
        return days, "days"
    return fold_matrix(candidates), "folds"


def candidates_pbo(candidates: Sequence[Mapping[str, Any]]) -> PBOResult | None:
    """PBO over the session's candidates from their daily (else per-fold) out-of-sample results;
    None when it cannot be estimated (fewer than 2 candidates or 2 periods)."""
    m, _ = pbo_matrix(candidates)
    if m.shape[0] < 2 or m.shape[1] < 2:
        return None
    return probability_of_backtest_overfitting(m)


# --- sections -------------------------------------------------------------------------------


def _num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    return f"{number:,.{digits}f}"


def _cell(value: Any, digits: int = 2, **data: str) -> dict[str, Any]:
    """A table cell showing `value` rounded, carrying its exact value as data-value."""
    exact = "" if value is None else repr(float(value))
    return {"text": _num(value, digits), "data": {**data, "value": exact}}


METRIC_ROWS = (
    ("trades", "Trades", 0),
    ("days", "Trading days in the window", 0),
    ("net_profit", "Net profit ({currency})", 2),
    ("win_rate", "Win rate", 4),
    ("profit_factor", "Profit factor", 3),
    ("expectancy", "Expectancy ({currency} per trade)", 3),
    ("sharpe", "Sharpe (daily, ×√252)", 3),
    ("sortino", "Sortino (daily, ×√252)", 3),
    ("max_drawdown", "Max drawdown ({currency})", 2),
    ("max_drawdown_pct", "Max drawdown (% of peak)", 2),
    ("psr", "Probabilistic Sharpe (PSR)", 4),
    ("dsr", "Deflated Sharpe (DSR, {trials})", 4),
)


def metrics_section(inputs: ResearchInputs) -> str:
    stored = inputs.version.metrics
    intervals = metric_intervals(
        inputs.trades, initial_equity=inputs.initial_equity, window=inputs.window
    )
    recorded = stored.get("dsr_trials")
    trials = int(recorded) if recorded is not None else inputs.n_trials
    counted = f"{trials} trials" if trials is not None else "trials not recorded"
    rows = []
    for name, template, digits in METRIC_ROWS:
        label = template.format(currency=inputs.currency, trials=counted)
        ci = intervals.get(name)
        low = _cell(ci.low if ci else None, digits, bound="low", metric=name)
        high = _cell(ci.high if ci else None, digits, bound="high", metric=name)
        rows.append([label, _cell(stored.get(name), digits, metric=name), low, high])
    return (
        table(["Metric", "Stored (learner)", "95 % low", "95 % high"], rows)
        + f"<p>Intervals: percentile bootstrap, {RESAMPLES:,} resamples (seed {SEED}) of the "
        "per-trade net profits; Sharpe resamples daily returns. The deflated Sharpe ratio is the "
        "probability that the true Sharpe beats the best of "
        f"<b>{escape(counted)}</b> by luck: every candidate, search trial and ensemble "
        "evaluated on the lineage up to this version's session. Stored values are what the "
        f"learner recorded for these trades. {escape(CONVENTION)}.</p>"
    )


def sessions_section(trades: ResultSeries, currency: str = "USD") -> str:
    rows = [
        [
            r.session,
            _cell(r.trades, 0),
            _cell(r.net_profit),
            _cell(r.win_rate, 3),
            _cell(r.expectancy, 3),
        ]
        for r in results_by_session(trades.close_time, trades.net_profit)
    ]
    head = ["Session (UTC hours)", "Trades", f"Net profit ({currency})", "Win rate"]
    head.append(f"Expectancy ({currency})")
    hourly = results_by_hour(trades.close_time, trades.net_profit)
    return table(head, rows) + figure_html(charts.hourly_chart(hourly, currency))


def regimes_section(by_regime: pd.DataFrame, currency: str = "USD") -> str:
    rows = [
        [
            str(r.regime),
            _cell(r.trades, 0, regime=str(r.regime)),
            _cell(r.net_profit),
            _cell(r.win_rate, 3),
            _cell(r.expectancy, 3),
        ]
        for r in by_regime.itertuples()
    ]
    head = ["Regime at entry", "Trades", f"Net profit ({currency})", "Win rate"]
    head.append(f"Expectancy ({currency})")
    return table(head, rows) + (
        "<p>Volatility (ATR percentile over trailing bars) and trend (least-squares slope in "
        "ATR units) of the last bar closed when the trade was entered: what was known then. "
        "<i>unknown</i>: entered before the stored bars give a regime.</p>"
    )


def candidates_section(inputs: ResearchInputs) -> str:
    if not inputs.candidates:
        return "<p>No learning-session record is stored for this version.</p>"
    rows = []
    for c in inputs.candidates:
        m = c.get("metrics") or {}
        rows.append(
            [
                ("★ " if c.get("winner") else "") + candidate_name(c),
                _cell(m.get("trades"), 0),
                _cell(m.get("net_profit")),
                _cell(m.get("expectancy"), 3),
                _cell(m.get("sharpe"), 3),
                fmt_dsr(m),
                _cell(m.get("baseline_expectancy"), 3),
                _cell(m.get("beats_baseline_share"), 2),
                _cell(m.get("strongest_baseline_expectancy"), 3),
                str(c.get("reason", "")),
            ]
        )
    unit = f"({inputs.currency})"
    head = ["Candidate", "Trades", f"Net profit {unit}", f"Expectancy {unit}", "Sharpe"]
    head += ["DSR (trials)", f"50/50 baseline expectancy {unit}", "Beats 50/50 share"]
    head += [f"Strongest baseline expectancy {unit}", "Outcome"]
    where = f"learning session #{inputs.session_id}" if inputs.session_id else "the version"
    return (
        f"<p>Every candidate of {escape(where)}, scored on the same out-of-sample walk-forward "
        "folds with costs. Baselines enter at the model's own entry bars with the same barriers "
        "and costs: random 50/50 sides (20 seeds; the share says how often the model beat "
        "them), the model's own long/short mix in random order (20 seeds), always long and "
        "always short. The strongest of them is the one a model has to beat.</p>"
        + table(head, rows)
    )


def pbo_section(candidates: Sequence[Mapping[str, Any]]) -> str:
    result = candidates_pbo(candidates)
    if result is None:
        return (
            "<p>Not estimable: PBO needs at least 2 candidates and 2 walk-forward folds "
            f"(this session has {len(candidates)} candidate(s)).</p>"
        )
    verdict = "likely overfit" if result.pbo > 0.5 else "no sign of selection overfitting"
    _, basis = pbo_matrix(candidates)
    period = "day" if basis == "days" else "fold"
    dropped = (
        f" The earliest {result.dropped_periods} {period}(s) were dropped to make equal groups."
        if result.dropped_periods
        else ""
    )
    source = (
        f"the performance matrix is {result.n_periods} out-of-sample days × "
        f"{result.n_candidates} candidates of net result per day (trades by entry day, after "
        "costs)"
        if basis == "days"
        else "this session stored fold-level results only, so the performance matrix is "
        f"{result.n_periods} folds × {result.n_candidates} candidates of out-of-sample net "
        "profit per fold; with this few periods the estimate is coarse"
    )
    return (
        f'<p class="headline">PBO = <b data-value="{result.pbo!r}">{result.pbo:.2f}</b> '
        f"({verdict}).</p><p>Combinatorially symmetric cross-validation (Bailey, Borwein, López "
        f"de Prado &amp; Zhu, 2015) over the session's {result.n_candidates} candidates: "
        f"{source}, cut into {result.n_groups} groups ({result.n_splits} splits).{dropped} PBO "
        "is the share of splits where the in-sample best candidate ranks at or below the "
        "out-of-sample median.</p>" + figure_html(charts.pbo_chart(result))
    )


def _trades_sections(inputs: ResearchInputs) -> list[tuple[str, str, str]]:
    t, eq = inputs.trades, inputs.initial_equity
    if not len(t):
        none = "<p>No backtest trades are stored for this version (registered before the "
        none += "learner kept them).</p>"
        return [("equity", "Walk-forward equity after costs", none)]
    return [
        (
            "equity",
            "Walk-forward equity after costs",
            figure_html(
                charts.equity_chart(
                    t.close_time, t.net_profit, initial_equity=eq, currency=inputs.currency
                )
            ),
        ),
        (
            "drawdowns",
            "Drawdowns",
            figure_html(charts.drawdown_chart(t.close_time, t.net_profit, initial_equity=eq)),
        ),
        ("metrics", "Metrics with bootstrap confidence intervals", metrics_section(inputs)),
        ("sessions", "Results by session and hour", sessions_section(t, inputs.currency)),
    ] + (
        [("regimes", "Results by market regime", regimes_section(inputs.regimes, inputs.currency))]
        if inputs.regimes is not None and len(inputs.regimes)
        else []
    )


def render(inputs: ResearchInputs) -> str:
    """The whole page for `inputs`."""
    v = inputs.version
    sections = _trades_sections(inputs)
    if inputs.importances:
        fig = charts.importance_chart(inputs.importances)
        sections.append(("importances", "Feature importances", figure_html(fig)))
    sections += [
        ("candidates", "Learning session: candidates and baseline", candidates_section(inputs)),
        ("pbo", "Probability of backtest overfitting", pbo_section(inputs.candidates)),
    ]
    trades, times = len(inputs.trades), inputs.trades.close_time
    window = f"{times[0]:%Y-%m-%d %H:%M} to {times[-1]:%Y-%m-%d %H:%M} UTC" if trades else "none"

    intro = (
        f"<p>{escape(v.algorithm)} on {escape(v.symbol)} {escape(v.timeframe)}; "
        f"{trades:,} out-of-sample backtest trades ({window}), after spread and commission; "
        f"initial balance {money(inputs.initial_equity, inputs.currency)}. "
        f"{escape(sizing_text(v.details))} Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>"
    )
    return page(f"Research report — {v.lineage}:v{v.version}", intro, sections)


def sizing_text(details: Mapping[str, Any]) -> str:
    """Which size the backtest trades were booked at: always the session's fixed lot size."""
    lots = (details.get("costs") or {}).get("lot_size")
    fixed = f"a fixed {lots:g} lots" if isinstance(lots, int | float) else "a fixed size"
    return (
        f"Sizing: every trade is {fixed} (costs.lot_size of the session), whatever risk.sizing "
        "says; live signals are sized by the risk section."
    )


def research_report(desk: Any, ref: str | int) -> str:
    """The research report of version `ref` as one self-contained HTML page."""
    return render(gather(desk, ref))


def report_file_name(ref: str) -> str:
    """research-<lineage>-vN.html for a lineage:vN ref (safe as a file name anywhere)."""
    return "research-" + re.sub(r"[^A-Za-z0-9._-]+", "-", ref.replace(":", "-")) + ".html"


def write_report(path: str | Path, html: str) -> Path:
    """Write `html` to `path` atomically: a temp file in the same folder, fsynced, renamed over
    the target; on any failure the old file (if any) is left as it was."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise AurumError(
            f"cannot write the report to {target}: {err.strerror or err}; nothing was changed"
        ) from None
    return target
