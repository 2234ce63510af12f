"""Table builders: engine dataclasses in, pandas DataFrames out (no Streamlit, no database).

Numbers stay numbers (percent columns hold percent, money columns the account currency, whose
code ends their name: "expectancy EUR") so tables sort and tests can assert on values;
`column_config` says how Streamlit shows them. Every column holds figures of one source
(backtest, live, shadow) and says which when a table has more than one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.charts import live_shortfall
from dashboard.provenance import origin_label, session_origin
from engine.cli.render import fmt_dsr, fmt_metric
from engine.learner.records import candidate_name
from engine.metrics.catalog import CONVENTION, METRICS

BACKTEST_COLUMNS = {
    "win_rate": "win rate %",
    "profit_factor": "profit factor",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown_pct": "max DD % of peak",
    "expectancy": "expectancy",
    "psr": "PSR %",
}
LIVE_COLUMNS = {"sharpe": "Sharpe", "expectancy": "expectancy", "psr": "PSR %"}
MONEY_METRICS = ("expectancy", "net_profit", "max_drawdown", "average_win", "average_loss")
Figures = Mapping[int, tuple[Mapping[str, Any], int]]  # version id -> (metrics, trades)
HEADLINE = (
    "trades",
    "net_profit",
    "win_rate",
    "profit_factor",
    "expectancy",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_pct",
    "psr",
    "dsr",
)


def _num(value: Any) -> float | None:
    """A finite float, +/-inf kept, None for missing or nan."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _shown(metric: str, value: Any) -> float | None:
    """A metric as a table number: fractions and probabilities in percent."""
    number = _num(value)
    unit = METRICS[metric].unit if metric in METRICS else ""
    if number is not None and unit in ("fraction", "probability"):
        return number * 100.0
    return number


