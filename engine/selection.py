"""Champion/challenger: a new version replaces the active one only when, on the same
out-of-sample bars (after the champion's training window), its expectancy after costs is
positive and beats the champion's by the configured margin, its PSR is high enough, and its
drawdown is not much worse. The first version of a lineage has no champion: it becomes active
only if it passes the absolute gates on its out-of-sample window (positive expectancy after
costs, PSR at least selection.min_psr, more net profit than the strongest no-skill baseline).
With shadow.require_for_promotion, a challenger that passes is held until its paper trades on
live bars show a significant edge (engine.shadow.promotion). Every decision is recorded with its
reasons and its source (which trades over which window), promoted or not."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.db.schema import PromotionDecision
from engine.metrics.catalog import money

if TYPE_CHECKING:  # judging loads these; reading the recorded decisions (`aurum show`) does not
    import numpy as np

    from engine.learner.evaluate import CandidateResult, Dataset

MIN_COMMON_BARS = 100
BACKTEST = "backtest"
NOTHING_SERVED = (
    "registered but not activated: nothing is served for this lineage until a version passes"
)


@dataclass(frozen=True)
class Decision:
    decision: str  # promoted | rejected | flagged | hold (waits for shadow evidence)
    reasons: list[str]
    champion_id: int | None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        """The reason that decided it: the first failed gate, else the first reason."""
        failed = [r for r in self.reasons if r.endswith(": fail") or "only" in r or "needs" in r]
        return (failed or self.reasons or [""])[0]

    @property
    def promote(self) -> bool:
        return self.decision == "promoted"


def _metrics(trades: Any, cfg: Any, window: Any, n_trials: int) -> dict[str, float]:
    from engine.metrics.summary import summarize

    return summarize(
        trades["net_profit"].to_numpy(float),
        list(trades["exit_time"]),
        initial_equity=cfg.account.initial_balance,
        window=window,
        n_trials=max(1, n_trials),
    ).as_dict()


def champion_signals(champion: Any, model: Any, data: Dataset, rows: np.ndarray) -> np.ndarray:
    """The champion's signals on `rows`, from the features it was trained with."""
    import numpy as np

    from engine.features import build_features, stored_spec
    from engine.learner.candidates import single_threaded
    from engine.learner.signals import signals_from_proba

    spec = stored_spec(champion.details)
    feats = build_features(data.bars, spec, timeframe=champion.timeframe).to_numpy(dtype=float)
    usable = rows[np.isfinite(feats[rows]).all(axis=1)]
    signals = np.zeros(len(data.bars), dtype=np.int8)
    if len(usable):
        sig = signals_from_proba(
            single_threaded(model).predict_proba(feats[usable]),
            np.asarray(model.classes_),
            min_confidence=champion.details.get("min_confidence", 0.5),
        )
        signals[usable] = sig.signal
    return signals


def judge(
    desk: Any,
    cfg: Any,
    data: Dataset,
    winner: CandidateResult,
    lineage: str,
    *,
    n_trials: int = 1,
) -> Decision:
    """Compare the session's winner with the lineage's active version on common OOS bars
    (backtest with backtest); without an active version, judge it by the absolute gates."""
    import numpy as np

    from engine.backtest.simulate import simulate_on

    champion = desk.registry.active_version(lineage) if _lineage_exists(desk, lineage) else None
    if champion is None:
        return first_version(cfg, data, winner)
    if not (champion.details or {}).get("feature_spec") or champion.train_end is None:
        return Decision(
            "rejected", [f"{champion.ref} has no recorded features to compare on"], champion.id
        )
    assert winner.oos_bars is not None and winner.signals is not None
    after = (data.bars["time"] > champion.train_end).to_numpy()
    rows = np.sort(winner.oos_bars[after[winner.oos_bars]])
    if len(rows) < MIN_COMMON_BARS:
        return Decision(
            "rejected",
            [
                f"only {len(rows)} out-of-sample bars after {champion.ref}'s "
                f"training window (needs {MIN_COMMON_BARS})"
            ],
            champion.id,
        )
    model, _ = desk.registry.load_model(champion.id)
    champ_trades = simulate_on(
        data.market, champion_signals(champion, model, data, rows), data.costs
    )
    mask = np.zeros(len(data.bars), dtype=bool)
    mask[rows] = True
    chall_trades = simulate_on(data.market, np.where(mask, winner.signals, 0), data.costs)
    times = data.bars["time"]
    window = (times.iloc[rows[0]], times.iloc[rows[-1]])
    champ = _metrics(champ_trades, cfg, window, n_trials)
    chall = _metrics(chall_trades, cfg, window, n_trials)
    reasons, ok = _gates(cfg.selection, chall, champ, cfg.account.currency)
    evidence = {
        "source": BACKTEST,
        "common_bars": len(rows),
        "from": str(window[0]),
        "to": str(window[1]),
        "challenger": chall,
        "champion": champ,
        "champion_ref": champion.ref,
    }
    if not ok:
        return Decision("rejected", reasons, champion.id, evidence)
    return _passed(cfg, reasons, champion, evidence)


