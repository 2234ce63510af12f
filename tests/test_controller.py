"""The seed's usage snippets from DESIGN.md, run as written (AURUM_HOME points at a temp desk)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from engine.errors import RegistryError
from tests.learner.conftest import fast_desk


@pytest.fixture
def seeded_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "desk"
    desk = fast_desk(home, n_bars=6000, momentum=0.25)
    desk.learn(actor="test")
    desk.close()
    monkeypatch.setenv("AURUM_HOME", str(home))
    return home


def test_the_seed_snippets_run_as_written(seeded_home: Path):
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller()
    model, metadata = phase3.get_active_model_for_prediction()
    assert metadata["version"] == "XAUUSD-M5-scalper:v1" and hasattr(model, "predict_proba")
    logged = phase3.log_trade_with_model_info(
        {"signal_type": "buy", "confidence": 0.85, "outcome": "win", "profit_loss": 50.0}
    )
    assert logged.outcome == "new" and logged.version_id == metadata["model_id"]
    assert phase3.desk.trades(metadata["model_id"])[0].net_profit == 50.0
    results = phase3.adaptive_learning.schedule_learning(run_immediately=True)
    assert results["session_id"] == 2 and results["status"] in {"succeeded", "no_improvement"}
    report = phase3.generate_phase3_report()
    assert report["phase3_status"]["logged_trades"] == 1
    for key in (
        "timestamp",
        "phase3_status",
        "active_model",
        "model_registry",
        "adaptive_learning",
        "config",
        "monitoring_available",
        "recommendations",
    ):
        assert key in report
    written = sorted((seeded_home / "logs").glob("phase3_report_*.json"))
    assert json.loads(written[-1].read_text())["phase3_status"] == report["phase3_status"]
    phase3.model_registry.cleanup_old_models(keep_count=10)
    models = phase3.model_registry.list_models()
    comparison = phase3.model_registry.compare_models([m.model_id for m in models])
    assert comparison.refs == [m.ref for m in models]
    phase3.model_registry.set_active_model(models[0].model_id)
    _, again = phase3.get_active_model_for_prediction()
    assert again["model_id"] == models[0].model_id  # the cache follows the pointer


def test_services_run_until_stopped(seeded_home: Path):
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller()
    threading.Timer(3.0, phase3.stop_phase3_services).start()
    started = time.monotonic()
    asyncio.run(phase3.start_phase3_services())
    assert 2.5 < time.monotonic() - started < 60
    status = phase3.desk.service_status()
    assert status.holder is not None and not status.alive  # took the lease, gave it back


def test_no_active_model_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from engine.controller import Phase3Controller
    from engine.services import init_home

    init_home(str(tmp_path / "empty"))
    monkeypatch.setenv("AURUM_HOME", str(tmp_path / "empty"))
    with pytest.raises(RegistryError, match="never serves an untrained fallback"):
        Phase3Controller().get_active_model_for_prediction()