def _utc(value: datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _header(source: str, metric: str, column: str, currency: str) -> str:
    """A column's title: its source first, money columns end with the currency code."""
    return f"{source} {column}" + (f" {currency}" if metric in MONEY_METRICS else "")


def leaderboard_frame(
    versions: Sequence[Any],
    backtest: Figures | None = None,
    live: Figures | None = None,
    *,
    currency: str = "USD",
) -> pd.DataFrame:
    """The ranked versions (order kept: the engine's ranking). Each figure column holds one
    source for every row ("backtest …", "live …"); "ranked on" says which figures the score
    used for that version (live once it has selection.min_live_trades live trades)."""
    rows = []
    for rank, v in enumerate(versions, start=1):
        m, trades = _figures(v, "backtest", backtest)
        low = _shown("win_rate_low", m.get("win_rate_low"))
        high = _shown("win_rate_high", m.get("win_rate_high"))
        row: dict[str, Any] = {
            "rank": rank,
            "score": _num(getattr(v, "score", None)),
            "version": v.ref,
            "status": v.status,
            "data": origin_label(v.data_origin),
            "ranked on": v.metrics_source or "—",
            "algorithm": v.algorithm,
            "symbol": v.symbol,
            "timeframe": v.timeframe,
        }
        row["backtest trades"] = trades
        for metric, column in BACKTEST_COLUMNS.items():
            row[_header("backtest", metric, column, currency)] = _shown(metric, m.get(metric))
        row["backtest win rate 95 % interval"] = (
            "—" if low is None or high is None else f"{low:.1f}–{high:.1f} %"
        )
        row["backtest DSR (trials)"] = fmt_dsr(m) if m else "—"
        if live is not None:
            lm, row["live trades"] = _figures(v, "live", live)
            for metric, column in LIVE_COLUMNS.items():
                row[_header("live", metric, column, currency)] = _shown(metric, lm.get(metric))
        row["aliases"] = ", ".join(getattr(v, "aliases", ()))
        row["tags"] = ", ".join(f"{k}={x}" for k, x in getattr(v, "tags", {}).items())
        row["not ranked because"] = getattr(v, "ineligible_reason", "") or ""
        row["created (UTC)"] = _utc(v.created_at)
        rows.append(row)
    return pd.DataFrame(rows)


def _figures(v: Any, source: str, figures: Figures | None) -> tuple[Mapping[str, Any], int]:
    """A version's figures of `source` and their trade count: from `figures` when given, else
    its own when they are of that source (never another source's figures under this title)."""
    if figures is not None:
        metrics, trades = figures.get(v.id, ({}, 0))
        return metrics, int(trades)
    if v.metrics_source == source:
        return v.metrics, int(v.metrics_trades or 0)
    return {}, 0


def leaderboard_columns(currency: str = "USD") -> dict[str, Any]:
    """How the leaderboard's numbers are shown (units in the headers, conventions in help)."""
    number = st.column_config.NumberColumn
    out: dict[str, Any] = {
        "score": number(
            format="%.3f",
            help="Weighted percentile score (selection.weight_*), 0 = worst, 1 = best",
        )
    }
    helps = {
        "win_rate": ("%.1f", "Share of trades with profit > 0"),
        "profit_factor": ("%.2f", "Gross profit / |gross loss|"),
        "sharpe": ("%.2f", CONVENTION),
        "sortino": ("%.2f", CONVENTION),
        "max_drawdown_pct": ("%.1f", "Largest fall, % of the peak equity"),
        "expectancy": ("%.2f", f"Mean net result per trade ({currency})"),
        "psr": ("%.0f", "Probability that the true Sharpe is above 0"),
    }
    for source, columns in (("backtest", BACKTEST_COLUMNS), ("live", LIVE_COLUMNS)):
        for metric, column in columns.items():
            if metric in helps:
                fmt, text = helps[metric]
                out[_header(source, metric, column, currency)] = number(format=fmt, help=text)
    return out


def comparison_frame(
    comparison: Any,
    currency: str = "USD",
    source: str = "",
    origins: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Side by side: one row per metric, one column per version (titled with the figures'
    `source` when given), the better value starred; with `origins` (ref -> data origin) a
    first row says what each learnt from (DEMO: generated)."""
    titles = {ref: f"{ref} ({source})" if source else ref for ref in comparison.refs}
    rows = []
    if origins:
        rows.append(
            {"metric": "trained on", "better": "", **{
                titles[ref]: origin_label(origins.get(ref, "—")) for ref in comparison.refs
            }}
        )  # fmt: skip
    for row in comparison.rows:
        line = {"metric": row.label, "better": "higher" if row.higher_is_better else "lower"}
        for ref in comparison.refs:
            text = fmt_metric(row.metric, row.values.get(ref), currency)
            line[titles[ref]] = f"★ {text}" if row.best == ref else text
        rows.append(line)
    return pd.DataFrame(rows, columns=["metric", *titles.values(), "better"])


def side_by_side(
    columns: Mapping[str, Mapping[str, Any]],
    names: Sequence[str] = HEADLINE,
    *,
    currency: str = "USD",
) -> pd.DataFrame:
    """Headline metrics of several sources (backtest, live, champion...) with units; the DSR
    with the number of trials it was deflated for."""
    return pd.DataFrame(
        [
            {
                "metric": METRICS[name].label,
                **{
                    title: _cell(name, values, currency) if values else "—"
                    for title, values in columns.items()
                },
            }
            for name in names
        ]
    )


def _cell(name: str, values: Mapping[str, Any], currency: str) -> str:
    if name == "dsr":
        return fmt_dsr(values) if _num(values.get("dsr")) is not None else "—"
    return fmt_metric(name, _num(values.get(name)), currency)


def live_column(trades: int, needed: int) -> str:
    """The live column's title, qualified when its figures rest on too few trades."""
    short = live_shortfall(trades, needed)
    return f"live ({short})" if short else "live"


def headline_frame(
    backtest: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    live_needed: int = 0,
    currency: str = "USD",
) -> pd.DataFrame:
    """Backtest (out of sample) against live numbers of one version, with units; the live
    column says so when it rests on fewer than `live_needed` trades."""
    trades = int(_num(live.get("trades")) or 0) if live else 0
    return side_by_side(
        {"backtest (out of sample)": backtest, live_column(trades, live_needed): live},
        currency=currency,
    )


def candidates_frame(
    candidates: Sequence[Mapping[str, Any]], currency: str = "USD"
) -> pd.DataFrame:
    """A session's candidates: out-of-sample numbers after costs, the baselines they met and
    why each won or lost."""
    rows = []
    for c in candidates:
        m = c.get("metrics", {})
        cls = c.get("classification", {})
        beats = m.get("beats_baselines")
        rows.append(
            {
                "candidate": ("★ " if c.get("winner") else "") + candidate_name(c),
                "trades": int(m.get("trades") or 0),
                "win rate %": _shown("win_rate", m.get("win_rate")),
                "profit factor": _num(m.get("profit_factor")),
                f"expectancy {currency}": _num(m.get("expectancy")),
                f"50/50 baseline expectancy {currency}": _num(m.get("baseline_expectancy")),
                f"strongest baseline expectancy {currency}": _num(
                    m.get("strongest_baseline_expectancy")
                ),
                "beats every baseline": "—" if beats is None else ("yes" if beats else "no"),
                "Sharpe": _num(m.get("sharpe")),
                "max DD % of peak": _num(m.get("max_drawdown_pct")),
                "PSR %": _shown("psr", m.get("psr")),
                "DSR (trials)": fmt_dsr(m) if _num(m.get("dsr")) is not None else "—",
                "ROC AUC": _num(cls.get("roc_auc")),
                "seconds": _num(c.get("seconds")),
                "verdict": c.get("reason", ""),
            }
        )
    return pd.DataFrame(rows)


def baselines_frame(candidate: Mapping[str, Any], currency: str = "USD") -> pd.DataFrame:
    """Every no-skill baseline a candidate met at its entry bars, the strongest starred."""
    return pd.DataFrame(
        [
            {
                "baseline": ("★ " if b.get("strongest") else "") + str(b.get("label")),
                "runs": b.get("seeds"),
                f"mean expectancy {currency}": _num(b.get("mean_expectancy")),
                f"mean net {currency}": _num(b.get("mean_net_profit")),
                "mean Sharpe": _num(b.get("mean_sharpe")),
                "runs at least as good as the model %": _shown(
                    "win_rate", b.get("share_at_least_model")
                ),
            }
            for b in candidate.get("baselines") or []
        ]
    )


def folds_frame(folds: Sequence[Mapping[str, Any]], currency: str = "USD") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "fold": f["fold"],
                "test window (UTC)": f"{str(f['test_start'])[:16]} → {str(f['test_end'])[:16]}",
                "train samples": f.get("train_samples"),
                "trades": f.get("trades"),
                f"net {currency}": _num(f.get("net_profit")),
                "win rate %": _shown("win_rate", f.get("win_rate")),
                "Sharpe": _num(f.get("sharpe")),
                "ROC AUC": _num(f.get("roc_auc")),
                "log loss": _num(f.get("log_loss")),
            }
            for f in folds
        ]
    )