def _passed(cfg: Any, reasons: list[str], champion: Any, evidence: dict[str, Any]) -> Decision:
    """A challenger that cleared the gates: held for shadow evidence, flagged or promoted."""
    if cfg.shadow.require_for_promotion:
        from engine.shadow.promotion import HOLD, hold_reason

        return Decision(
            HOLD, [*reasons, hold_reason(cfg.shadow, champion.ref)], champion.id, evidence
        )
    if not cfg.auto_model_switching:
        return Decision(
            "flagged",
            [*reasons, "auto_model_switching is off: flagged for the trader"],
            champion.id,
            evidence,
        )
    return Decision("promoted", reasons, champion.id, evidence)


def first_version(cfg: Any, data: Dataset, winner: CandidateResult) -> Decision:
    """The first version of a lineage: active only if its out-of-sample backtest passes the
    absolute gates; otherwise registered with the reasons, and nothing is served."""
    from engine.learner.report import oos_window

    reasons, ok = absolute_gates(cfg.selection, winner.metrics, cfg.account.currency)
    window = oos_window([winner], data)
    evidence = {
        "source": BACKTEST,
        "from": str(window[0]) if window else None,
        "to": str(window[1]) if window else None,
        "challenger": {k: v for k, v in winner.metrics.items() if k != "eligible"},
        "baselines": winner.baselines,
    }
    lead = (
        "first version of the lineage: judged by the absolute gates on its out-of-sample backtest"
    )
    if not ok:
        return Decision("rejected", [lead, *reasons, NOTHING_SERVED], None, evidence)
    if not cfg.auto_model_switching:
        flagged = "auto_model_switching is off: flagged for the trader"
        return Decision("flagged", [lead, *reasons, flagged], None, evidence)
    return Decision("promoted", [lead, *reasons], None, evidence)


def absolute_gates(
    sel: Any, metrics: dict[str, float], currency: str = "USD"
) -> tuple[list[str], bool]:
    """Positive expectancy after costs, PSR at least `selection.min_psr`, and more net profit
    than the strongest no-skill baseline at the same entry bars."""
    expectancy, psr = _num(metrics.get("expectancy")), _num(metrics.get("psr"))
    strongest = _num(metrics.get("strongest_baseline_expectancy"))
    beats = bool(metrics.get("beats_baselines"))
    checks = [
        (
            expectancy > 0,
            f"expectancy {money(expectancy, currency)} per trade after costs > 0",
        ),
        (psr >= sel.min_psr, f"PSR {psr:.2f} vs required {sel.min_psr:.2f} (selection.min_psr)"),
        (
            beats,
            f"expectancy {money(expectancy, currency)} vs the strongest baseline's "
            f"{money(strongest, currency)}",
        ),
    ]
    reasons = [f"{text}: {'pass' if passed else 'fail'}" for passed, text in checks]
    return reasons, all(passed for passed, _ in checks)


