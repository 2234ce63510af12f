"""AppTest fixtures: a private copy of the seeded demo desk per test, the app pointed at it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.services import Desk
from tests.dashboard.desks import empty_home, seeded_copy

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGES = (
    "overview",
    "leaderboard",
    "performance",
    "learning",
    "models",
    "configuration",
    "data",
    "audit",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo desk; AURUM_HOME points the dashboard at it."""
    root = seeded_copy(tmp_path / "home")
    monkeypatch.setenv("AURUM_HOME", str(root))
    return root


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh install: database and config, nothing else."""
    root = empty_home(tmp_path / "fresh")
    monkeypatch.setenv("AURUM_HOME", str(root))
    return root


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    """The test's own view of the desk the dashboard shows (to check what actions did)."""
    with Desk.open(str(home)) as opened:
        yield opened


def open_page(page: str) -> AppTest:
    """Run the app, then switch to `page` (a file under dashboard/views)."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def decoded(value: Any) -> list[Any]:
    """Plotly's JSON of an array: a plain list, or base64 `bdata` with a numpy dtype."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return flat.tolist()
    return list(value)
