"""One evaluation cycle: live metrics snapshots, triggers, and a queued session when one fires."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select

from engine.db.schema import (
    Alias,
    Bar,
    CurrentMetrics,
    LearningSession,
    Lineage,
    ModelVersion,
    PromotionDecision,
    Trade,
    TriggerCheck,
    utcnow,
)
from engine.learner.records import ACTIVE
from engine.triggers import (
    TriggerResult,
    change_trigger,
    data_trigger,
    drift_trigger,
    live_performance,
    regime_trigger,
    time_trigger,
)

log = logging.getLogger("aurum.evaluate")


Market = tuple[str, str]  # (symbol, timeframe)


@dataclass(frozen=True)
class MarketEvaluation:
    """One market's part of a cycle: its active versions snapshotted, its triggers, and the
    session queued for it."""

    symbol: str
    timeframe: str
    versions: list[int]
    triggers: list[TriggerResult]
    queued_session: int | None
    note: str

    @property
    def name(self) -> str:
        return f"{self.symbol} {self.timeframe}"


@dataclass(frozen=True)
class EvaluationResult:
    """`triggers`, `queued_session` and `note` are the configured market's (learning.symbol and
    learning.timeframe); `markets` has every market's, that one first."""

    triggers: list[TriggerResult]
    queued_session: int | None
    note: str
    markets: list[MarketEvaluation] = field(default_factory=list)

    def market(self, symbol: str, timeframe: str) -> MarketEvaluation:
        return next(m for m in self.markets if (m.symbol, m.timeframe) == (symbol, timeframe))


@dataclass(frozen=True)
class _SessionState:
    last_start: Any
    window_end: Any
    busy: bool
    alone: bool = False  # the desk's only market: every session and trade counts for it


def evaluate_cycle(desk: Any) -> EvaluationResult:
    """For each market (the lineages' symbol/timeframe pairs and the configured one): snapshot
    the live metrics of its active versions, check its triggers, queue a session for it if due."""
    cfg = desk.config()
    default: Market = (cfg.learning.symbol, cfg.learning.timeframe)
    markets, active = _markets_and_active(desk, default)
    states = _session_states(desk, markets)
    now = utcnow()
    evaluated = []
    for market in markets:
        evaluated.append(_evaluate_market(desk, cfg, market, active[market], states[market], now))
    refreshed = _refresh_other_live_metrics(
        desk, exclude={v for ids in active.values() for v in ids}
    )
    switched = _switch_to_flagged_challenger(desk, cfg)
    suffix = ""
    if refreshed:
        suffix += f"; live metrics refreshed for {len(refreshed)} other version(s)"
    if switched:
        suffix += f"; {switched}"
    first, others = evaluated[0], evaluated[1:]
    note = first.note + "".join(f"; {m.name}: {m.note}" for m in others) + suffix
    with desk.db.session(write=True) as s:
        # one row per market, the configured market's last: the newest row (the one the report
        # reads) stays the configured market's
        for done, reason in [(m, m.note) for m in others] + [(first, first.note + suffix)]:
            decision = {
                "name": "decision",
                "fired": done.queued_session is not None,
                "reason": reason,
                "market": done.name,
            }
            s.add(
                TriggerCheck(
                    fired=",".join(r.name for r in done.triggers if r.fired)[:128],
                    session_id=done.queued_session,
                    results_json=json.dumps([r.as_dict() for r in done.triggers] + [decision]),
                )
            )
    log.info("evaluation: %s", note)
    return EvaluationResult(first.triggers, first.queued_session, note, evaluated)


def _evaluate_market(
    desk: Any, cfg: Any, market: Market, active_ids: list[int], state: _SessionState, now: Any
) -> MarketEvaluation:
    symbol, timeframe = market
    several = len(active_ids) > 1
    model_checks: list[TriggerResult] = []
    for version_id in active_ids:
        version = desk.registry.get(version_id)
        results = desk.live_results(version_id)
        live = desk.refresh_live_metrics(version_id, results)
        for check in _model_triggers(desk, cfg, version, live, results):
            if several:  # name the version the check is about
                check = TriggerResult(check.name, check.fired, f"{version.ref}: {check.reason}")
            model_checks.append(check)
    checks = [
        time_trigger(state.last_start, now, cfg.retraining_frequency_hours),
        data_trigger(
            _new_trades(desk, market, state.last_start, alone=state.alone),
            cfg.min_trades_for_update,
            new_bars=(
                _new_bars(desk, market, state.window_end)
                if cfg.scheduler.new_bars_for_update
                else 0
            ),
            bars_needed=cfg.scheduler.new_bars_for_update,
        ),
        *model_checks,
    ]
    if cfg.regimes.trigger:
        checks.append(_regime_check(desk, cfg, market))
    fired = [r for r in checks if r.fired]
    queued, note = None, "no trigger fired"
    if fired:
        queued, note = _maybe_queue(desk, cfg, fired, state, market)
    return MarketEvaluation(symbol, timeframe, list(active_ids), checks, queued, note)


