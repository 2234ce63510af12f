"""The leaderboard table: which columns stay pinned, how all versions sort, which page shows.

Pure (no database): the page hands in the ranked versions, and only the 50 of the page it
shows become rows; the per-source figures (backtest …, live …) are read for those rows only.
The pinned columns hold the figures each version is ranked on, its "source" (live once it has
selection.min_live_trades live trades, else its out-of-sample backtest); every other figure
column holds one source, named in its title.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.tables import MONEY_METRICS, number_or_none, table_number, utc_text
from engine.cli.render import fmt_dsr
from engine.metrics.catalog import CONVENTION

PAGE_SIZE = 50
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
Figures = Mapping[int, tuple[Mapping[str, Any], int]]  # version id -> (metrics, trades)
# Each sort key with the direction that puts the best first; missing values always go last.
SORTS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "rank": (lambda v: None, False),  # the engine's order, as listed
    "trades": (lambda v: v.metrics_trades, True),
    "expectancy": (lambda v: v.metrics.get("expectancy"), True),
    "profit factor": (lambda v: v.metrics.get("profit_factor"), True),
    "Sharpe": (lambda v: v.metrics.get("sharpe"), True),
    "DSR": (lambda v: v.metrics.get("dsr"), True),
    "max DD %": (lambda v: v.metrics.get("max_drawdown_pct"), False),
    "newest": (lambda v: v.created_at, True),
}


PINNED_WIDTH = 734  # px: the widths below; Streamlit pins nothing past 60 % of the table


def pinned_columns(currency: str = "USD") -> list[str]:
    """What stays on screen at 1,400 px whatever else is shown: who, what it learnt from,
    whose figures, and the figures a trader picks a model by. Short titles (the help says
    each in full): Streamlit unpins every column once the pinned ones take more than 60 % of
    the table's width, and a 1,400 px window gives the table about 1,240 px."""
    return [
        "version",
        "data",
        "source",
        "trades",
        f"exp. {currency}",
        "PF",
        "Sharpe",
        "DSR (trials)",
        "max DD %",
    ]


def more_columns(currency: str = "USD", *, with_live: bool = True) -> list[str]:
    """The columns shown on demand ("More columns"), in table order."""
    names = ["rank", "score", "status", "algorithm", "symbol", "timeframe", "backtest trades"]
    names += [_header("backtest", m, c, currency) for m, c in BACKTEST_COLUMNS.items()]
    names += ["backtest win rate 95 % interval", "backtest DSR (trials)"]
    if with_live:
        names.append("live trades")
        names += [_header("live", m, c, currency) for m, c in LIVE_COLUMNS.items()]
    return [*names, "aliases", "tags", "not ranked because", "created (UTC)"]


def sort_versions(versions: Sequence[Any], by: str, *, reverse: bool = False) -> list[Any]:
    """All versions ordered by `by` (a SORTS key), best first unless `reverse`; versions
    without that figure come last either way, and ties keep the engine's rank order."""
    if by == "rank":
        return list(versions)[::-1] if reverse else list(versions)
    key, best_high = SORTS[by]
    known, missing = [], []
    for v in versions:
        value = key(v)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing.append(v)
        else:
            known.append((value, v))
    known.sort(key=lambda pair: pair[0], reverse=best_high != reverse)
    return [v for _, v in known] + missing


def page_count(n: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(n / size))


def page_of(versions: Sequence[Any], page: int, size: int = PAGE_SIZE) -> Sequence[Any]:
    """Page `page` (from 1; clamped to the last) of `size` versions."""
    page = min(max(1, page), page_count(len(versions), size))
    return versions[(page - 1) * size : page * size]


def _header(source: str, metric: str, column: str, currency: str) -> str:
    """A column's title: its source first, money columns end with the currency code."""
    return f"{source} {column}" + (f" {currency}" if metric in MONEY_METRICS else "")


