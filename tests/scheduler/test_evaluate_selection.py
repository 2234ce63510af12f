"""The evaluate cycle's selection work: a challenger flagged while auto_model_switching was off is
activated once it is on (only against the champion it beat), and every version with new live
trades gets a live snapshot, not just the active one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from engine.db.schema import Trade, TriggerCheck
from engine.scheduler.evaluate import LOOKBACK, evaluate_cycle
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


def test_other_versions_are_found_from_the_trades_logged_since_the_previous_cycle(
    desk: Desk, small_model: Any
):
    """Only trades logged since the previous cycle (less LOOKBACK) are grouped, by the logged_at
    index: a ledger of old trades costs nothing, and a trade logged late is still seen."""
    old = desk.registry.register(small_model, spec())
    new = desk.registry.register(small_model, spec())
    desk.activate(new.id, actor="t")
    evaluate_cycle(desk)  # the previous cycle
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def log(ticket: str, logged_at: datetime) -> None:
        desk.log_trade(
            {"ticket": ticket, "side": "buy", "volume": 0.1, "profit": 1.0, "open_time": t0,
             "close_time": t0 + timedelta(minutes=5), "version_id": old.id}
        )  # fmt: skip
        with desk.db.session(write=True) as s:
            s.execute(update(Trade).where(Trade.ticket == ticket).values(logged_at=logged_at))

    with desk.db.session() as s:
        previous = s.scalar(select(func.max(TriggerCheck.checked_at)))
    log("T-before", previous - LOOKBACK - timedelta(minutes=1))
    assert "refreshed" not in evaluate_cycle(desk).note  # before the look-back: not scanned
    log("T-late", previous - LOOKBACK + timedelta(minutes=5))  # a clock behind, or a long cycle
    assert "live metrics refreshed for 1 other version" in evaluate_cycle(desk).note
    assert desk.registry.get(old.id, source="live").metrics["trades"] == 2


def test_a_flagged_challenger_with_a_tampered_file_is_refused(
    desk: Desk, small_model: Any, forest: Any
):
    champion = desk.registry.register(small_model, spec())
    challenger = desk.registry.register(forest, spec("random_forest"))
    desk.activate(champion.id, actor="t")
    _flag(desk, challenger.id, champion.id)
    assert challenger.artifact_path
    path = desk.paths.artifacts_dir / challenger.artifact_path
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    desk.set_config("auto_model_switching", "true", actor="t")
    result = evaluate_cycle(desk)
    assert desk.registry.active_version().id == champion.id
    assert "refused flagged challenger" in result.note and "sha256" in result.note
    assert len(desk.activation_history()) == 1
    assert "refused" not in evaluate_cycle(desk).note  # recorded as rejected: not retried
