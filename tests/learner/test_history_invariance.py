"""The signal for a bar does not depend on how much history the caller sends: from the version's
minimum history (its fixed window) to 5,000 bars, the last bar's features and probabilities are
the same (1e-9), and the same as in training (the whole series). Generated bars and the real M5
file (skipped when absent)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier

from engine.data import generate_bars, read_bars
from engine.features import (
    FIXED_WINDOW,
    GROUPS,
    BarArrays,
    FeatureSpec,
    build_features,
    history_bars,
    latest_features,
)
from engine.learner.predict import SignalModel
from tests.conftest import SHARED_DATA

MOST = 5_000  # the most bars a signal request may send
REAL_M5 = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
SPEC = FeatureSpec(groups=list(GROUPS))  # every group, the opt-in regime one too


def _generated() -> pd.DataFrame:
    bars = generate_bars(start="2026-03-02", n_bars=7_000, seed=11)  # a Monday
    holes = np.random.default_rng(4).random(len(bars)) < 0.03  # some spreads missing
    bars["spread_points"] = bars["spread_points"].astype("Int64").mask(holes)
    return bars


def _real() -> pd.DataFrame:
    if not REAL_M5.exists():
        pytest.skip(f"real data not found at {REAL_M5} (a user's clone has no ../shared)")
    return read_bars(REAL_M5, timeframe="M5", tz="Europe/Athens").frame.tail(9_000)


SOURCES = {"generated": _generated, "real M5": _real}


class Served:
    """A model fitted on the first bars' features, served as a registered version would be."""

    def __init__(self, bars: pd.DataFrame) -> None:
        self.bars = bars.reset_index(drop=True)
        self.features = build_features(self.bars, SPEC, timeframe="M5")
        x = self.features.to_numpy()
        ahead = np.sign(np.diff(self.bars["close"].to_numpy(), append=np.nan))
        rows = np.flatnonzero(np.isfinite(x).all(axis=1) & np.isfinite(ahead))[:3_000]
        model = HistGradientBoostingClassifier(max_iter=40, random_state=0)
        model.fit(x[rows], ahead[rows].astype(int))
        details = {
            "feature_spec": SPEC.model_dump(mode="json"),
            "feature_window": FIXED_WINDOW,
            "timeframe": "M5",
            "min_confidence": 0.4,
            "labels": {"take_profit": 1.5, "stop_loss": 1.0, "unit": "atr", "horizon": 12},
        }
        info = SimpleNamespace(
            id=1, ref="XAUUSD-M5-scalper:v1", timeframe="M5", details=details, is_demo=False,
            data_origin="imported", trained_on=None,
        )  # fmt: skip
        self.model = model
        self.served = SignalModel(model, info)
        self.minimum = history_bars(SPEC, "M5")

    def trained_proba(self, end: int) -> np.ndarray:
        """Probabilities of bar `end` from the training path (features of the whole series)."""
        return self.model.predict_proba(self.features.iloc[[end]].to_numpy())[0]


@pytest.fixture(scope="module", params=list(SOURCES))
def served(request: pytest.FixtureRequest) -> Served:
    return Served(SOURCES[request.param]())


def test_the_minimum_history_is_the_fixed_window_and_fits_a_request(served: Served) -> None:
    assert served.served.need == served.served.window == served.minimum == 768
    with pytest.raises(Exception, match=rf"needs at least {served.minimum} M5 bars"):
        served.served.signal(served.bars.tail(served.minimum - 1))


def test_every_history_length_gives_the_same_signal_as_training(served: Served) -> None:
    """Every length from the minimum to 5,000 bars, through the serving path."""
    end = len(served.bars) - 1
    arrays = BarArrays.from_frame(served.bars)
    truth = served.trained_proba(end)
    expected = served.features.iloc[end].to_numpy()
    lengths = range(served.minimum, MOST + 1)
    firsts = [served.served.signal(arrays.last(n)) for n in lengths]
    for n, signal in zip(lengths, firsts, strict=True):
        assert (signal.p_long, signal.p_short) == (firsts[0].p_long, firsts[0].p_short), n
        assert (signal.stop_loss, signal.take_profit) == (
            firsts[0].stop_loss,
            firsts[0].take_profit,
        )
    row = latest_features(arrays.last(served.minimum), SPEC, timeframe="M5")[0]
    np.testing.assert_allclose(row, expected, rtol=1e-9, atol=1e-12)
    proba = served.served._predict_proba(row[None, :])[0]
    np.testing.assert_allclose(proba, truth, rtol=1e-9, atol=1e-12)
    side = {1: "p_long", -1: "p_short"}
    for label, name in side.items():
        k = list(served.model.classes_).index(label)
        assert getattr(firsts[0], name) == pytest.approx(round(float(truth[k]), 4), abs=1e-12)


SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_features_of_any_tail_equal_those_of_the_whole_series(
    served: Served, data: st.DataObject
) -> None:
    """The definition itself: build_features on a tail of any length >= the minimum gives the
    last bar (and every bar past the tail's own warm-up) the values of the whole series."""
    end = data.draw(st.integers(served.minimum + 10, len(served.bars) - 1), label="bar")
    n = data.draw(st.integers(served.minimum, min(MOST, end + 1)), label="history")
    tail = served.bars.iloc[end + 1 - n : end + 1]
    features = build_features(tail, SPEC, timeframe="M5").to_numpy()
    whole = served.features.iloc[end + 1 - n : end + 1].to_numpy()
    settled = served.minimum - 1  # rows after the tail's own window are complete
    np.testing.assert_allclose(features[settled:], whole[settled:], rtol=1e-9, atol=1e-12)
    proba = served.model.predict_proba(features[-1:])[0]
    np.testing.assert_allclose(proba, served.trained_proba(end), rtol=1e-9, atol=1e-12)
