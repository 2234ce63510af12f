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
    # 30 rounds, not the default 200: the round trip is under test, not the booster's fit (the
    # refit of 200 lightgbm rounds alone took 13-40 s of the suite)
    desk.set_config(
        "learning.hyperparameters", f'{{"{algorithm}": {{"n_estimators": 30}}}}', actor="test"
    )
    outcome = desk.learn(actor="test")
    assert outcome.status == "succeeded" and outcome.version_id is not None
    model, info = desk.registry.load_model(outcome.version_id)
    assert info.algorithm == algorithm
    if not outcome.activated:  # the absolute gates judged its edge; serving it is tested here
        desk.activate(outcome.version_id, actor="test", reason="serve the boosted model")
    assert list(model.classes_) == [-1, 0, 1]
    bars = desk.bars("XAUUSD", "M5", last=800)  # the fixed window is 768 bars
    signal = desk.signal(bars)
    assert signal.side in {"BUY", "SELL", "HOLD"}
    proba = model.predict_proba(np.zeros((1, len(info.features))))
    assert proba.shape == (1, 3) and abs(proba.sum() - 1) < 1e-6
    desk.close()


def test_an_ensemble_of_boosters_is_one_skops_file(tmp_path: Path):
    from engine.learner.candidates import hyperparameters, make_pipeline
    from engine.learner.ensemble import EnsembleClassifier
    from engine.registry.artifacts import load_artifact, save_artifact

    rng = np.random.default_rng(4)
    x = rng.normal(size=(1500, 6))
    y = np.where(x[:, 0] > 0.5, 1, np.where(x[:, 0] < -0.5, -1, 0))
    pipes = [
        make_pipeline(a, hyperparameters(a, {"n_estimators": 20}, 1), max_features=4, seed=1)
        for a in ("lightgbm", "xgboost")
    ]
    oof = rng.dirichlet(np.ones(3), size=(400, 2))
    model = EnsembleClassifier(pipes, "stacking").fit(x, y, oof_proba=oof, oof_y=y[:400])
    stored = save_artifact(tmp_path, "XAUUSD-M5-scalper", model)
    loaded = load_artifact(tmp_path, stored.relative_path, stored.sha256)
    assert np.array_equal(loaded.predict_proba(x[:50]), model.predict_proba(x[:50]))
    assert [type(m.named_steps["model"]).__name__ for m in loaded.members_] == [
        "LGBMClassifier", "XGBLabelClassifier"
    ]  # fmt: skip
