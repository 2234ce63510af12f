"""One evaluation cycle against a real database: the performance trigger on live trades and
the cooldown between triggered sessions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from engine.db.schema import LearningSession, TriggerCheck, utcnow
from engine.learner import records
from engine.reports import build_report
from engine.scheduler.evaluate import evaluate_cycle
from engine.services import Desk
from tests.conftest import spec


def live_trades(version_id: int | None, profits: list[float], tag: str) -> list[dict[str, Any]]:
    t0 = datetime(2025, 3, 3, 8, tzinfo=UTC)
    return [
        {
            "ticket": f"{tag}{k}",
            "side": "buy",
            "open_time": t0 + timedelta(minutes=10 * k),
            "close_time": t0 + timedelta(minutes=10 * k + 5),
            "volume": 0.1,
            "profit": profit,
            "version_id": version_id,
        }
        for k, profit in enumerate(profits)
    ]


def fired(result: Any) -> dict[str, Any]:
    return {t.name: t for t in result.triggers if t.fired}


def test_a_poor_live_profit_factor_fires_the_performance_trigger(desk: Desk, small_model: Any):
    version = desk.registry.register(small_model, spec())
    desk.activate(version.id, actor="t")
    # 60 % winners (above performance_threshold 0.4), but profit factor 15 / 40 = 0.375
    desk.log_trades(live_trades(version.id, [5.0, 5.0, -20.0, 5.0, -20.0] * 8, "P"))
    result = evaluate_cycle(desk)
    performance = fired(result)["performance"]
    assert performance.reason == (
        "live win rate 60.0% vs threshold 40%; profit factor 0.38 vs threshold 1.00 "
        "over 40 trades: profit factor below threshold"
    )
    recommendations = build_report(desk)["recommendations"]
    assert any("profit factor 0.38" in r and "retrain or roll back" in r for r in recommendations)

    desk.set_config("scheduler.profit_factor_threshold", "0", actor="t")  # win rate only
    again = evaluate_cycle(desk)
    assert "performance" not in fired(again)
    assert not any("retrain or roll back" in r for r in build_report(desk)["recommendations"])


def test_the_cooldown_keeps_triggered_sessions_apart(desk: Desk):
    desk.set_config("min_trades_for_update", "1", actor="t")
    first = records.create(
        desk.db, trigger="manual", requested_by="t", symbol="XAUUSD", timeframe="M5"
    )
    records.update(desk.db, first, status="succeeded")
    desk.log_trades(live_trades(None, [1.0], "A"))

    blocked = evaluate_cycle(desk)  # the data trigger fires minutes after the last session
    assert set(fired(blocked)) == {"data"} and blocked.queued_session is None
    assert blocked.note == "fired (data) but within the 60 min cooldown"

    with desk.db.session(write=True) as s:  # the last session started 61 minutes ago
        s.execute(
            update(LearningSession)
            .where(LearningSession.id == first)
            .values(created_at=utcnow() - timedelta(minutes=61))
        )
    queued = evaluate_cycle(desk)
    assert queued.queued_session == first + 1
    assert desk.learning_session(queued.queued_session).trigger == "data"

    records.update(desk.db, queued.queued_session, status="succeeded")  # it ran at once
    desk.log_trades(live_trades(None, [1.0], "B"))
    back_to_back = evaluate_cycle(desk)
    assert set(fired(back_to_back)) == {"data"} and back_to_back.queued_session is None
    assert "cooldown" in back_to_back.note

    desk.set_config("scheduler.cooldown_minutes", "0", actor="t")
    assert evaluate_cycle(desk).queued_session == first + 2
    with desk.db.session() as s:  # every check was recorded with its decision
        checks = s.scalars(select(TriggerCheck).order_by(TriggerCheck.id)).all()
        decisions = [json.loads(c.results_json)[-1] for c in checks]
    assert [d["fired"] for d in decisions] == [False, True, False, True]
    assert "cooldown" in decisions[0]["reason"] and "cooldown" in decisions[2]["reason"]


def test_each_active_lineage_is_evaluated_and_its_own_market_gets_the_session(
    desk: Desk, small_model: Any
):
    """Two lineages active (XAUUSD M5, XAGUSD M5): both get a live snapshot; the performance
    trigger fires on XAGUSD's only, and the session it queues learns on XAGUSD M5 — a session
    waiting for XAUUSD does not hold it back."""
    gold = desk.registry.register(small_model, spec())
    silver = desk.registry.register(
        small_model, replace(spec(lineage="XAGUSD-M5-scalper"), symbol="XAGUSD")
    )
    desk.activate(gold.id, actor="t")
    desk.activate(silver.id, actor="t")
    desk.set_config("min_trades_for_update", "1000", actor="t")  # the data trigger stays quiet
    desk.set_config("scheduler.cooldown_minutes", "0", actor="t")
    for symbol in ("XAUUSD", "XAGUSD"):  # both markets learnt a moment ago: no time trigger
        records.create(
            desk.db, trigger="manual", requested_by="t", symbol=symbol, timeframe="M5",
            status="succeeded",
        )  # fmt: skip
    waiting = records.create(
        desk.db, trigger="manual", requested_by="t", symbol="XAUUSD", timeframe="M5"
    )
    desk.log_trades(live_trades(gold.id, [5.0] * 40, "G"))
    poor = [
        {**t, "symbol": "XAGUSD"}
        for t in live_trades(silver.id, [5.0, 5.0, -20.0, 5.0, -20.0] * 8, "S")
    ]
    desk.log_trades(poor)

    result = evaluate_cycle(desk)
    assert [(m.symbol, m.timeframe) for m in result.markets] == [("XAUUSD", "M5"), ("XAGUSD", "M5")]
    gold_part, silver_part = result.markets
    assert gold_part.versions == [gold.id] and silver_part.versions == [silver.id]
    assert not fired(gold_part) and gold_part.queued_session is None
    assert set(fired(silver_part)) == {"performance"}
    assert "profit factor 0.38" in fired(silver_part)["performance"].reason
    queued = desk.learning_session(silver_part.queued_session)
    assert (queued.symbol, queued.timeframe, queued.trigger) == ("XAGUSD", "M5", "performance")
    assert queued.status == "queued" and queued.id != waiting
    # the configured market's figures stay at the top level
    assert result.triggers == gold_part.triggers and result.queued_session is None
    assert f"XAGUSD M5: fired (performance): queued learning session #{queued.id}" in result.note
    for version, win_rate in ((gold, 1.0), (silver, 0.6)):  # both snapshotted
        live = desk.registry.get(version.id, source="live").metrics
        assert live["trades"] == 40 and round(live["win_rate"], 4) == win_rate
    with desk.db.session() as s:  # one check per market, the configured market's last
        checks = s.scalars(select(TriggerCheck).order_by(TriggerCheck.id)).all()
        decisions = [json.loads(c.results_json)[-1] for c in checks]
    assert [d["market"] for d in decisions] == ["XAGUSD M5", "XAUUSD M5"]
    assert [c.session_id for c in checks] == [queued.id, None]

    again = evaluate_cycle(desk).market("XAGUSD", "M5")  # its session waits: not a second one
    assert again.queued_session is None and "already queued or running" in again.note
