"""What sets versions apart, as tables: their parameters and features side by side (those that
differ apart from those they share), and two versions' key figures next to each other before
an activation or a rollback. Pure: versions in, DataFrames out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.provenance import origin_label
from engine.cli.render import fmt_dsr, fmt_metric

ABSENT = "—"
KEY_FIGURES = ("trades", "expectancy", "profit_factor", "sharpe", "dsr", "max_drawdown_pct")
KEY_LABELS = {
    "trades": "trades",
    "expectancy": "expectancy",
    "profit_factor": "profit factor",
    "sharpe": "Sharpe",
    "dsr": "DSR (trials)",
    "max_drawdown_pct": "max DD % of peak",
}


@dataclass(frozen=True)
class VersionDiff:
    """Rows of `kind` (parameter | feature), `name`, then one column per version: `differ`
    where the versions disagree, `same` where they all agree."""

    differ: pd.DataFrame
    same: pd.DataFrame


def flat_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested parameters (an ensemble's members) as dotted names: {"rf.max_depth": 8}."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Mapping):
            out.update(flat_params(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def version_diff(versions: Sequence[Any]) -> VersionDiff:
    """The algorithm, every parameter and every feature of the versions, split into those
    that differ (a parameter one version lacks shows "—"; a feature shows "used" or "—") and
    those all of them share."""
    refs = [v.ref for v in versions]
    rows: list[dict[str, Any]] = []
    params = [{"algorithm": v.algorithm, **flat_params(v.params or {})} for v in versions]
    for name in dict.fromkeys(n for p in params for n in p):
        cells = [_text(p[name]) if name in p else ABSENT for p in params]
        rows.append({"kind": "parameter", "name": name, **dict(zip(refs, cells, strict=True))})
    used = [set(v.features or ()) for v in versions]
    for name in dict.fromkeys(f for v in versions for f in v.features or ()):
        cells = ["used" if name in u else ABSENT for u in used]
        rows.append({"kind": "feature", "name": name, **dict(zip(refs, cells, strict=True))})
    frame = pd.DataFrame(rows, columns=["kind", "name", *refs])
    agree = frame[refs].nunique(axis=1) <= 1 if len(frame) else pd.Series(dtype=bool)
    return VersionDiff(frame[~agree].reset_index(drop=True), frame[agree].reset_index(drop=True))


def key_figures_frame(columns: Mapping[str, Any | None], currency: str = "USD") -> pd.DataFrame:
    """Two (or more) versions' stored key figures side by side, each column titled by its
    role and version: the source first (the figures the version is ranked on: live once it
    has enough live trades, else its out-of-sample backtest), then what it learnt from."""
    rows: list[dict[str, str]] = [
        {"figure": "source", **{t: _source(v) for t, v in columns.items()}},
        {"figure": "trained on", **{
            t: origin_label(v.data_origin) if v else ABSENT for t, v in columns.items()
        }},
    ]  # fmt: skip
    for metric in KEY_FIGURES:
        rows.append(
            {
                "figure": KEY_LABELS[metric],
                **{t: _figure(v, metric, currency) for t, v in columns.items()},
            }
        )
    return pd.DataFrame(rows, columns=["figure", *columns])


def _source(v: Any | None) -> str:
    if v is None or not v.metrics:
        return "no stored figures"
    return "backtest (out of sample)" if v.metrics_source == "backtest" else v.metrics_source


def _figure(v: Any | None, metric: str, currency: str) -> str:
    if v is None or not v.metrics:
        return ABSENT
    if metric == "dsr":
        return fmt_dsr(v.metrics) if v.metrics.get("dsr") is not None else ABSENT
    if metric == "trades":
        return str(int(v.metrics_trades or 0))
    return fmt_metric(metric, v.metrics.get(metric), currency)
