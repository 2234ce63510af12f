"""The evaluate cycle's drift check reads two bounded windows of bars (the version's training
window and the newest bars after it, each with a feature warm-up), and judges exactly what a
computation over the whole stored series would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engine.data.store as store
from engine.features import FeatureSpec, build_features, warmup_bars
from engine.scheduler.evaluate import DRIFT_WARMUP_FACTOR, _drift, drift_windows
from engine.triggers import drift_trigger
from tests.learner.conftest import fast_desk


def test_drift_windows_match_the_whole_series_and_read_only_what_they_judge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    desk = fast_desk(tmp_path / "d", n_bars=20_000, momentum=0.25)
    try:
        desk.set_config("learning.algorithms", '["logistic_regression"]', actor="t")
        desk.set_config("learning.max_train_bars", "4000", actor="t")
        desk.set_config("scheduler.drift_recent_bars", "1000", actor="t")
        bars = desk.bars("XAUUSD", "M5")
        until = bars["time"].iloc[6000].to_pydatetime()
        outcome = desk.learn(actor="t", until=until)
        active = desk.registry.get(outcome.version_id)
        cfg = desk.config()

        loaded: list[int] = []
        real = store.load_bars

        def counting(*args: Any, **kwargs: Any) -> Any:
            frame = real(*args, **kwargs)
            loaded.append(len(frame))
            return frame

        monkeypatch.setattr(store, "load_bars", counting)
        windows = drift_windows(desk, cfg, active)
        read = sum(loaded)
        assert windows is not None
        train, recent, names = windows
        # what a computation over all 20,000 stored bars gives (the cycle's former way)
        spec = FeatureSpec.model_validate(active.details["feature_spec"])
        feats = build_features(bars, spec, timeframe="M5")[names].to_numpy(dtype=float)
        times = bars["time"]
        in_train = ((times >= active.train_start) & (times <= active.train_end)).to_numpy()
        ref_recent = feats[(times > active.train_end).to_numpy()][-1000:]
        assert train.shape == (int(in_train.sum()), len(names)) and len(recent) == 1000
        np.testing.assert_allclose(train, feats[in_train], rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(recent, ref_recent, rtol=1e-5, atol=1e-9)
        expected = drift_trigger(
            feats[in_train], ref_recent, names, threshold=cfg.scheduler.drift_psi_threshold
        )
        assert _drift(desk, cfg, active) == expected
        # bounded reads: the two windows and their warm-ups, not the 20,000-bar series
        warm = DRIFT_WARMUP_FACTOR * warmup_bars(spec, "M5")
        assert read <= int(in_train.sum()) + 1000 + 2 * warm
        assert read < len(bars) / 2
    finally:
        desk.close()
