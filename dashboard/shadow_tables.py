"""Shadow trading tables: `ShadowStanding` values and paper trades in, DataFrames out (no
Streamlit rendering, no database). Numbers stay numbers; `shadow_columns` says how they show."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.tables import live_column, side_by_side
from engine.metrics.catalog import CONVENTION

SOURCES = ("shadow", "live", "backtest")
SHADOW_TITLE = "shadow (paper, live bars)"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _source_cells(source: str, metrics: Mapping[str, Any], currency: str) -> dict[str, Any]:
    win = _number(metrics.get("win_rate"))
    return {
        f"{source} trades": int(_number(metrics.get("trades")) or 0),
        f"{source} net {currency}": _number(metrics.get("net_profit")),
        f"{source} win %": None if win is None else win * 100.0,
        f"{source} Sharpe": _number(metrics.get("sharpe")),
    }


def shadow_frame(standings: Sequence[Any], currency: str = "USD") -> pd.DataFrame:
    """One row per shadowed version: paper, live and backtest numbers side by side, and a
    challenger's edge over its champion with the test's p-value and trade counts."""
    rows = []
    edge_column = f"edge {currency}/trade"
    for s in standings:
        row: dict[str, Any] = {
            "version": s.ref,
            "market": f"{s.symbol} {s.timeframe}",
            "role": s.role,
            "counts from (UTC)": "—" if s.since is None else f"{s.since:%Y-%m-%d %H:%M}",
        }
        for source in SOURCES:
            row.update(_source_cells(source, getattr(s, source), currency))
        edge = s.edge
        if edge is None:
            row.update({edge_column: None, "p-value": None, "n (challenger/champion)": "—"})
            row["verdict"] = (
                "champion: the reference" if s.role == "champion" else "no champion to compare"
            )
        else:
            t = edge.test
            row[edge_column] = _number(t.edge)
            row["p-value"] = _number(t.p_value)
            row["n (challenger/champion)"] = f"{t.challenger_trades} / {t.champion_trades}"
            row["verdict"] = f"vs {edge.champion_ref}: {edge.verdict}"
        rows.append(row)
    return pd.DataFrame(rows)


def shadow_columns(currency: str = "USD") -> dict[str, Any]:
    """How the shadow table's numbers are shown."""
    number = st.column_config.NumberColumn
    out: dict[str, Any] = {
        f"edge {currency}/trade": number(
            format="%.2f", help="Mean paper profit per trade minus the champion's, same period"
        ),
        "p-value": number(format="%.3f", help="One-sided Welch t-test on net profit per trade"),
    }
    for source in SOURCES:
        out[f"{source} net {currency}"] = number(format="%.2f")
        out[f"{source} win %"] = number(format="%.1f")
        out[f"{source} Sharpe"] = number(format="%.2f", help=CONVENTION)
    return out


def headline_with_shadow(
    backtest: Mapping[str, Any],
    live: Mapping[str, Any],
    shadow: Mapping[str, Any],
    *,
    live_needed: int = 0,
    currency: str = "USD",
) -> pd.DataFrame:
    """Backtest, live and paper numbers of one version, with units."""
    trades = int(_number(live.get("trades")) or 0) if live else 0
    return side_by_side(
        {
            "backtest (out of sample)": backtest,
            live_column(trades, live_needed): live,
            SHADOW_TITLE: shadow,
        },
        currency=currency,
    )


def shadow_trades_frame(trades: Sequence[Any], currency: str = "USD") -> pd.DataFrame:
    """Paper trades: fills after slippage, net after every cost, and how each one exited."""
    columns = [
        "side",
        "opened (UTC)",
        "closed (UTC)",
        "entry",
        "exit",
        f"net {currency}",
        "confidence %",
        "exit reason",
    ]
    return pd.DataFrame(
        [
            {
                "side": t.side,
                "opened (UTC)": f"{t.open_time:%Y-%m-%d %H:%M}",
                "closed (UTC)": f"{t.close_time:%Y-%m-%d %H:%M}",
                "entry": round(t.open_price, 2),
                "exit": round(t.close_price, 2),
                f"net {currency}": round(t.net_profit, 2),
                "confidence %": None if t.confidence is None else round(t.confidence * 100, 1),
                "exit reason": t.exit_reason,
            }
            for t in trades
        ],
        columns=columns,
    )
