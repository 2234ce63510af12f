"""Probabilities predicted in chunks on two threads equal one `predict_proba` over every row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.learner.batch import predict_proba_batch
from engine.learner.candidates import hyperparameters, make_pipeline


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3_000, 12))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=3_000) > 0.4, 1, 0)
    y[x[:, 1] < -0.8] = -1
    return x, y


@pytest.mark.parametrize(
    "algorithm", ["logistic_regression", "random_forest", "hist_gradient_boosting"]
)
def test_chunks_on_two_threads_equal_one_prediction(algorithm: str, rows: Any):
    x, y = rows
    params = {
        **hyperparameters(algorithm, None, 3),
        **({"n_jobs": 1} if "forest" in algorithm else {}),
    }
    model = make_pipeline(algorithm, params, max_features=8, seed=3).fit(x[:1_500], y[:1_500])
    expected = model.predict_proba(x)
    seen: list[tuple[int, int]] = []
    got = predict_proba_batch(
        model, x, chunk_rows=97, workers=2, done=lambda d, t: seen.append((d, t))
    )
    np.testing.assert_array_equal(got, expected)  # bit for bit, whatever the chunks
    assert seen[0] == (0, 3_000) and seen[-1] == (3_000, 3_000)
    assert len(seen) == 1 + -(-3_000 // 97)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_few_rows_are_predicted_at_once(rows: Any):
    x, y = rows
    model = make_pipeline("logistic_regression", {}, max_features=8, seed=3).fit(x, y)
    seen: list[tuple[int, int]] = []
    got = predict_proba_batch(model, x[:10], done=lambda d, t: seen.append((d, t)))
    np.testing.assert_array_equal(got, model.predict_proba(x[:10]))
    assert seen == [(0, 10), (10, 10)]


def test_each_worker_thread_runs_one_openmp_thread():
    """OpenMP keeps its limit per thread: the workers must set their own."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: F401  (loads OpenMP)
    from threadpoolctl import threadpool_info

    seen: list[set[int]] = []

    class Probe:
        classes_ = np.array([0, 1])

        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"})
            return np.zeros((len(x), 2))

    predict_proba_batch(Probe(), np.zeros((100, 3)), chunk_rows=10, workers=2)
    assert len(seen) == 10 and all(threads == {1} for threads in seen)