def _regime_check(desk: Any, cfg: Any, market: Market) -> TriggerResult:
    """The market's regime at its newest stored bar against the one its last check recorded."""
    from engine.regimes.watch import current_regime, previous_regime

    symbol, timeframe = market
    now = current_regime(desk, symbol, timeframe, cfg.regimes)
    return regime_trigger(previous_regime(desk, f"{symbol} {timeframe}"), now)


def _markets_and_active(desk: Any, default: Market) -> tuple[list[Market], dict[Market, list[int]]]:
    """The markets, the configured one first then the lineages' in order, and the active
    version ids of each (one query)."""
    with desk.db.session() as s:
        rows = s.execute(
            select(Lineage.symbol, Lineage.timeframe, Alias.version_id)
            .outerjoin(Alias, (Alias.lineage_id == Lineage.id) & (Alias.alias == "active"))
            .order_by(Lineage.id)
        ).all()
    active: dict[Market, list[int]] = {default: []}
    for symbol, timeframe, version_id in rows:
        ids = active.setdefault((symbol, timeframe), [])
        if version_id is not None:
            ids.append(int(version_id))
    return list(active), active


def _session_states(desk: Any, markets: list[Market]) -> dict[Market, _SessionState]:
    """Last session start, newest data window and whether one is queued or running, per market
    (one grouped query). With one market, every session counts for it, as before markets."""
    waiting = case((LearningSession.status.in_(ACTIVE), 1), else_=0)
    with desk.db.session() as s:
        rows = s.execute(
            select(
                LearningSession.symbol,
                LearningSession.timeframe,
                func.max(LearningSession.created_at),
                func.max(LearningSession.window_end),
                func.sum(waiting),
            ).group_by(LearningSession.symbol, LearningSession.timeframe)
        ).all()
    if len(markets) == 1:
        starts = [r[2] for r in rows if r[2] is not None]
        ends = [r[3] for r in rows if r[3] is not None]
        state = _SessionState(
            max(starts, default=None),
            max(ends, default=None),
            any(r[4] for r in rows),
            alone=True,
        )
        return {markets[0]: state}
    by_market = {(r[0], r[1]): _SessionState(r[2], r[3], bool(r[4])) for r in rows}
    return {m: by_market.get(m, _SessionState(None, None, False)) for m in markets}


def _new_trades(desk: Any, market: Market, since: Any, *, alone: bool) -> int:
    """Trades logged by the trading side or imported since the market's last session: those
    of its lineages' versions, and those without a version on its symbol (with one market:
    every trade, as before markets)."""
    query = select(func.count(Trade.id)).where(Trade.source.in_(("live", "import")))
    if since is not None:
        query = query.where(Trade.logged_at > since)
    if not alone:
        symbol, timeframe = market
        versions = (
            select(ModelVersion.id)
            .join(Lineage, Lineage.id == ModelVersion.lineage_id)
            .where(Lineage.symbol == symbol, Lineage.timeframe == timeframe)
        )
        query = query.where(
            Trade.version_id.in_(versions) | (Trade.version_id.is_(None) & (Trade.symbol == symbol))
        )
    with desk.db.session() as s:
        return int(s.scalar(query) or 0)


def _new_bars(desk: Any, market: Market, seen: Any) -> int:
    """Bars of the market's series newer than its last session's data window."""
    symbol, timeframe = market
    query = (
        select(func.count())
        .select_from(Bar)
        .where(Bar.symbol == symbol, Bar.timeframe == timeframe)
    )
    if seen is not None:
        query = query.where(Bar.ts > seen)
    with desk.db.session() as s:
        return int(s.scalar(query) or 0)