def _gates(
    sel: Any, chall: dict[str, float], champ: dict[str, float], currency: str = "USD"
) -> tuple[list[str], bool]:
    """The challenger against the champion on the same bars: enough trades, a positive
    expectancy that beats the champion's by the margin, PSR, and drawdown."""
    reasons, ok = [], True
    if chall["trades"] < sel.min_trades:
        ok = False
        reasons.append(
            f"challenger made {int(chall['trades'])} trades on the common window "
            f"(needs {sel.min_trades})"
        )
    c_exp, k_exp = _num(chall["expectancy"]), _num(champ["expectancy"], 0.0)
    passed = c_exp > 0
    ok &= passed
    reasons.append(
        f"expectancy {money(c_exp, currency)} per trade after costs > 0: "
        f"{'pass' if passed else 'fail'}"
    )
    passed = c_exp >= k_exp + sel.promotion_margin
    ok &= passed
    reasons.append(
        f"expectancy {money(c_exp, currency)} vs champion {money(k_exp, currency)} + margin "
        f"{money(sel.promotion_margin, currency)}: {'pass' if passed else 'fail'}"
    )
    psr = _num(chall["psr"])
    passed = psr >= sel.min_psr
    ok &= passed
    reasons.append(f"PSR {psr:.2f} vs required {sel.min_psr:.2f}: {'pass' if passed else 'fail'}")
    c_dd, k_dd = _num(chall["max_drawdown_pct"], 0.0), _num(champ["max_drawdown_pct"], 0.0)
    passed = c_dd <= k_dd + sel.max_drawdown_tolerance_pct
    ok &= passed
    reasons.append(
        f"max drawdown {c_dd:.1f} % vs champion {k_dd:.1f} % + "
        f"{sel.max_drawdown_tolerance_pct:.1f} pp: {'pass' if passed else 'fail'}"
    )
    return reasons, bool(ok)


def _num(value: float | None, default: float = -math.inf) -> float:
    return default if value is None or math.isnan(value) else float(value)


def _lineage_exists(desk: Any, lineage: str) -> bool:
    return any(lin.name == lineage for lin in desk.registry.lineages())


def decision_basis(evidence: dict[str, Any]) -> str:
    """What a recorded decision compared, in one line: which trades (backtest / shadow), of
    which versions, over which window."""
    source = evidence.get("source") or ("backtest" if "challenger" in evidence else "")
    span = f"{str(evidence.get('from', '?'))[:16]} → {str(evidence.get('to', '?'))[:16]} UTC"
    if "flagged_decision" in evidence:
        return f"as in decision #{evidence['flagged_decision']}, when it was flagged"
    if source == "shadow":
        return (
            "shadow vs shadow: both versions' paper trades on live bars opened after "
            f"{str(evidence.get('from', '?'))[:16]} UTC"
        )
    if source == "backtest" and evidence.get("champion_ref"):
        return (
            f"backtest vs backtest: both versions' trades on the same "
            f"{evidence.get('common_bars', '?')} out-of-sample bars, {span}"
        )
    if source == "backtest":
        return (
            f"backtest: its out-of-sample walk-forward trades, {span}, against the absolute gates"
        )
    return "—"


@dataclass(frozen=True)
class DecisionRecord:
    """One recorded promotion decision as the trader reads it."""

    id: int
    session_id: int | None
    challenger_id: int
    champion_id: int | None
    decision: str
    reasons: list[str]
    evidence: dict[str, Any]
    created_at: Any

    @property
    def basis(self) -> str:
        return decision_basis(self.evidence)


def decisions(desk: Any, version_id: int | None = None, limit: int = 20) -> list[DecisionRecord]:
    """The newest recorded decisions (about `version_id` as challenger when given)."""
    from sqlalchemy import select

    query = select(PromotionDecision).order_by(PromotionDecision.id.desc()).limit(limit)
    if version_id is not None:
        query = query.where(PromotionDecision.challenger_id == version_id)
    with desk.db.session() as s:
        return [
            DecisionRecord(
                r.id,
                r.session_id,
                r.challenger_id,
                r.champion_id,
                r.decision,
                json.loads(r.reasons_json),
                json.loads(r.evidence_json),
                r.created_at,
            )
            for r in s.scalars(query)
        ]


def record(desk: Any, decision: Decision, challenger_id: int, session_id: int | None) -> None:
    with desk.db.session(write=True) as s:
        s.add(
            PromotionDecision(
                session_id=session_id,
                challenger_id=challenger_id,
                champion_id=decision.champion_id,
                decision=decision.decision,
                reasons_json=json.dumps(decision.reasons),
                evidence_json=json.dumps(decision.evidence, default=str),
            )
        )


def activate_promoted(
    desk: Any,
    decision: Decision,
    challenger_id: int,
    session_id: int | None,
    *,
    actor: str,
    reason: str,
) -> str | None:
    """Activate a promoted challenger. The registry verifies its model file first; a refusal is
    recorded as a `rejected` decision with the reason (so it is not tried again) and returned,
    and the active version stays."""
    from engine.errors import ArtifactError

    try:
        desk.registry.activate(challenger_id, actor=actor, reason=reason)
    except ArtifactError as err:
        refused = Decision("rejected", [f"activation refused: {err}"], decision.champion_id)
        record(desk, refused, challenger_id, session_id)
        return str(err)
    return None
