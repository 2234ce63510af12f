"""Champion/challenger: a new version replaces the active one only when, on the same
out-of-sample bars (after the champion's training window), it beats the champion's expectancy
after costs by the configured margin, its PSR is high enough, and its drawdown is not much worse.
With shadow.require_for_promotion, a challenger that passes is held until its paper trades on
live bars show a significant edge (engine.shadow.promotion). Every decision is recorded with its
reasons, promoted or not."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.backtest.simulate import simulate_on
from engine.db.schema import PromotionDecision
from engine.learner.candidates import single_threaded
from engine.learner.evaluate import CandidateResult, Dataset
from engine.learner.signals import signals_from_proba
from engine.metrics.summary import summarize

MIN_COMMON_BARS = 100


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


def _metrics(trades: Any, cfg: Any) -> dict[str, float]:
    return summarize(
        trades["net_profit"].to_numpy(float),
        list(trades["exit_time"]),
        initial_equity=cfg.account.initial_balance,
    ).as_dict()


def champion_signals(champion: Any, model: Any, data: Dataset, rows: np.ndarray) -> np.ndarray:
    """The champion's signals on `rows`, from the features it was trained with."""
    from engine.features import build_features, stored_spec

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


def judge(desk: Any, cfg: Any, data: Dataset, winner: CandidateResult, lineage: str) -> Decision:
    """Compare the session's winner with the lineage's active version on common OOS bars."""
    champion = desk.registry.active_version(lineage) if _lineage_exists(desk, lineage) else None
    if champion is None:
        verdict = "promoted" if cfg.auto_model_switching else "flagged"
        return Decision(verdict, ["no active version in this lineage yet"], None)
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
    champ, chall = _metrics(champ_trades, cfg), _metrics(chall_trades, cfg)
    reasons, ok = _gates(cfg.selection, chall, champ)
    evidence = {
        "common_bars": len(rows),
        "from": str(data.bars["time"].iloc[rows[0]]),
        "to": str(data.bars["time"].iloc[rows[-1]]),
        "challenger": chall,
        "champion": champ,
        "champion_ref": champion.ref,
    }
    if not ok:
        return Decision("rejected", reasons, champion.id, evidence)
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


def _gates(sel: Any, chall: dict[str, float], champ: dict[str, float]) -> tuple[list[str], bool]:
    reasons, ok = [], True
    if chall["trades"] < sel.min_trades:
        ok = False
        reasons.append(
            f"challenger made {int(chall['trades'])} trades on the common window "
            f"(needs {sel.min_trades})"
        )
    c_exp, k_exp = _num(chall["expectancy"]), _num(champ["expectancy"], 0.0)
    passed = c_exp >= k_exp + sel.promotion_margin
    ok &= passed
    reasons.append(
        f"expectancy ${c_exp:.2f} vs champion ${k_exp:.2f} + margin "
        f"${sel.promotion_margin:.2f}: {'pass' if passed else 'fail'}"
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