def _model_triggers(
    desk: Any, cfg: Any, active: Any, live: dict[str, float], results: Any
) -> list[TriggerResult]:
    out = []
    if cfg.postmortem_integration:
        out.append(live_performance(cfg, live))
        wins = (results.net_profit > 0).astype(float).tolist()
        out.append(
            change_trigger(
                wins, delta=cfg.scheduler.change_delta, threshold=cfg.scheduler.change_threshold
            )
        )
    drift = _drift(desk, cfg, active)
    if drift is not None:
        out.append(drift)
    return out


# Features are computed on each window with this many times the spec's warm-up bars before it:
# the indicators (EMA, RSI, ATR) then agree with a computation on the whole series to ~1e-7
# relative (tests/scheduler/test_drift_window.py). A version on fixed windows needs its warm-up
# only: its features are then those of the whole series.
DRIFT_WARMUP_FACTOR = 10


def _drift(desk: Any, cfg: Any, active: Any) -> TriggerResult | None:
    """PSI of each selected feature: the version's training window vs the newest bars."""
    windows = drift_windows(desk, cfg, active)
    if windows is None:
        return None
    train, recent, names = windows
    if len(recent) < 100:
        return TriggerResult("drift", False, f"{len(recent)} bars since training; judged from 100")
    return drift_trigger(train, recent, names, threshold=cfg.scheduler.drift_psi_threshold)


def drift_windows(
    desk: Any, cfg: Any, active: Any
) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """The selected features over the version's training window and over the newest
    `scheduler.drift_recent_bars` bars after it. Reads only those two windows (each with a
    warm-up before it), never the whole stored series."""
    from engine.features import stored_spec

    if not (active.details or {}).get("feature_spec") or active.train_end is None:
        return None
    spec = stored_spec(active.details)
    train = _window_features(desk, active, spec, start=active.train_start, end=active.train_end)
    recent = _window_features(desk, active, spec, last=cfg.scheduler.drift_recent_bars)
    if train is None or recent is None:
        return None
    recent = recent[recent.index > active.train_end]
    names = list((active.details or {}).get("selected_features") or train.columns)
    return (
        train[names].to_numpy(dtype=float),
        recent[names].to_numpy(dtype=float),
        names,
    )


def _window_features(
    desk: Any,
    active: Any,
    spec: Any,
    *,
    start: Any = None,
    end: Any = None,
    last: int | None = None,
) -> Any:
    """Features (indexed by bar time) of the bars in [start, end], or of the newest `last` bars,
    computed with DRIFT_WARMUP_FACTOR x the warm-up of earlier bars; None when there are none."""
    from engine.data.store import load_bars
    from engine.features import build_features, warmup_bars

    sym, tf = active.symbol, active.timeframe
    warm = warmup_bars(spec, tf) * (1 if spec.fixed_window else DRIFT_WARMUP_FACTOR) or 1
    with desk.db.session() as s:
        if last is not None:
            bars = load_bars(s, symbol=sym, timeframe=tf, last=last + warm)
            keep = max(0, len(bars) - last)
        else:
            body = load_bars(s, symbol=sym, timeframe=tf, start=start, end=end)
            if body.empty:
                return None
            before = body["time"].iloc[0].to_pydatetime() - timedelta(microseconds=1)
            lead = load_bars(s, symbol=sym, timeframe=tf, end=before, last=warm)
            bars = pd.concat([lead, body], ignore_index=True)
            keep = len(lead)
    if bars.empty:
        return None
    feats = build_features(bars, spec, timeframe=tf)
    feats.index = pd.DatetimeIndex(bars["time"])
    return feats.iloc[keep:]


def _maybe_queue(
    desk: Any, cfg: Any, fired: list[TriggerResult], state: _SessionState, market: Market
) -> tuple[int | None, str]:
    """Queue a session for `market` unless learning is off, one of its sessions is queued or
    running, or its last one started within the cooldown."""
    names = ", ".join(r.name for r in fired)
    if not cfg.adaptive_learning_enabled:
        return None, f"fired ({names}) but adaptive_learning_enabled is off"
    if state.busy:
        return None, f"fired ({names}) but a session is already queued or running"
    cooldown = timedelta(minutes=cfg.scheduler.cooldown_minutes)
    if state.last_start is not None and utcnow() - state.last_start < cooldown:
        return None, f"fired ({names}) but within the {cfg.scheduler.cooldown_minutes} min cooldown"
    configured = market == (cfg.learning.symbol, cfg.learning.timeframe)
    session_id = desk.request_learning(
        actor="services",
        trigger=fired[0].name,
        symbol=None if configured else market[0],
        timeframe=None if configured else market[1],
    )
    return session_id, f"fired ({names}): queued learning session #{session_id}"


