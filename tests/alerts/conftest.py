"""Alert fixtures: a real local webhook receiver, and a desk with an active model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.services import Desk
from tests.alerts.receiver import Receiver
from tests.conftest import spec


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def use_webhook(desk: Desk, url: str, **settings: str) -> None:
    """Point the desk's alerts at `url`, with extra `alerts.*` settings (raw values)."""
    desk.set_config("alerts.webhook_url", url, actor="test")
    for key, value in settings.items():
        desk.set_config(f"alerts.{key}", value, actor="test")


def live_trades(version_id: int, profits: list[float], tag: str) -> list[dict[str, Any]]:
    """Closed live trades of `version_id`, one a day (so daily returns are the trades)."""
    t0 = datetime(2025, 3, 3, 8, tzinfo=UTC)
    return [
        {
            "ticket": f"{tag}{k}",
            "side": "buy",
            "open_time": t0 + timedelta(days=k),
            "close_time": t0 + timedelta(days=k, minutes=5),
            "volume": 0.1,
            "profit": profit,
            "version_id": version_id,
        }
        for k, profit in enumerate(profits)
    ]


@pytest.fixture
def active(desk: Desk, small_model: Any) -> Any:
    """Version 1 registered and activated (no training: the shared small fitted model)."""
    version = desk.registry.register(small_model, spec())
    desk.activate(version.id, actor="alice", reason="first")
    return version
