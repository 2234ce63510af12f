"""One shadow cycle: each target version paper-trades the bars stored since its last paper
trade, then held challengers with a significant edge are promoted.

Per version only the bars from its resume point are read (its last paper trade's exit bar, or
the first bar after its start), plus the warm-up its features need before them. The result is
the same as one backtest over every bar since its start: trades are kept only once their exit is
known, and the next run continues one position at a time from the last stored exit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from engine.errors import AurumError
from engine.shadow.evidence import shadow_start
from engine.shadow.paper import lead_bars, paper_trades
from engine.shadow.promotion import settle_held
from engine.shadow.store import resume_bar, store_trades
from engine.shadow.targets import ShadowTarget, plan_targets

log = logging.getLogger("aurum.shadow")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class ShadowRun:
    """What one version's paper trading did in this cycle."""

    ref: str
    role: str
    new_trades: int
    bars: int
    note: str


@dataclass(frozen=True)
class ShadowCycleResult:
    runs: list[ShadowRun] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        if not self.runs and not self.problems:
            return "no version paper-trades (shadow.mode is off or there is no challenger)"
        parts = [f"{r.ref}: {r.note}" for r in self.runs]
        return "; ".join(parts + self.decisions + self.problems)


def run_shadow_cycle(desk: Any) -> ShadowCycleResult:
    """Paper-trade every target on its new bars, then settle the held challengers."""
    cfg = desk.config()
    if cfg.shadow.mode == "off":
        return ShadowCycleResult()
    plan = plan_targets(desk, cfg)
    runs = [paper_trade(desk, cfg, target) for target in plan.targets]
    result = ShadowCycleResult(runs, settle_held(desk, cfg), plan.problems)
    log.info("shadow: %s", result.note)
    return result


def paper_trade(desk: Any, cfg: Any, target: ShadowTarget) -> ShadowRun:
    """Paper-trade one version on the bars since its resume point; a version that cannot
    (no model file, not trained by a session) is reported, not raised."""
    version = target.version
    try:
        model, info = desk.registry.load_model(version.id)
        bars, first = _new_bars(desk, cfg, info)
        if len(bars) <= first:
            return ShadowRun(info.ref, target.role, 0, 0, "no new bars")
        from engine.learner.dataset import cost_model

        trades = paper_trades(model, info, bars, first=first, costs=cost_model(cfg))
    except AurumError as err:
        return ShadowRun(version.ref, target.role, 0, 0, f"skipped: {err}")
    with desk.db.session(write=True) as s:
        new = store_trades(s, info.id, info.symbol, info.timeframe, trades)
    seen = len(bars) - first
    return ShadowRun(info.ref, target.role, new, seen, f"{new} new paper trade(s), {seen} bars")


def _new_bars(desk: Any, cfg: Any, info: Any) -> tuple[pd.DataFrame, int]:
    """The bars to trade (from the resume point on) after the warm-up bars before them, and
    the position of the first one."""
    from engine.data.store import load_bars

    start = shadow_start(info, live_bars_only=cfg.shadow.live_bars_only)
    if start is None:
        raise AurumError(f"{info.ref} has no recorded training window")
    first_bar = start + _TICK  # signal bars strictly after the start
    sym, tf = info.symbol, info.timeframe
    with desk.db.session() as s:
        resume = resume_bar(s, info.id, sym, tf)
        if resume is not None and resume > first_bar:
            first_bar = resume
        body = load_bars(s, symbol=sym, timeframe=tf, start=first_bar)
        if body.empty:
            return body, 0
        lead = load_bars(s, symbol=sym, timeframe=tf, end=first_bar - _TICK, last=lead_bars(info))
    return pd.concat([lead, body], ignore_index=True), len(lead)
