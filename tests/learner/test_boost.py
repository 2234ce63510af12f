"""LightGBM and XGBoost candidates (the `boost` extra): trained, registered, loaded, served."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.learner.conftest import fast_desk

pytest.importorskip("lightgbm", reason="the boost extra is not installed")
pytest.importorskip("xgboost", reason="the boost extra is not installed")


@pytest.mark.parametrize("algorithm", ["lightgbm", "xgboost"])
def test_boosted_candidates_round_trip_through_the_registry(tmp_path: Path, algorithm: str):
    desk = fast_desk(tmp_path / algorithm, n_bars=6000, momentum=0.25)
    desk.set_config("learning.algorithms", f'["{algorithm}"]', actor="test")
    desk.set_config("selection.min_trades", "1", actor="test")
    outcome = desk.learn(actor="test")
    assert outcome.status == "succeeded" and outcome.version_id is not None
    model, info = desk.registry.load_model(outcome.version_id)
    assert info.algorithm == algorithm
    assert list(model.classes_) == [-1, 0, 1]
    bars = desk.bars("XAUUSD", "M5", last=600)
    signal = desk.signal(bars)
    assert signal.side in {"BUY", "SELL", "HOLD"}
    proba = model.predict_proba(np.zeros((1, len(info.features))))
    assert proba.shape == (1, 3) and abs(proba.sum() - 1) < 1e-6
    desk.close()
