"""Shared fixtures: a temporary Aurum home with a migrated database, small fitted models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.registry import NewVersion
from engine.services import Desk, init_home

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURUM_HOME", raising=False)
    monkeypatch.delenv("AURUM_DATABASE_URL", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised Aurum home (database migrated, default config written)."""
    init_home(str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    with Desk.open(str(home)) as opened:
        yield opened


@pytest.fixture(scope="session")
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    return x, y


@pytest.fixture(scope="session")
def small_model(xy: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(*xy)


@pytest.fixture(scope="session")
def forest(xy: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=5, random_state=0).fit(*xy)


def spec(
    algorithm: str = "logistic_regression", lineage: str = "XAUUSD-M5-scalper", **metrics: float
) -> NewVersion:
    """A NewVersion for tests; metrics given as keyword arguments."""
    return NewVersion(
        lineage=lineage,
        symbol="XAUUSD",
        timeframe="M5",
        algorithm=algorithm,
        features=["f0", "f1", "f2", "f3"],
        metrics=metrics or None,
        metrics_trades=100,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which would break tests that call asyncio.run()."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
