"""The bridge keeps the active versions, the live tokens and the pause switch between requests
and reads them again once anything was committed: a move made by another process (the CLI,
the services) reaches the very next request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from engine.registry import NewVersion
from engine.services import Desk
from tests.api.conftest import LiveBridge
from tests.api.test_bridge import SENT, _signal_body

ROOT = Path(__file__).resolve().parents[2]


def _aurum(desk: Desk, *args: str) -> None:
    """`aurum ARGS` in a process of its own, on the bridge's desk."""
    command = "import sys; from engine.cli.main import main; sys.exit(main(sys.argv[1:]))"
    home = ("--home", str(desk.paths.root))
    done = subprocess.run(
        [sys.executable, "-c", command, *args, *home],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _signal(bridge: LiveBridge, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or bridge.token}"}
    return httpx.post(f"{bridge.url}/v1/signal", json=body, headers=headers)


def test_moves_made_by_another_process_reach_the_next_request(bridge: LiveBridge):
    desk = bridge.desk
    model, info = desk.registry.load_model(1)
    second = desk.registry.register(
        model,
        NewVersion(
            lineage=info.lineage,
            symbol=info.symbol,
            timeframe=info.timeframe,
            algorithm=info.algorithm,
            features=info.features,
            train_start=info.train_start,
            train_end=info.train_end,
            details=info.details,
        ),
    )
    body = _signal_body(desk.bars("XAUUSD", "M5").iloc[-SENT:])
    for _ in range(3):  # served from what the bridge keeps
        assert _signal(bridge, body).json()["version_id"] == 1
    _aurum(desk, "activate", str(second.id), "--reason", "newer")
    assert _signal(bridge, body).json()["version_id"] == second.id
    _aurum(desk, "pause", "--reason", "news at 14:30")
    held = _signal(bridge, body).json()
    assert (held["side"], held["paused"], held["pause_reason"]) == ("HOLD", True, "news at 14:30")
    _aurum(desk, "resume", "--reason", "after the news")
    assert _signal(bridge, body).json()["paused"] is False
    _aurum(desk, "token", "revoke", "ea-test")
    assert _signal(bridge, body).status_code == 401
