"""The evaluate cycle's selection work: a challenger flagged while auto_model_switching was off is
activated once it is on (only against the champion it beat), and every version with new live
trades gets a live snapshot, not just the active one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from engine.scheduler.evaluate import evaluate_cycle
from engine.selection import Decision, record
from engine.services import Desk
from tests.conftest import spec


def _flag(desk: Desk, challenger: int, champion: int) -> None:
    decision = Decision(
        "flagged", ["expectancy: pass", "auto_model_switching is off: flagged"], champion
    )
    record(desk, decision, challenger, None)


def test_a_flagged_challenger_is_activated_once_switching_is_on(desk: Desk, small_model: Any):
    champion = desk.registry.register(small_model, spec())
    challenger = desk.registry.register(small_model, spec())
    desk.activate(champion.id, actor="t")
    desk.set_config("auto_model_switching", "false", actor="t")
    _flag(desk, challenger.id, champion.id)

    evaluate_cycle(desk)
    assert desk.registry.active_version().id == champion.id  # still off: only flagged

    desk.set_config("auto_model_switching", "true", actor="t")
    result = evaluate_cycle(desk)
    assert desk.registry.active_version().id == challenger.id
    assert "activated flagged challenger" in result.note
    event = desk.activation_history()[0]
    assert event.actor == "services" and "auto-switch" in event.reason
    desk.rollback(actor="trader", reason="not yet")  # the trader overrules it ...
    evaluate_cycle(desk)
    assert desk.registry.active_version().id == champion.id  # ... and it is not redone


def test_no_switch_when_the_champion_changed_since_the_flag(desk: Desk, small_model: Any):
    champion = desk.registry.register(small_model, spec())
    challenger = desk.registry.register(small_model, spec())
    other = desk.registry.register(small_model, spec())
    desk.activate(champion.id, actor="t")
    _flag(desk, challenger.id, champion.id)
    desk.activate(other.id, actor="trader")  # the trader chose another model meanwhile
    desk.set_config("auto_model_switching", "true", actor="t")
    evaluate_cycle(desk)
    assert desk.registry.active_version().id == other.id


def test_live_snapshots_for_every_version_with_new_live_trades(desk: Desk, small_model: Any):
    old = desk.registry.register(small_model, spec())
    new = desk.registry.register(small_model, spec())
    desk.activate(old.id, actor="t")
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for k, profit in enumerate([5.0, -2.0, 7.0]):
        desk.log_trade(
            {"ticket": f"T{k}", "side": "buy", "volume": 0.1, "profit": profit,
             "open_time": t0 + timedelta(minutes=10 * k),
             "close_time": t0 + timedelta(minutes=10 * k + 5), "version_id": old.id}
        )  # fmt: skip
    desk.activate(new.id, actor="t")  # old's trades arrived; it is no longer active
    result = evaluate_cycle(desk)
    assert "live metrics refreshed for 1 other version" in result.note
    live = desk.registry.get(old.id, source="live")
    assert live.metrics["trades"] == 3 and round(live.metrics["win_rate"], 4) == round(2 / 3, 4)
    assert "refreshed" not in evaluate_cycle(desk).note  # nothing new since: no new snapshot