def features_frame(selected: Iterable[str], importances: Mapping[str, float]) -> pd.DataFrame:
    """Every feature with its importance, and whether the final model kept it."""
    chosen = set(selected)
    names = list(importances) or sorted(chosen)
    rows = [
        {"feature": n, "importance": _num(importances.get(n)), "selected": n in chosen}
        for n in names
    ]
    frame = pd.DataFrame(rows, columns=["feature", "importance", "selected"])
    return frame.sort_values("importance", ascending=False, na_position="last").reset_index(
        drop=True
    )


def sessions_frame(
    sessions: Sequence[Any], version_origins: Mapping[int, str] | None = None
) -> pd.DataFrame:
    """The sessions, with what each learnt from (`data`: DEMO for generated bars)."""
    origins = version_origins or {}
    return pd.DataFrame(
        [
            {
                "session": s.id,
                "data": origin_label(session_origin(s, origins)),
                "trigger": s.trigger,
                "by": s.requested_by,
                "started (UTC)": _utc(s.started_at or s.created_at),
                "duration s": None if s.duration_seconds is None else round(s.duration_seconds, 1),
                "outcome": s.status.replace("_", " "),
                "version": s.version_id,
                "message": s.error or s.message,
            }
            for s in sessions
        ],
        columns=[
            "session",
            "data",
            "trigger",
            "by",
            "started (UTC)",
            "duration s",
            "outcome",
            "version",
            "message",
        ],
    )


def activations_frame(records: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "when (UTC)": _utc(r.created_at),
                "kind": r.kind,
                "from": r.from_ref or "—",
                "to": r.to_ref,
                "by": r.actor,
                "reason": r.reason,
            }
            for r in records
        ],
        columns=["when (UTC)", "kind", "from", "to", "by", "reason"],
    )


