"""Tables of the price chart section: the trade list (one row per trade, newest first) and the
numbers of a picked trade. Pure (no Streamlit calls at import or build); numbers stay numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.price_chart import money
from engine.chart.trades import source_label

PRESETS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}
MONEY_COLUMNS = ("result", "costs")


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def trade_list_frame(trades: Sequence[Any]) -> pd.DataFrame:
    """One row per trade in the given order: source, side, entry and exit (UTC), prices,
    result and costs in the account currency, the model's confidence at entry."""
    rows = [
        {
            "source": source_label(t.source),
            "side": "long" if t.side == "buy" else "short",
            "entry (UTC)": t.open_time.strftime("%Y-%m-%d %H:%M"),
            "exit (UTC)": t.close_time.strftime("%Y-%m-%d %H:%M"),
            "entry price": _number(t.open_price),
            "exit price": _number(t.close_price),
            "result": _number(t.net_profit),
            "costs": _number(t.costs),
            "confidence": _number(t.confidence),
            "ticket": t.key,
        }
        for t in trades
    ]
    columns = [
        "source",
        "side",
        "entry (UTC)",
        "exit (UTC)",
        "entry price",
        "exit price",
        "result",
        "costs",
        "confidence",
        "ticket",
    ]
    return pd.DataFrame(rows, columns=columns)


def trade_money_config(currency: str) -> dict[str, Any]:
    """Column formats: money in the account currency ("-$3.46"), prices to the cent."""
    code = currency.upper()
    fmt = PRESETS.get(code, f"%.2f {code}")
    config: dict[str, Any] = {
        col: st.column_config.NumberColumn(f"{col} ({code})", format=fmt) for col in MONEY_COLUMNS
    }
    for col in ("entry price", "exit price"):
        config[col] = st.column_config.NumberColumn(col, format="%.2f")
    config["confidence"] = st.column_config.NumberColumn("confidence", format="%.2f")
    return config


def picked_trade_frame(trade: Any, currency: str) -> pd.DataFrame:
    """The picked trade's numbers as (what, value) rows, money with the currency."""
    side = "long (buy)" if trade.side == "buy" else "short (sell)"

    def price(value: float | None) -> str:
        number = _number(value)
        return "—" if number is None else f"{number:,.2f}"

    rows = [
        ("source", source_label(trade.source)),
        ("side", side),
        ("entry", f"{trade.open_time:%Y-%m-%d %H:%M} UTC at {price(trade.open_price)}"),
        (
            "exit",
            f"{trade.close_time:%Y-%m-%d %H:%M} UTC at {price(trade.close_price)}"
            + (f" ({trade.exit_reason.replace('_', ' ')})" if trade.exit_reason else ""),
        ),
        ("take profit / stop loss", f"{price(trade.take_profit)} / {price(trade.stop_loss)}"),
        ("spread paid (entry bar's spread)", money(trade.spread_paid, currency)),
        (
            "costs (commission, swap; simulated: also spread, slippage)",
            money(_number(trade.costs), currency),
        ),
        ("result after costs", money(trade.net_profit, currency)),
        (
            "model confidence at entry",
            "—" if trade.confidence is None else f"{trade.confidence:.2f}",
        ),
    ]
    return pd.DataFrame(rows, columns=["what", "value"])
