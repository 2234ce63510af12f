"""The controller keeps recently active models loaded (a rollback serves at once) and logs
trades against the active version without loading any model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.controller import RECENT_KEPT, Phase3Controller
from engine.services import Desk
from tests.conftest import spec


def test_a_rollback_serves_the_previous_model_without_reloading_it(
    home: Path, desk: Desk, small_model: Any, forest: Any
):
    versions = [desk.registry.register(small_model, spec()) for _ in range(RECENT_KEPT + 2)]
    phase3 = Phase3Controller(str(home))
    loaded = {}
    for v in versions:
        desk.activate(v.id, actor="t")
        model, meta = phase3.get_active_model_for_prediction()
        assert meta["model_id"] == v.id
        loaded[v.id] = model
    desk.rollback(actor="t")
    model, meta = phase3.get_active_model_for_prediction()
    assert meta["model_id"] == versions[-2].id and model is loaded[versions[-2].id]
    assert len(phase3._cache) == RECENT_KEPT + 1  # the active one and RECENT_KEPT others
    assert versions[0].id not in phase3._cache  # the oldest was let go


def test_trades_are_logged_against_the_active_version_without_loading_it(
    home: Path, desk: Desk, small_model: Any
):
    v = desk.registry.register(small_model, spec())
    desk.activate(v.id, actor="t")
    (desk.paths.artifacts_dir / desk.version(v.id).artifact_path).unlink()
    phase3 = Phase3Controller(str(home))
    logged = phase3.log_trade_with_model_info(
        {"signal_type": "buy", "confidence": 0.85, "outcome": "win", "profit_loss": 50.0}
    )
    assert logged.version_id == v.id and phase3._cache == {}
    assert [(t.net_profit, t.version_id) for t in desk.trades()] == [(50.0, v.id)]


def test_no_active_model_queues_one_session_when_configured(home: Path, desk: Desk):
    import pytest

    from engine.errors import RegistryError

    phase3 = Phase3Controller(str(home))
    with pytest.raises(RegistryError, match="no active model") as plain:
        phase3.get_active_model_for_prediction()
    assert "queued" not in str(plain.value) and desk.learning_sessions() == []

    desk.set_config("scheduler.queue_learning_when_no_model", "true", actor="t")
    with pytest.raises(RegistryError, match=r"learning session #\d+ was queued"):
        phase3.get_active_model_for_prediction()
    with pytest.raises(RegistryError, match=r"learning session #\d+ is queued"):
        phase3.log_trade_with_model_info({"signal_type": "buy", "profit_loss": 1.0})
    [queued] = desk.learning_sessions()
    assert queued.trigger == "no_active_model" and queued.status == "queued"
