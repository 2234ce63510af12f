"""A learning session: bars → features → labels → walk-forward candidates → baseline → winner →
refit → register. Progress goes to a callback and to the session's record; a failure leaves the
registry untouched and records why."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from engine import selection
from engine.config.store import diff_configs
from engine.db.schema import utcnow
from engine.features import FIXED_WINDOW, history_bars, inapplicable_groups
from engine.learner import records
from engine.learner.candidates import hyperparameters, make_pipeline, one_thread, single_threaded
from engine.learner.dataset import LearningError, build_dataset, data_hash, window
from engine.learner.ensemble import build_ensembles, feature_support, fit_final
from engine.learner.evaluate import CandidateResult, Dataset, assemble_candidate
from engine.learner.executor import FoldTask, make_executor, run_all
from engine.learner.report import (
    candidate_summary,
    importance,
    oos_days,
    oos_window,
    score_candidates,
)
from engine.learner.search import trial_params
from engine.ledger import log_backtest_trades
from engine.registry import NewVersion
from engine.registry.registry import library_versions
from engine.validation import WalkForwardSplit

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SessionOutcome:
    """What a session produced: its id, outcome, the new version (if any) and its metrics."""

    session_id: int
    status: str
    version_id: int | None
    version_ref: str | None
    activated: bool
    metrics: dict[str, float]
    message: str


class _Tracker:
    """Reports (stage, percent) to the callback and, throttled, to the session record."""

    def __init__(self, desk: Any, session_id: int, callback: Progress | None) -> None:
        self.desk, self.session_id, self.callback = desk, session_id, callback
        self.stage_started: dict[str, float] = {}
        self.timings: dict[str, float] = {}
        self._last_write = 0.0
        self._current = ""
        self.last_percent = 0.0

    def stage(self, name: str, percent: float, *, cancellable: bool = True) -> None:
        """Start stage `name`; a session asked to stop stops here instead (unless the stage
        is past the point of no return: registering)."""
        if cancellable:
            self.checkpoint(f"before {name}")
        now = time.perf_counter()
        if self._current:
            self.timings[self._current] = round(now - self.stage_started[self._current], 3)
        self._current = name
        self.stage_started[name] = now
        self.report(name, percent, force=True)

    def report(self, message: str, percent: float, *, force: bool = False) -> None:
        self.last_percent = percent
        if self.callback:
            self.callback(message, percent)
        now = time.perf_counter()
        if force or now - self._last_write > 0.5:
            records.update(
                self.desk.db,
                self.session_id,
                stage=self._current,
                percent=round(percent * 100, 1),
                message=message,
            )
            self._last_write = now

    def checkpoint(self, where: str) -> None:
        """Stop here if someone asked this session to cancel (read from its record)."""
        if records.cancel_asked(self.desk.db, self.session_id):
            raise records.SessionCancelled(where)

    def close(self) -> None:
        self.stage("", 1.0, cancellable=False)


def run_session(
    desk: Any,
    *,
    trigger: str = "manual",
    actor: str = "system",
    progress: Progress | None = None,
    session_id: int | None = None,
    until: datetime | None = None,
    symbol: str | None = None,
    timeframe: str | None = None,
    learning_overrides: dict[str, Any] | None = None,
) -> SessionOutcome:
    """Run one learning session now; returns its outcome (a failure is recorded and raised).
    `learning_overrides` changes `learning.*` settings for this session only (recorded)."""
    cfg = desk.config()
    if learning_overrides:
        learning = cfg.learning.model_copy(update=learning_overrides)
        cfg = cfg.model_copy(update={"learning": type(cfg.learning).model_validate(learning)})
    sym, tf = symbol or cfg.learning.symbol, (timeframe or cfg.learning.timeframe).upper()
    if session_id is None:
        session_id = records.create(
            desk.db, trigger=trigger, requested_by=actor, symbol=sym, timeframe=tf, status="running"
        )
    config_json = cfg.model_dump(mode="json")
    previous = records.last_finished(desk.db)
    records.update(
        desk.db,
        session_id,
        status="running",
        started_at=utcnow(),
        seed=cfg.learning.random_seed,
        config_json=config_json,
        config_hash=_hash(config_json),
        config_diff_json=diff_configs(previous.result.get("config", {}), config_json)
        if previous
        else {},
        library_versions_json=library_versions(),
    )
    tracker = _Tracker(desk, session_id, progress)
    try:
        with one_thread():  # every fit, refit and importance of the session (see candidates)
            outcome = _run(
                desk,
                cfg,
                session_id,
                tracker,
                sym=sym,
                tf=tf,
                until=until,
                trigger=trigger,
                config_json=config_json,
            )
    except records.SessionCancelled as stop:
        tracker.stage("", tracker.last_percent, cancellable=False)  # times the stage it left
        records.close_cancelled(
            desk.db, session_id, where=str(stop), result={"stage_seconds": tracker.timings}
        )
        message = f"cancelled {stop}; nothing registered"
        return SessionOutcome(session_id, "cancelled", None, None, False, {}, message)
    except Exception as err:
        records.update(
            desk.db,
            session_id,
            status="failed",
            error=str(err),
            finished_at=utcnow(),
            message=f"failed: {err}",
            result_json={"stage_seconds": tracker.timings},
        )
        raise
    return outcome


def _run(
    desk: Any,
    cfg: Any,
    session_id: int,
    tracker: _Tracker,
    *,
    sym: str,
    tf: str,
    until: datetime | None,
    trigger: str,
    config_json: dict[str, Any],
) -> SessionOutcome:
    learn = cfg.learning
    tracker.stage("loading bars", 0.01)
    bars = desk.bars(sym, tf, last=None)
    if until is not None:
        bars = bars[bars["time"] <= until].reset_index(drop=True)
    bars = bars.tail(learn.max_train_bars).reset_index(drop=True)
    if bars.empty:
        raise LearningError(
            f"no {sym} {tf} bars stored: import some with `aurum import-bars FILE --symbol {sym} "
            f"--timeframe {tf}` first"
        )
    start, end = window(bars)
    records.update(desk.db, session_id, window_start=start, window_end=end)
    tracker.stage("features and labels", 0.05)
    feature_notes = [str(note) for note in inapplicable_groups(cfg.features, tf)]
    for note in feature_notes:  # a group the model will not have, said before it is trained
        tracker.report(f"features: {note}", 0.05, force=True)
    data = build_dataset(bars, cfg, timeframe=tf)
    splitter = WalkForwardSplit(learn.n_folds, purge=learn.purge_bars, label_end=data.label_end)
    candidates = _evaluate_all(data, splitter, cfg, tracker)
    tracker.stage("baseline and selection", 0.85)
    lineage = records.session_lineage(sym, tf)
    # every configured ensemble counts as a trial, even one skipped for want of members
    session_trials = len(candidates) + len(learn.ensembles)
    records.update(desk.db, session_id, trials=session_trials)
    trials = desk.trial_count(lineage)  # every earlier session's trials and this one's
    ranked = score_candidates(candidates, data, cfg, n_trials=trials)
    ensembles: list[CandidateResult] = []
    ensemble_notes: list[str] = []
    if learn.ensembles:
        tracker.stage(f"ensembles: {', '.join(learn.ensembles)}", 0.87)
        ensembles, ensemble_notes = build_ensembles(
            data, splitter.folds(len(data.X)), ranked, learn.ensembles,
            top_k=learn.ensemble_top_k, min_confidence=learn.min_confidence,
        )  # fmt: skip
        ranked = score_candidates(ranked + ensembles, data, cfg, n_trials=trials, only=ensembles)
        candidates = candidates + ensembles
    winner = ranked[0] if ranked and ranked[0].metrics.get("eligible") else None
    days = oos_days(candidates, data)
    summary = {
        "trigger": trigger,
        "data_origin": desk.bars_origin(sym, tf, start, end),  # what it learns from
        "config": config_json,
        "n_trials": trials,
        "session_trials": session_trials,
        "oos_window": [str(t) for t in oos_window(candidates, data) or ()],
        "ensemble_notes": ensemble_notes,
        "feature_notes": feature_notes,
        "min_history_bars": history_bars(cfg.features, tf),
        "samples": len(data.y),
        "bars": len(bars),
        "label_balance": {
            str(k): int(v) for k, v in zip(*np.unique(data.y, return_counts=True), strict=True)
        },
        "oos_days": [d.date().isoformat() for d in days],
        "candidates": [candidate_summary(c, winner, days) for c in candidates],
    }
    tracker.checkpoint("before recording the outcome")
    if winner is None:
        tracker.close()
        reason = "no candidate made enough out-of-sample trades to be ranked"
        summary["stage_seconds"] = tracker.timings
        records.update(
            desk.db,
            session_id,
            status="no_improvement",
            result_json=summary,
            finished_at=utcnow(),
            message=reason,
        )
        return SessionOutcome(session_id, "no_improvement", None, None, False, {}, reason)
    tracker.stage(f"refitting {winner.algorithm} on the whole window", 0.9)
    model = _refit(winner, data, splitter, learn)
    tracker.stage("out-of-sample permutation importance", 0.94)
    importances = importance(winner, data, seed=learn.random_seed)
    support = feature_support(model, len(data.feature_names))
    selected = [n for n, keep in zip(data.feature_names, support, strict=True) if keep]
    tracker.stage("champion/challenger comparison", 0.96)
    decision = selection.judge(desk, cfg, data, winner, lineage, n_trials=trials)
    summary["promotion"] = {
        "decision": decision.decision,
        "reasons": decision.reasons,
        "evidence": decision.evidence,
    }
    tracker.stage("registering the version", 0.98)  # the last point a cancel stops it
    info = _register(
        desk,
        model,
        winner,
        data,
        cfg,
        sym=sym,
        tf=tf,
        session_id=session_id,
        details={**summary, "selected_features": selected, "importances": importances},
        also=lambda s, version_id: log_backtest_trades(  # its out-of-sample trades, one by one
            s, version_id, winner.trades, symbol=sym, volume=data.costs.lot_size
        ),
    )
    selection.record(desk, decision, info.id, session_id)
    activated, outcome = False, f"{decision.decision}: {decision.headline}"
    if decision.promote:
        refused = selection.activate_promoted(
            desk,
            decision,
            info.id,
            session_id,
            actor="learner",
            reason=f"promoted by learning session #{session_id}: " + "; ".join(decision.reasons),
        )
        activated = refused is None
        outcome = outcome if activated else f"promoted, but activation refused: {refused}"
    tracker.close()
    late = records.cancel_asked(desk.db, session_id)  # asked while it registered: too late
    summary.update(
        stage_seconds=tracker.timings,
        selected_features=selected,
        importances=importances,
        winner=winner.algorithm,
    )
    records.update(
        desk.db,
        session_id,
        status="succeeded",
        version_id=info.id,
        result_json=summary,
        finished_at=utcnow(),
        error="",
        message=f"registered {info.ref}; {outcome}"
        + ("; the cancel came after registration had begun" if late else ""),
    )
    metrics = {k: v for k, v in winner.metrics.items() if isinstance(v, float | int)}
    return SessionOutcome(
        session_id, "succeeded", info.id, info.ref, activated, metrics, f"registered {info.ref}"
    )


def _evaluate_all(
    data: Dataset, splitter: WalkForwardSplit, cfg: Any, tracker: _Tracker
) -> list[CandidateResult]:
    """Every trial (algorithm x searched parameters) on every fold, on the configured executor;
    each trial then becomes a candidate, assembled in trial order wherever its fits ran."""
    learn = cfg.learning
    trials = [
        (algorithm, {**hyperparameters(algorithm, learn.hyperparameters.get(algorithm),
                                       learn.random_seed), **point})
        for algorithm in learn.algorithms
        for point in trial_params(
            algorithm, learn.search_space.get(algorithm), method=learn.search,
            budget=learn.search_trials, seed=learn.random_seed,
        )
    ]  # fmt: skip
    folds = splitter.folds(len(data.X))
    tasks = [
        FoldTask(i, algorithm, params, k + 1, train, test)
        for i, (algorithm, params) in enumerate(trials)
        for k, (train, test) in enumerate(folds)
    ]
    executor = make_executor(learn)
    where = "" if executor.name == "local" else f" on Dask ({learn.dask_scheduler_address})"
    tracker.stage(f"walk-forward: {len(trials)} trial(s) x {len(folds)} folds{where}", 0.08)
    done = 0

    def tick(task: FoldTask) -> None:
        nonlocal done
        done += 1
        tracker.report(
            f"walk-forward: {task.algorithm} (trial {task.candidate + 1}/{len(trials)}), fold "
            f"{task.fold}/{len(folds)}; {done}/{len(tasks)} fits done",
            0.08 + 0.77 * done / len(tasks),
            force=True,
        )
        tracker.checkpoint(f"after {done}/{len(tasks)} fits")

    try:
        fits = run_all(
            executor, data.X, data.y, tasks,
            max_features=learn.max_features, seed=learn.random_seed, done=tick,
        )  # fmt: skip
    finally:
        executor.close()
    per_trial = len(folds)
    candidates = []
    for i, (algorithm, params) in enumerate(trials):
        trial_fits = fits[i * per_trial : (i + 1) * per_trial]
        cand = assemble_candidate(
            data, folds, trial_fits, algorithm, params, min_confidence=learn.min_confidence
        )
        if learn.ensembles:  # kept until the ensembles are built from them
            cand.fold_fits = trial_fits
        candidates.append(cand)
    return candidates


def _refit(winner: CandidateResult, data: Dataset, splitter: WalkForwardSplit, learn: Any) -> Any:
    """The winner refitted on the whole window (an ensemble: each member, and for stacking the
    meta-model on the members' out-of-sample predictions, never in-sample ones)."""
    if not winner.members:
        return single_threaded(make_pipeline(
            winner.algorithm, winner.params, max_features=learn.max_features,
            seed=learn.random_seed,
        )).fit(data.X, data.y)  # fmt: skip
    return fit_final(
        winner, data, splitter.folds(len(data.X)),
        max_features=learn.max_features, seed=learn.random_seed,
    )  # fmt: skip


def _register(
    desk: Any,
    model: Any,
    winner: CandidateResult,
    data: Dataset,
    cfg: Any,
    *,
    sym: str,
    tf: str,
    session_id: int,
    details: dict[str, Any],
    also: Any = None,
) -> Any:
    learn = cfg.learning
    trades = winner.trades
    assert trades is not None
    span = oos_window([winner], data)  # the evaluated window of its metrics
    metric_values = {k: float(v) for k, v in winner.metrics.items() if k != "eligible"}
    details = {
        **details,
        "session_id": session_id,
        "feature_spec": cfg.features.model_dump(mode="json"),
        "feature_window": FIXED_WINDOW,  # every feature from a fixed window of bars
        "labels": {
            "take_profit": learn.take_profit,
            "stop_loss": learn.stop_loss,
            "unit": learn.barrier_unit,
            "horizon": learn.max_holding_bars,
        },
        "min_confidence": learn.min_confidence,
        "costs": cfg.costs.model_dump(mode="json"),
        "folds": [f.__dict__ for f in winner.folds],
        "classification": winner.classification,
        "timeframe": tf,
    }
    start, end = window(data.bars)
    return desk.registry.register(
        model,
        NewVersion(
            lineage=records.session_lineage(sym, tf),
            symbol=sym,
            timeframe=tf,
            algorithm=winner.algorithm,
            params=winner.params,
            features=data.feature_names,
            train_start=start,
            train_end=end,
            data_hash=data_hash(data.bars),
            notes=f"learning session #{session_id}",
            metrics=metric_values,
            metrics_trades=len(trades),
            metrics_period=(span[0].to_pydatetime(), span[1].to_pydatetime())
            if span
            else (None, None),
            details=json.loads(json.dumps(details, default=_jsonable)),
            session_id=session_id,
        ),
        also=also,
    )


def _hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)
