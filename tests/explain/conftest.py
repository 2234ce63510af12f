"""Constructed data where the right explanation is known, and a trained demo desk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.learner.candidates import hyperparameters, make_pipeline
from engine.services import Desk
from tests.dashboard.desks import seeded_copy

NAMES = ["decider", "noise_a", "noise_b", "noise_c", "noise_d", "noise_e"]


def decided_by_first(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features whose first column alone sets the label: long above 0.3, short below -0.3."""
    x = np.random.default_rng(seed).normal(size=(n, len(NAMES)))
    y = np.where(x[:, 0] > 0.3, 1, np.where(x[:, 0] < -0.3, -1, 0))
    return x, y


def fitted(algorithm: str, x: np.ndarray, y: np.ndarray, *, max_features: int = 4):
    """The learner's own pipeline (selection → scaling → estimator), fitted on `x`, `y`."""
    params = hyperparameters(algorithm, {"n_jobs": 1} if algorithm == "random_forest" else {}, 0)
    return make_pipeline(algorithm, params, max_features=max_features, seed=0).fit(x, y)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the trained demo desk; AURUM_HOME points the dashboard at it."""
    root = seeded_copy(tmp_path / "home")
    monkeypatch.setenv("AURUM_HOME", str(root))
    return root


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    with Desk.open(str(home)) as opened:
        yield opened
