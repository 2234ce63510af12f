"""A trained desk for the research-report tests: a private copy of the seeded demo desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.desks import seeded_copy


@pytest.fixture
def trained_home(tmp_path: Path) -> Path:
    """The demo desk (three versions from real learning sessions, with backtest trades)."""
    return seeded_copy(tmp_path / "home")
