"""Champion/challenger gates and the recorded promotion decision."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from engine.db.schema import PromotionDecision
from engine.selection import _gates, absolute_gates, decision_basis

SEL = SimpleNamespace(
    min_trades=30, promotion_margin=1.0, min_psr=0.9, max_drawdown_tolerance_pct=5.0
)


def m(trades: float, expectancy: float, psr: float, dd: float) -> dict[str, float]:
    return {"trades": trades, "expectancy": expectancy, "psr": psr, "max_drawdown_pct": dd}


def test_a_better_challenger_passes_every_gate():
    reasons, ok = _gates(SEL, m(100, 5.0, 0.95, 8.0), m(100, 3.0, 0.7, 6.0))
    assert ok and all("pass" in r for r in reasons)


def test_each_gate_can_reject():
    assert not _gates(SEL, m(100, 3.5, 0.95, 6.0), m(100, 3.0, 0.9, 6.0))[1]  # margin
    reasons, ok = _gates(SEL, m(100, -1.0, 0.95, 6.0), m(100, -5.0, 0.9, 6.0))  # a loser
    assert not ok and reasons[0].startswith("expectancy -$1.00 per trade after costs > 0: fail")
    assert not _gates(SEL, m(100, 5.0, 0.80, 6.0), m(100, 3.0, 0.9, 6.0))[1]  # PSR
    assert not _gates(SEL, m(100, 5.0, 0.95, 12.0), m(100, 3.0, 0.9, 6.0))[1]  # drawdown
    reasons, ok = _gates(SEL, m(10, 5.0, 0.95, 6.0), m(100, 3.0, 0.9, 6.0))  # evidence
    assert not ok and "10 trades" in reasons[0]


def test_the_first_version_is_judged_by_absolute_gates() -> None:
    good = {"expectancy": 2.0, "psr": 0.95, "strongest_baseline_expectancy": 1.0}
    reasons, ok = absolute_gates(SEL, {**good, "beats_baselines": 1.0}, "EUR")
    assert ok and reasons == [
        "expectancy €2.00 per trade after costs > 0: pass",
        "PSR 0.95 vs required 0.90 (selection.min_psr): pass",
        "expectancy €2.00 vs the strongest baseline's €1.00: pass",
    ]
    for bad in ({"expectancy": -0.5}, {"psr": 0.5}, {"beats_baselines": 0.0}):
        assert not absolute_gates(SEL, {**good, "beats_baselines": 1.0, **bad})[1], bad


def test_a_decision_says_what_it_compared() -> None:
    both = {"source": "backtest", "champion_ref": "X:v1", "common_bars": 500,
            "from": "2026-03-02 00:00:00+00:00", "to": "2026-03-06 21:55:00+00:00"}  # fmt: skip
    assert decision_basis(both) == (
        "backtest vs backtest: both versions' trades on the same 500 out-of-sample bars, "
        "2026-03-02 00:00 → 2026-03-06 21:55 UTC"
    )
    first = {"source": "backtest", "from": "2026-03-02 00:00", "to": "2026-03-06 21:55"}
    assert "against the absolute gates" in decision_basis(first)
    shadow = {"source": "shadow", "from": "2026-03-09T08:00:00+00:00"}
    assert decision_basis(shadow).startswith("shadow vs shadow: both versions' paper trades")


def test_a_second_session_records_its_decision_against_the_champion(trained: Any) -> None:
    desk, first = trained
    second = desk.learn(actor="test")
    with desk.db.session() as s:
        rows = s.scalars(select(PromotionDecision).order_by(PromotionDecision.id)).all()
        decisions = [(r.decision, r.champion_id, json.loads(r.reasons_json)) for r in rows]
    assert decisions[0][0] == "promoted" and decisions[0][1] is None
    verdict, champion_id, reasons = decisions[1]
    assert champion_id == first.version_id and verdict in {"promoted", "rejected"}
    assert any("expectancy" in r for r in reasons) or any("bars" in r for r in reasons)
    active = desk.registry.active_version()
    assert active.id == (second.version_id if verdict == "promoted" else first.version_id)
    session = desk.learning_session(second.session_id)
    assert session.result["promotion"]["decision"] == verdict


def test_with_auto_switching_off_a_better_challenger_is_flagged_not_activated(tmp_path: Path):
    """The champion never trades (it needs a probability above 1), so the session's winner
    clears every gate on the common bars; with auto_model_switching off it is only flagged,
    the champion keeps serving, and the report tells the trader."""
    from engine.features import build_features
    from engine.registry import NewVersion
    from engine.reports import build_report
    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "flag", n_bars=6000, momentum=0.25)
    for key, value in [
        ("learning.algorithms", '["logistic_regression"]'),
        ("auto_model_switching", "false"),
        ("selection.min_psr", "0"),
        ("selection.max_drawdown_tolerance_pct", "100"),
    ]:
        desk.set_config(key, value, actor="test")
    cfg = desk.config()
    bars = desk.bars("XAUUSD", "M5").iloc[:3000]
    feats = build_features(bars, cfg.features, timeframe="M5").dropna()
    labels = np.sign(np.diff(bars["close"].to_numpy(), append=np.nan))[feats.index]
    labels = np.nan_to_num(labels).astype(int)
    model = Pipeline([("s", StandardScaler()), ("m", LogisticRegression(max_iter=1000))])
    model.fit(feats.to_numpy(), labels)
    champion = desk.registry.register(
        model,
        NewVersion(
            lineage="XAUUSD-M5-scalper",
            symbol="XAUUSD",
            timeframe="M5",
            algorithm="logistic_regression",
            features=list(feats.columns),
            train_start=bars["time"].iloc[0].to_pydatetime(),
            train_end=bars["time"].iloc[-1].to_pydatetime(),
            details={"feature_spec": cfg.features.model_dump(mode="json"), "min_confidence": 1.01},
        ),
    )
    desk.activate(champion.id, actor="test")

    outcome = desk.learn(actor="test")
    assert outcome.status == "succeeded" and not outcome.activated
    assert desk.registry.active_version().id == champion.id  # the champion keeps serving
    assert desk.registry.get(outcome.version_id).status == "candidate"
    with desk.db.session() as s:
        row = s.scalars(
            select(PromotionDecision).where(PromotionDecision.challenger_id == outcome.version_id)
        ).one()
        verdict, reasons = row.decision, json.loads(row.reasons_json)
        evidence = json.loads(row.evidence_json)
    assert verdict == "flagged" and row.champion_id == champion.id
    assert [r.rsplit(": ", 1)[-1] for r in reasons[:-1]] == ["pass"] * 4
    assert evidence["source"] == "backtest" and evidence["common_bars"] >= 100
    assert reasons[-1] == "auto_model_switching is off: flagged for the trader"
    assert evidence["champion"]["trades"] == 0 and evidence["challenger"]["trades"] >= 20
    assert "flagged" in desk.learning_session(outcome.session_id).message

    report = build_report(desk)
    assert report["adaptive_learning"]["flagged_challengers"][0]["challenger_id"] == (
        outcome.version_id
    )
    assert any(
        "auto_model_switching is off" in r and "activate it by hand" in r
        for r in report["recommendations"]
    )
    desk.close()


def test_a_promoted_winner_whose_file_was_tampered_is_not_activated(
    tmp_path: Path, monkeypatch: Any
):
    """Automatic promotion goes through the registry's verified activation: a winner whose
    model file changes between registration and activation is refused, the refusal recorded
    as a rejected decision and in the session's message; nothing becomes active."""
    from engine.registry import ModelRegistry
    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "tamper", n_bars=6000, momentum=0.25)
    desk.set_config("learning.algorithms", '["logistic_regression"]', actor="test")
    desk.set_config("selection.min_psr", "0", actor="test")  # the gates pass: the file decides
    register = ModelRegistry.register

    def register_then_tamper(self: Any, estimator: Any, spec: Any, **kw: Any) -> Any:
        info = register(self, estimator, spec, **kw)
        path = self.artifacts_dir / info.artifact_path
        path.write_bytes(path.read_bytes()[:-1])
        return info

    monkeypatch.setattr(ModelRegistry, "register", register_then_tamper)
    outcome = desk.learn(actor="test")
    assert outcome.status == "succeeded" and not outcome.activated
    assert desk.registry.active_version() is None
    with desk.db.session() as s:
        rows = s.execute(
            select(PromotionDecision.decision, PromotionDecision.reasons_json).order_by(
                PromotionDecision.id
            )
        ).all()
    assert [r.decision for r in rows] == ["promoted", "rejected"]
    assert json.loads(rows[-1].reasons_json)[0].startswith("activation refused: ")
    session = desk.learning_session(outcome.session_id)
    assert "promoted, but activation refused" in session.message
    desk.close()
