"""A desk with generated bars stored, and a fast learning configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.data.store import upsert_bars
from engine.data.synthetic import generate_bars
from engine.services import Desk, init_home


def fast_desk(root: Path, *, n_bars: int, momentum: float, seed: int = 42) -> Desk:
    init_home(str(root))
    desk = Desk.open(str(root))
    for key, value in [
        ("learning.n_folds", "3"),
        ("learning.min_train_bars", "1500"),
        ("learning.algorithms", '["logistic_regression", "hist_gradient_boosting"]'),
        ("selection.min_trades", "20"),
    ]:
        desk.set_config(key, value, actor="test")
    bars = generate_bars(n_bars=n_bars, seed=seed, momentum=momentum)
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")
    return desk


def learn_and_serve(desk: Desk, actor: str = "test") -> Any:
    """A learning session whose winner is served: activated by hand when the first-version gates
    rejected it (tests that need a served model test serving, not the gates: tests/learner's
    gate tests judge those). Returns the session's outcome."""
    outcome = desk.learn(actor=actor)
    assert outcome.status == "succeeded" and outcome.version_id is not None, outcome
    if not outcome.activated and desk.registry.active_version() is None:
        desk.activate(outcome.version_id, actor=actor, reason="tests: serve the session's winner")
    return outcome


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, object]]:
    """One session on bars with a known momentum effect, shared by the module's tests."""
    desk = fast_desk(tmp_path_factory.mktemp("learn"), n_bars=9000, momentum=0.25)
    stages: list[tuple[str, float]] = []
    outcome = desk.learn(actor="test", progress=lambda s, p: stages.append((s, p)))
    desk.stages = stages  # type: ignore[attr-defined]
    yield desk, outcome
    desk.close()
