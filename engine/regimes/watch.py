"""The regime of a market's newest stored bar, and the one the previous evaluation recorded."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from engine.regimes.detect import regime_frame
from engine.regimes.settings import RegimeSettings, regime_warmup

CHECKS_SCANNED = 200  # newest trigger checks searched for a market's previous one


def current_regime(desk: Any, symbol: str, timeframe: str, settings: RegimeSettings) -> str | None:
    """The combined regime label at the newest stored bar (None: too few bars)."""
    from engine.data.store import load_bars

    with desk.db.session() as s:
        bars = load_bars(s, symbol=symbol, timeframe=timeframe, last=regime_warmup(settings) + 1)
    if bars.empty:
        return None
    label = regime_frame(bars, settings)["regime"].iloc[-1]
    return None if label is None or label != label else str(label)  # NaN: warm-up


def previous_regime(desk: Any, market: str) -> str | None:
    """The regime the market's newest trigger check recorded (None: none recorded)."""
    from engine.db.schema import TriggerCheck

    with desk.db.session() as s:
        rows = s.scalars(
            select(TriggerCheck.results_json).order_by(TriggerCheck.id.desc()).limit(CHECKS_SCANNED)
        ).all()
    for text in rows:
        results: list[dict[str, Any]] = json.loads(text or "[]")
        decision = next((r for r in results if r.get("name") == "decision"), {})
        if decision.get("market") != market:
            continue
        seen = next((r for r in results if r.get("name") == "regime"), None)
        return None if seen is None or seen.get("new") is None else str(seen["new"])
    return None