def audit_frame(records: Sequence[Any], sessions: Sequence[Any] = ()) -> pd.DataFrame:
    """Every audited action, plus the start of each learning session, newest first."""
    rows = [
        {
            "when (UTC)": r.created_at,
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "details": json.dumps(r.detail, default=str) if r.detail else "",
        }
        for r in records
    ]
    rows += [
        {
            "when (UTC)": s.started_at,
            "actor": s.requested_by,
            "action": "learning.start",
            "target": f"#{s.id}",
            "details": json.dumps({"trigger": s.trigger, "data": f"{s.symbol} {s.timeframe}"}),
        }
        for s in sessions
        if s.started_at is not None
    ]
    frame = pd.DataFrame(rows, columns=["when (UTC)", "actor", "action", "target", "details"])
    if frame.empty:
        return frame
    frame = frame.sort_values("when (UTC)", ascending=False).reset_index(drop=True)
    frame["when (UTC)"] = frame["when (UTC)"].map(_utc)
    return frame


def diff_frame(diff: Mapping[str, tuple[Any, Any]]) -> pd.DataFrame:
    """A config diff as key / before / after (values as JSON so lists and nulls read well)."""
    return pd.DataFrame(
        [{"key": k, "before": json.dumps(b), "after": json.dumps(a)} for k, (b, a) in diff.items()],
        columns=["key", "before", "after"],
    )


def config_history_frame(changes: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "change": c.id,
                "when (UTC)": _utc(c.created_at),
                "by": c.actor,
                "reason": c.reason,
                "keys": ", ".join(c.diff),
            }
            for c in changes
        ],
        columns=["change", "when (UTC)", "by", "reason", "keys"],
    )


def version_facts(v: Any) -> pd.DataFrame:
    """One version's identity: what it is, what it learnt from, where its file is."""
    facts = [
        ("version", v.ref),
        ("status", v.status + (" (pinned)" if v.pinned and v.status != "pinned" else "")),
        ("algorithm", v.algorithm),
        ("symbol / timeframe", f"{v.symbol} {v.timeframe}"),
        ("trained on", f"{origin_label(v.data_origin)} bars of {v.symbol} {v.timeframe}"),
        ("training window (UTC)", f"{_utc(v.train_start)} → {_utc(v.train_end)}"),
        ("data hash", v.data_hash or "—"),
        ("artifact sha256", v.artifact_sha256 or "—"),
        ("artifact size", f"{v.artifact_size / 1024:,.1f} KiB" if v.artifact_size else "—"),
        ("learning session", f"#{v.session_id}" if v.session_id else "—"),
        ("registered (UTC)", _utc(v.created_at)),
        ("notes", v.notes or "—"),
    ]
    return pd.DataFrame(facts, columns=["field", "value"])


def trades_frame(trades: Sequence[Any], currency: str = "USD") -> pd.DataFrame:
    net = f"net {currency}"
    return pd.DataFrame(
        [
            {
                "ticket": t.ticket,
                "side": t.side,
                "opened (UTC)": _utc(t.open_time),
                "closed (UTC)": _utc(t.close_time),
                net: round(t.net_profit, 2),
                "lots": t.volume,
                "confidence %": None if t.confidence is None else round(t.confidence * 100, 1),
            }
            for t in trades
        ],
        columns=["ticket", "side", "opened (UTC)", "closed (UTC)", net, "lots", "confidence %"],
    )


def daily_counts(times: pd.Series) -> pd.DataFrame:
    """Bars per UTC day from the first to the last day, zero on days with none (the gaps)."""
    if times.empty:
        return pd.DataFrame({"day": [], "bars": []})
    days = pd.to_datetime(times, utc=True).dt.floor("D")
    counts = days.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    counts = counts.reindex(full, fill_value=0)
    return pd.DataFrame({"day": full.date, "bars": counts.to_numpy(dtype=int)})


def number_formats(frame: pd.DataFrame, currency: str = "USD") -> dict[str, Any]:
    """Display formats by column name: "%" columns one decimal, money columns (their name
    carries the currency code) two, other floats three."""
    number = st.column_config.NumberColumn
    out: dict[str, Any] = {}
    for column in frame.columns:
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        name = str(column)
        if "%" in name:
            out[name] = number(format="%.1f")
        elif currency in name.split():
            out[name] = number(format="%.2f")
        else:
            out[name] = number(format="%.3f")
    return out
