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
from engine.metrics.catalog import METRICS

MONEY_METRICS = ("expectancy", "net_profit", "max_drawdown", "average_win", "average_loss")
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


def number_or_none(value: Any) -> float | None:
    """A finite float, +/-inf kept, None for missing or nan."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def table_number(metric: str, value: Any) -> float | None:
    """A metric as a table number: fractions and probabilities in percent."""
    number = number_or_none(value)
    unit = METRICS[metric].unit if metric in METRICS else ""
    if number is not None and unit in ("fraction", "probability"):
        return number * 100.0
    return number


def utc_text(value: datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


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
        return fmt_dsr(values) if number_or_none(values.get("dsr")) is not None else "—"
    return fmt_metric(name, number_or_none(values.get(name)), currency)


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
    trades = int(number_or_none(live.get("trades")) or 0) if live else 0
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
                "win rate %": table_number("win_rate", m.get("win_rate")),
                "profit factor": number_or_none(m.get("profit_factor")),
                f"expectancy {currency}": number_or_none(m.get("expectancy")),
                f"50/50 baseline expectancy {currency}": number_or_none(
                    m.get("baseline_expectancy")
                ),
                f"strongest baseline expectancy {currency}": number_or_none(
                    m.get("strongest_baseline_expectancy")
                ),
                "beats every baseline": "—" if beats is None else ("yes" if beats else "no"),
                "Sharpe": number_or_none(m.get("sharpe")),
                "max DD % of peak": number_or_none(m.get("max_drawdown_pct")),
                "PSR %": table_number("psr", m.get("psr")),
                "DSR (trials)": fmt_dsr(m) if number_or_none(m.get("dsr")) is not None else "—",
                "ROC AUC": number_or_none(cls.get("roc_auc")),
                "seconds": number_or_none(c.get("seconds")),
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
                f"mean expectancy {currency}": number_or_none(b.get("mean_expectancy")),
                f"mean net {currency}": number_or_none(b.get("mean_net_profit")),
                "mean Sharpe": number_or_none(b.get("mean_sharpe")),
                "runs at least as good as the model %": table_number(
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
                f"net {currency}": number_or_none(f.get("net_profit")),
                "win rate %": table_number("win_rate", f.get("win_rate")),
                "Sharpe": number_or_none(f.get("sharpe")),
                "ROC AUC": number_or_none(f.get("roc_auc")),
                "log loss": number_or_none(f.get("log_loss")),
            }
            for f in folds
        ]
    )


def features_frame(selected: Iterable[str], importances: Mapping[str, float]) -> pd.DataFrame:
    """Every feature with its importance, and whether the final model kept it."""
    chosen = set(selected)
    names = list(importances) or sorted(chosen)
    rows = [
        {"feature": n, "importance": number_or_none(importances.get(n)), "selected": n in chosen}
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
                "started (UTC)": utc_text(s.started_at or s.created_at),
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
                "when (UTC)": utc_text(r.created_at),
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
    frame["when (UTC)"] = frame["when (UTC)"].map(utc_text)
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
                "when (UTC)": utc_text(c.created_at),
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
        ("training window (UTC)", f"{utc_text(v.train_start)} → {utc_text(v.train_end)}"),
        ("data hash", v.data_hash or "—"),
        ("artifact sha256", v.artifact_sha256 or "—"),
        ("artifact size", f"{v.artifact_size / 1024:,.1f} KiB" if v.artifact_size else "—"),
        ("learning session", f"#{v.session_id}" if v.session_id else "—"),
        ("registered (UTC)", utc_text(v.created_at)),
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
                "opened (UTC)": utc_text(t.open_time),
                "closed (UTC)": utc_text(t.close_time),
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
