"""Real processes: services take the lease, a second instance stands aside, queued and
triggered sessions run, promotion is decided, rollback is served, the report is written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.learner.conftest import fast_desk

AURUM = str(Path(sys.executable).parent / "aurum")


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_services_end_to_end(tmp_path: Path):
    home = tmp_path / "desk"
    # 6,000 bars, min_psr 0: the first session's winner (+$0.89 per trade after costs, PSR 0.74)
    # passes the first-version gates, so there is a champion to follow
    desk = fast_desk(home, n_bars=6000, momentum=0.25)
    for key, value in [
        ("scheduler.heartbeat_seconds", "1"),
        ("scheduler.lease_seconds", "5"),
        ("scheduler.cooldown_minutes", "0"),
        ("selection.min_live_trades", "10"),
        ("selection.min_psr", "0"),
        ("performance_threshold", "0.45"),
    ]:
        desk.set_config(key, value, actor="test")
    env = {**os.environ, "AURUM_HOME": str(home)}
    log_file = (tmp_path / "services.log").open("w")
    leader = subprocess.Popen([AURUM, "services"], env=env, stderr=log_file, text=True)
    try:
        wait_for(lambda: desk.service_status().alive, 30, "the services to take the lease")
        assert desk.service_status().holder.endswith(f":{leader.pid}")
        second = subprocess.run(
            [AURUM, "services", "--no-wait"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 3 and "already running" in second.stderr
        queued = subprocess.run(
            [AURUM, "train", "--queue"], env=env, capture_output=True, text=True, timeout=60
        )
        assert queued.returncode == 0 and "will pick it up" in queued.stdout
        wait_for(
            lambda: desk.learning_session(1).status in {"succeeded", "failed", "no_improvement"},
            180,
            "session 1",
        )
        first = desk.learning_session(1)
        assert first.status == "succeeded", first.error
        champion = desk.registry.active_version()
        assert champion is not None and champion.id == first.version_id

        from engine.controller import Phase3Controller

        phase3 = Phase3Controller(str(home))
        for k in range(12):  # a losing streak on the live model
            phase3.log_trade_with_model_info(
                {"ticket": f"L{k}", "signal_type": "buy", "profit_loss": -20.0}
            )
        from engine.scheduler.evaluate import evaluate_cycle

        result = evaluate_cycle(desk)
        live = desk.registry.get(champion.id, source="live").metrics
        assert live["trades"] == 12 and live["win_rate"] == 0.0  # live metrics moved
        fired = {t.name for t in result.triggers if t.fired}
        assert "performance" in fired and result.queued_session == 2
        wait_for(
            lambda: desk.learning_session(2).status in {"succeeded", "failed", "no_improvement"},
            180,
            "session 2",
        )
        second_session = desk.learning_session(2)
        assert second_session.trigger == "performance"
        promotion = second_session.result.get("promotion", {})
        assert promotion.get("decision") in {"promoted", "rejected"} and promotion.get("reasons")
        challenger = second_session.version_id
        assert challenger is not None and challenger != champion.id

        def cli(*argv: str) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [AURUM, *argv], env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr
            return done

        if promotion["decision"] != "promoted":  # rejected: the trader activates it by hand
            assert desk.registry.active_version().id == champion.id
            cli("activate", str(challenger), "--reason", "e2e: try the challenger")
        _, meta = phase3.get_active_model_for_prediction()
        assert meta["model_id"] == challenger  # the controller follows the pointer
        cli("rollback", "--reason", "e2e")
        _, meta = phase3.get_active_model_for_prediction()
        assert meta["model_id"] == champion.id  # served again on the next call
        report = phase3.generate_phase3_report()
        assert report["phase3_status"]["services_running"] is True
        assert report["adaptive_learning"]["last_session"]["id"] == 2
    finally:
        leader.send_signal(signal.SIGTERM)
        leader.wait(timeout=120)
    assert leader.returncode == 0
    assert not desk.service_status().alive  # the lease was given back
    written = list((home / "logs").glob("phase3_report_*.json"))
    assert written and "recommendations" in json.loads(written[-1].read_text())
    desk.close()
