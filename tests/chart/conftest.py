"""A private copy of the trained demo desk (bars, versions, live and backtest trades)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.services import Desk
from tests.dashboard.desks import seeded_copy


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Desk]:
    with Desk.open(str(seeded_copy(tmp_path / "home"))) as opened:
        yield opened
