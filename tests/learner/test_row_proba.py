"""The serving path's one-row probabilities equal scikit-learn's `predict_proba` bit for bit,
for every pipeline the learner builds, on many rows; what the quick path does not cover goes
to scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from engine.data.synthetic import generate_bars
from engine.features import BarArrays, latest_features
from engine.features.spec import FeatureSpec, history_bars
from engine.learner.candidates import hyperparameters, make_pipeline
from engine.learner.row_proba import row_predictor


@pytest.fixture(scope="module")
def windows() -> tuple[np.ndarray, np.ndarray]:
    """Feature rows of 400 successive serving windows of generated bars (the signal path's
    own rows), with triple-barrier-like labels from the next bars' move."""
    bars = generate_bars(n_bars=1400, seed=5, momentum=0.2)
    spec = FeatureSpec()
    need = history_bars(spec, "M5")
    arrays = BarArrays.from_frame(bars)
    rows = []
    for end in range(need, need + 400):
        window = BarArrays.from_frame(bars.iloc[end - need : end])
        rows.append(latest_features(window, spec, timeframe="M5")[0])
    x = np.asarray(rows)
    ahead = arrays.close[need + 3 : need + 403] - arrays.close[need - 1 : need + 399]
    y = np.where(ahead > 0.3, 1, np.where(ahead < -0.3, -1, 0))
    return x, y


def _rows(x: np.ndarray) -> list[np.ndarray]:
    extremes = [np.full((1, x.shape[1]), v) for v in (-1e6, -3.0, 0.0, 3.0, 1e6)]
    return [x[[i]] for i in range(len(x))] + extremes


@pytest.mark.parametrize(
    "algorithm", ["logistic_regression", "hist_gradient_boosting", "random_forest"]
)
def test_learner_pipelines_give_scikit_learns_probabilities_bit_for_bit(
    windows: tuple[np.ndarray, np.ndarray], algorithm: str
):
    x, y = windows
    assert np.isfinite(x).all() and len(set(y.tolist())) == 3
    params = hyperparameters(algorithm, None, 42)
    model = make_pipeline(algorithm, params, max_features=8, seed=42).fit(x[:300], y[:300])
    predict = row_predictor(model)
    quick = algorithm in ("logistic_regression", "hist_gradient_boosting")
    assert predict.__qualname__.startswith("_checked") is not quick
    rows = _rows(x) if quick else _rows(x)[::10]  # a forest's own path is scikit-learn's
    with threadpool_limits(1):  # one row at a time: OpenMP threads only wait for each other
        for row in rows:
            np.testing.assert_array_equal(predict(row), model.predict_proba(row))


def test_rows_it_does_not_cover_go_to_scikit_learn(windows: tuple[np.ndarray, np.ndarray]):
    x, y = windows
    params = hyperparameters("logistic_regression", None, 42)
    model = make_pipeline("logistic_regression", params, max_features=8, seed=42).fit(x, y)
    predict = row_predictor(model)
    for other in (x[:2], x[[1]].astype(np.float32), x[[1], :-1]):  # not one float64 row
        expected = _or_error(model.predict_proba, other)
        np.testing.assert_array_equal(_or_error(predict, other), expected)
    binary = LogisticRegression(max_iter=2000).fit(
        x, y > 0
    )  # two classes: scikit-learn's expit path
    assert row_predictor(binary).__qualname__.startswith("_checked")
    np.testing.assert_array_equal(row_predictor(binary)(x[[3]]), binary.predict_proba(x[[3]]))


def _or_error(predict_proba: object, rows: np.ndarray) -> object:
    try:
        return predict_proba(rows)  # type: ignore[operator]
    except (ValueError, IndexError) as err:
        return repr(err)