def leaderboard_frame(
    versions: Sequence[Any],
    backtest: Figures | None = None,
    live: Figures | None = None,
    *,
    currency: str = "USD",
    ranks: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """One row per given version (a page), order kept: the pinned columns on the version's own
    figures ("source"), then "backtest …" and "live …" columns of one source each. `ranks`
    (version id -> place in the engine's ranking) numbers the rows; else their order does."""
    rows = []
    for place, v in enumerate(versions, start=1):
        own = v.metrics or {}
        row: dict[str, Any] = {
            "version": v.ref,
            "data": "DEMO" if v.data_origin == "generated" else v.data_origin,
            "source": v.metrics_source or "—",
            "trades": int(v.metrics_trades or 0),
            f"exp. {currency}": number_or_none(own.get("expectancy")),
            "PF": number_or_none(own.get("profit_factor")),
            "Sharpe": number_or_none(own.get("sharpe")),
            "DSR (trials)": fmt_dsr(own) if own else "—",
            "max DD %": number_or_none(own.get("max_drawdown_pct")),
            "rank": ranks.get(v.id, place) if ranks else place,
            "score": number_or_none(getattr(v, "score", None)),
            "status": v.status,
            "algorithm": v.algorithm,
            "symbol": v.symbol,
            "timeframe": v.timeframe,
        }
        row.update(_source_cells(v, "backtest", backtest, currency))
        if live is not None:
            row.update(_source_cells(v, "live", live, currency))
        row["aliases"] = ", ".join(getattr(v, "aliases", ()))
        row["tags"] = ", ".join(f"{k}={x}" for k, x in getattr(v, "tags", {}).items())
        row["not ranked because"] = getattr(v, "ineligible_reason", "") or ""
        row["created (UTC)"] = utc_text(v.created_at)
        rows.append(row)
    columns = [*pinned_columns(currency), *more_columns(currency, with_live=live is not None)]
    return pd.DataFrame(rows, columns=columns)


def _source_cells(v: Any, source: str, figures: Figures | None, currency: str) -> dict[str, Any]:
    """A version's "backtest …" or "live …" cells, each from that source only."""
    m, trades = _figures(v, source, figures)
    cells: dict[str, Any] = {f"{source} trades": trades}
    columns = BACKTEST_COLUMNS if source == "backtest" else LIVE_COLUMNS
    for metric, column in columns.items():
        cells[_header(source, metric, column, currency)] = table_number(metric, m.get(metric))
    if source == "backtest":
        low = table_number("win_rate_low", m.get("win_rate_low"))
        high = table_number("win_rate_high", m.get("win_rate_high"))
        cells["backtest win rate 95 % interval"] = (
            "—" if low is None or high is None else f"{low:.1f}–{high:.1f} %"
        )
        cells["backtest DSR (trials)"] = fmt_dsr(m) if m else "—"
    return cells


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
    """How the leaderboard's columns are shown: the pinned ones stay left while the rest
    scroll; units in the headers, conventions in the help."""
    number, text = st.column_config.NumberColumn, st.column_config.TextColumn
    own = "of the figures this version is ranked on (its source)"
    out: dict[str, Any] = {
        "version": text(
            pinned=True, width=170, help="Lineage and version number (details: Models page)"
        ),
        "data": text(
            pinned=True,
            width=70,
            help="What it learnt from: imported, live, mixed (both); DEMO = generated bars, "
            "not market data",
        ),
        "source": text(
            pinned=True,
            width=70,
            help="Whose figures the pinned columns hold: live once the version has "
            "selection.min_live_trades live trades, else backtest (out of sample, after costs)",
        ),
        "trades": number(pinned=True, width=60, format="%d", help=f"Closed trades {own}"),
        f"exp. {currency}": number(
            pinned=True,
            width=75,
            format="%.2f",
            help=f"Expectancy: mean net result per trade ({currency}) {own}",
        ),
        "PF": number(
            pinned=True,
            width=50,
            format="%.2f",
            help=f"Profit factor: gross profit / |gross loss| {own}",
        ),
        "Sharpe": number(pinned=True, width=62, format="%.2f", help=f"{CONVENTION}; {own}"),
        "DSR (trials)": text(
            pinned=True,
            width=105,
            help=f"Deflated Sharpe ratio with the number of trials it was deflated for, {own}",
        ),
        "max DD %": number(
            pinned=True, width=72, format="%.1f", help=f"Largest fall, % of peak equity, {own}"
        ),
        "score": number(
            format="%.3f",
            help="Weighted percentile score (selection.weight_*), 0 = worst, 1 = best",
        ),
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
                fmt, note = helps[metric]
                out[_header(source, metric, column, currency)] = number(format=fmt, help=note)
    return out
