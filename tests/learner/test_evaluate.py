"""Walk-forward evaluation fits feature selection and scaling inside each training fold: what each
fold's pipeline learnt comes from that fold's training rows only, never from later data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import engine.learner.evaluate as evaluate_module
from engine.config.schema import Phase3Config
from engine.data.synthetic import generate_bars
from engine.learner.candidates import hyperparameters
from engine.learner.dataset import build_dataset
from engine.learner.evaluate import Dataset, evaluate_candidate
from engine.learner.feature_selection import VotingSelector
from engine.validation import WalkForwardSplit

MAX_FEATURES = 5
SEED = 42


@pytest.fixture(scope="module")
def leaky() -> Dataset:
    """Real features of generated bars plus a column that is 0 up to the last test fold and
    equals the label inside it: only a selection that saw the future would keep it."""
    cfg = Phase3Config()
    data = build_dataset(generate_bars(n_bars=4500, seed=5), cfg, timeframe="M5")
    last_fold = len(data.y) - len(data.y) // 4
    leak = np.where(np.arange(len(data.y)) >= last_fold, data.y, 0).astype(float)
    return replace(
        data,
        X=np.column_stack([data.X, leak]),
        feature_names=[*data.feature_names, "future_label"],
    )


def test_selection_and_scaling_are_fitted_on_each_training_fold_only(
    leaky: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted: list[Pipeline] = []
    real_make_pipeline = evaluate_module.make_pipeline

    def recording(*args: Any, **kwargs: Any) -> Pipeline:
        pipe = real_make_pipeline(*args, **kwargs)
        fitted.append(pipe)
        return pipe

    monkeypatch.setattr(evaluate_module, "make_pipeline", recording)
    splitter = WalkForwardSplit(3, purge=24, label_end=leaky.label_end)
    evaluate_candidate(
        leaky,
        splitter,
        "logistic_regression",
        hyperparameters("logistic_regression", None, SEED),
        max_features=MAX_FEATURES,
        min_confidence=0.45,
        seed=SEED,
        tick=lambda _message: None,
    )
    leak_column = leaky.X.shape[1] - 1
    folds = list(splitter.split(leaky.X))
    assert len(fitted) == len(folds) == 3
    for pipe, (train, _test) in zip(fitted, folds, strict=True):
        select, scale = pipe.named_steps["select"], pipe.named_steps["scale"]
        fold_only = VotingSelector(MAX_FEATURES, random_state=SEED).fit(
            leaky.X[train], leaky.y[train]
        )
        assert np.array_equal(select.support_, fold_only.support_)
        assert not select.support_[leak_column]
        kept = leaky.X[train][:, select.support_]
        assert scale.n_samples_seen_ == len(train) < len(leaky.y)
        np.testing.assert_allclose(scale.mean_, kept.mean(axis=0), rtol=1e-10)
        np.testing.assert_allclose(scale.scale_, kept.std(axis=0), rtol=1e-10)
        whole = leaky.X[:, select.support_].mean(axis=0)
        assert not np.allclose(scale.mean_, whole)  # the whole data's means would differ


def test_a_selection_fitted_on_all_data_would_keep_the_leaking_column(leaky: Dataset) -> None:
    """The control for the test above: the leak is strong enough to be picked when seen."""
    everything = VotingSelector(MAX_FEATURES, random_state=SEED).fit(leaky.X, leaky.y)
    assert everything.support_[-1]