# How far before the previous cycle's check the next one looks for new live trades: covers a
# long cycle and a trading machine's clock running behind this one (`logged_at` is its clock).
LOOKBACK = timedelta(hours=1)


def _refresh_other_live_metrics(desk: Any, *, exclude: set[int]) -> list[int]:
    """Live snapshots for versions (other than the active ones) that got live trades since their
    last snapshot — e.g. one rolled away from whose open trades are still closing. Only trades
    logged since the previous cycle (less LOOKBACK) are looked at, by the logged_at index, so
    the cost follows the new trades, not the ledger (716 ms at 1,000,000 trades before; the
    first cycle of a desk reads them all once)."""
    with desk.db.session() as s:
        previous = s.scalar(select(func.max(TriggerCheck.checked_at)))
        recent = select(Trade.version_id, Trade.logged_at).where(
            Trade.source == "live", Trade.version_id.is_not(None)
        )
        if previous is not None:
            recent = recent.where(Trade.logged_at > previous - LOOKBACK)
        # grouped here, not in SQL: with a GROUP BY, SQLite walks the (version, close) index
        # over the whole ledger instead of the logged_at range (3.3 s at 1,000,000 trades)
        newest: dict[int, Any] = {}
        for version_id, logged_at in s.execute(recent):
            if version_id not in newest or logged_at > newest[version_id]:
                newest[version_id] = logged_at
        snapshots = dict(
            s.execute(
                select(CurrentMetrics.version_id, CurrentMetrics.updated_at).where(
                    CurrentMetrics.source == "live", CurrentMetrics.version_id.in_(newest)
                )
            ).all()
        ) if newest else {}  # fmt: skip
    versions = [
        int(v)
        for v, t in sorted(newest.items())
        if v not in exclude and (v not in snapshots or t > snapshots[v])
    ]
    for version_id in versions:
        desk.refresh_live_metrics(version_id)
    return versions


def _switch_to_flagged_challenger(desk: Any, cfg: Any) -> str:
    """With `auto_model_switching` on, activate the newest challenger a session flagged while it
    was off — only if the champion it beat is still the active version and its file is there."""
    if not cfg.auto_model_switching:
        return ""
    with desk.db.session() as s:
        flagged = s.execute(
            select(
                PromotionDecision.id,
                PromotionDecision.challenger_id,
                PromotionDecision.champion_id,
                PromotionDecision.session_id,
            )
            .where(PromotionDecision.decision == "flagged")
            .order_by(PromotionDecision.id.desc())
            .limit(1)
        ).first()
        if flagged is None:
            return ""
        acted = s.scalar(
            select(func.count(PromotionDecision.id)).where(
                PromotionDecision.id > flagged.id,
                PromotionDecision.challenger_id == flagged.challenger_id,
            )
        )
    if acted:
        return ""
    challenger = desk.version(flagged.challenger_id)
    active = desk.registry.active_version(challenger.lineage)
    if active is None or active.id != flagged.champion_id or not challenger.artifact_path:
        return ""
    reason = (
        f"auto-switch: {challenger.ref} passed the promotion gates against {active.ref} in "
        f"learning session #{flagged.session_id} and was flagged while auto_model_switching "
        "was off; it is on now"
    )
    from engine.selection import Decision, activate_promoted

    flagged_decision = Decision("flagged", [], active.id)
    refused = activate_promoted(
        desk, flagged_decision, challenger.id, flagged.session_id, actor="services", reason=reason
    )
    if refused is not None:
        log.warning("flagged challenger %s not activated: %s", challenger.ref, refused)
        return f"refused flagged challenger {challenger.ref}: {refused}"
    with desk.db.session(write=True) as s:
        s.add(
            PromotionDecision(
                session_id=flagged.session_id,
                challenger_id=challenger.id,
                champion_id=active.id,
                decision="promoted",
                reasons_json=json.dumps([reason]),
                evidence_json=json.dumps({"flagged_decision": flagged.id}),
            )
        )
    desk.audit("services", "model.auto_switch", challenger.ref, {"from": active.ref})
    log.info(reason)
    return f"activated flagged challenger {challenger.ref}"
