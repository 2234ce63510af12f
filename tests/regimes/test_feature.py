"""The regime as an opt-in feature: trained on, and served with the same values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.features import BarArrays, FeatureSpec, build_features, latest_features
from engine.learner.predict import SignalModel
from engine.services import Desk
from tests.learner.conftest import fast_desk, learn_and_serve

REGIME = ["regime_vol", "regime_trend", "regime_atr_pct"]


@pytest.fixture(scope="module")
def regime_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    desk = fast_desk(tmp_path_factory.mktemp("regime"), n_bars=5000, momentum=0.25)
    desk.set_config("features.groups", '["regime", "returns", "session"]', actor="test")
    desk.set_config("learning.algorithms", '["logistic_regression"]', actor="test")
    learn_and_serve(desk)
    yield desk
    desk.close()


def test_the_default_spec_leaves_the_regime_out() -> None:
    assert "regime" not in FeatureSpec().groups


def test_a_version_trained_with_regimes_serves_the_training_values(regime_desk: Desk) -> None:
    active: Any = regime_desk.registry.active_version()
    model, info = regime_desk.registry.load_model(active.id)
    served = SignalModel(model, info)
    assert "regime" in served.spec.groups
    bars = regime_desk.bars("XAUUSD", "M5")
    trained = build_features(bars, served.spec, timeframe="M5")
    names = list(trained.columns)
    assert set(REGIME) <= set(names)
    for end in range(len(bars) - 400, len(bars) + 1, 57):  # several latest bars
        window = bars.iloc[:end]
        row = latest_features(
            BarArrays.from_frame(window, last=served.window), served.spec, timeframe="M5"
        )
        np.testing.assert_array_equal(row[0], trained.iloc[end - 1].to_numpy())
    signal = regime_desk.signal(bars)
    proba = model.predict_proba(trained.iloc[[-1]].to_numpy())[0]
    p_long = float(proba[list(model.classes_).index(1)])
    assert signal.p_long == pytest.approx(p_long, abs=5e-5)


def test_the_regime_columns_take_their_codes(tmp_path: Path) -> None:
    desk = fast_desk(tmp_path, n_bars=800, momentum=0.0)
    bars = desk.bars("XAUUSD", "M5")
    desk.close()
    f = build_features(bars, FeatureSpec(groups=["regime"]), timeframe="M5").iloc[301:]
    assert set(np.unique(f["regime_vol"])) <= {-1.0, 0.0, 1.0}
    assert set(np.unique(f["regime_trend"])) <= {-1.0, 0.0, 1.0}
    assert ((f["regime_atr_pct"] > 0) & (f["regime_atr_pct"] <= 1)).all()
