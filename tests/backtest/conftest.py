"""Backtests on demand: a private copy of the seeded demo desk (three session-trained versions
on generated bars, v3 active) with shadow trading on every bar after each training window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.services import Desk
from tests.dashboard.desks import seeded_copy
from tests.shadow.conftest import shadow_settings


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Desk]:
    """The demo desk (its own copy), shadow trading on (top 2 per market, every bar after
    training): what a replay after the training window must equal."""
    with Desk.open(str(seeded_copy(tmp_path / "home"))) as opened:
        shadow_settings(opened)
        yield opened
