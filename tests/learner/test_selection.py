"""Champion/challenger gates and the recorded promotion decision."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from engine.db.schema import PromotionDecision
from engine.selection import _gates

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
    assert not _gates(SEL, m(100, 5.0, 0.80, 6.0), m(100, 3.0, 0.9, 6.0))[1]  # PSR
    assert not _gates(SEL, m(100, 5.0, 0.95, 12.0), m(100, 3.0, 0.9, 6.0))[1]  # drawdown
    reasons, ok = _gates(SEL, m(10, 5.0, 0.95, 6.0), m(100, 3.0, 0.9, 6.0))  # evidence
    assert not ok and "10 trades" in reasons[0]


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
