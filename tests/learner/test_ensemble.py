"""Ensemble candidates: soft voting and out-of-fold stacking over a session's best candidates, on
the same walk-forward folds and costs, counted as trials, registered as one skops file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from engine.config.schema import LearningConfig, Phase3Config
from engine.data.synthetic import generate_bars
from engine.learner.candidates import hyperparameters, make_pipeline, single_threaded
from engine.learner.dataset import build_dataset
from engine.learner.ensemble import (
    EnsembleClassifier,
    build_ensembles,
    earlier_oos,
    evaluate_ensemble,
    feature_support,
)
from engine.learner.evaluate import CandidateResult, Dataset, FoldFit, aligned
from engine.learner.predict import SignalModel
from engine.learner.signals import signals_from_proba
from engine.registry.artifacts import load_artifact, save_artifact
from engine.services import Desk
from engine.validation import WalkForwardSplit
from tests.learner.conftest import fast_desk

CLASSES = np.array([-1, 0, 1])


@pytest.fixture(scope="module")
def data() -> Dataset:
    return build_dataset(generate_bars(n_bars=4500, seed=5), Phase3Config(), timeframe="M5")


@pytest.fixture(scope="module")
def folds(data: Dataset) -> list[tuple[np.ndarray, np.ndarray]]:
    return WalkForwardSplit(3, purge=24, label_end=data.label_end).folds(len(data.X))


def one_hot(labels: np.ndarray, on: float) -> np.ndarray:
    """Probability `on` for each row's label (columns -1, 0, 1), the rest shared equally."""
    out = np.full((len(labels), 3), (1 - on) / 2)
    out[np.arange(len(labels)), labels.astype(int) + 1] = on
    return out


def fits_for(folds: list[tuple[np.ndarray, np.ndarray]], proba_of: Any) -> list[FoldFit]:
    return [FoldFit(k + 1, proba_of(test), CLASSES, None, 0.5) for k, (_, test) in enumerate(folds)]


def member(name: str) -> CandidateResult:
    return CandidateResult(name, {}, metrics={"eligible": 1.0})


def test_soft_voting_is_the_mean_of_the_members_probabilities(data: Dataset, folds: Any):
    rng = np.random.default_rng(0)
    drawn = {k: rng.dirichlet(np.ones(3), size=len(test)) for k, (_, test) in enumerate(folds)}
    a = [FoldFit(k + 1, drawn[k], CLASSES, None, 1.0) for k in range(len(folds))]
    # member b never saw class 0 and lists its classes in another order
    b = [
        FoldFit(k + 1, np.column_stack([np.full(len(t), 0.7), np.full(len(t), 0.3)]),
                np.array([1, -1]), None, 2.0)
        for k, (_, t) in enumerate(folds)
    ]  # fmt: skip
    result = evaluate_ensemble(
        data, folds, [a, b], [member("x"), member("y")], "soft_vote", min_confidence=0.45
    )
    for k, (_, test) in enumerate(folds):
        b_aligned = np.column_stack([np.full(len(test), 0.3), np.zeros(len(test)), 0.7 + 0 * test])
        expected = (drawn[k] + b_aligned) / 2
        fold = result.folds[k]
        assert fold.test_samples == len(test) and fold.fit_seconds == 3.0
        sig = signals_from_proba(expected, CLASSES, min_confidence=0.45)
        assert np.array_equal(result.signals[data.bar_index[test]], sig.signal)
    assert result.algorithm == "ensemble_soft_vote"
    assert [m["algorithm"] for m in result.params["members"]] == ["x", "y"]
    assert result.label == "soft vote of top 2: x + y"


def test_stacking_learns_which_member_to_trust_from_earlier_folds_only(data: Dataset, folds: Any):
    """Member A gives the right label 0.6; member B confidently names the wrong one. Averaging
    them is always wrong; a meta-model fitted on earlier folds' out-of-sample predictions learns
    to read them and is right on folds 2 and 3. Fold 1 has no earlier predictions: equal weights."""
    good = fits_for(folds, lambda test: one_hot(data.y[test], 0.6))
    wrong = fits_for(folds, lambda test: one_hot((data.y[test] + 2) % 3 - 1, 0.8))
    members = [member("good"), member("wrong")]
    vote = evaluate_ensemble(data, folds, [good, wrong], members, "soft_vote", min_confidence=0.4)
    stack = evaluate_ensemble(data, folds, [good, wrong], members, "stacking", min_confidence=0.4)
    assert [f.accuracy for f in vote.folds] == [0.0, 0.0, 0.0]
    assert stack.folds[0].accuracy == 0.0  # equal weights on the first fold
    assert stack.folds[1].accuracy == 1.0 and stack.folds[2].accuracy == 1.0
    assert stack.params["meta_from_fold"] == 2
    assert stack.folds[2].log_loss < vote.folds[2].log_loss


def test_a_fold_with_too_few_earlier_predictions_is_equal_weighted(
    data: Dataset, folds: Any, monkeypatch: pytest.MonkeyPatch
):
    import engine.learner.ensemble as ensemble

    monkeypatch.setattr(ensemble, "MIN_META_ROWS", len(folds[0][1]) + 1)  # fold 2 has too few
    good = fits_for(folds, lambda test: one_hot(data.y[test], 0.6))
    wrong = fits_for(folds, lambda test: one_hot((data.y[test] + 2) % 3 - 1, 0.8))
    members = [member("good"), member("wrong")]
    stack = evaluate_ensemble(data, folds, [good, wrong], members, "stacking", min_confidence=0.4)
    assert [f.accuracy for f in stack.folds] == [0.0, 0.0, 1.0]
    assert stack.params["meta_from_fold"] == 3


def test_the_meta_model_never_sees_a_row_whose_label_reaches_the_fold(data: Dataset, folds: Any):
    per_fold = [np.zeros((len(test), 2, 3)) for _, test in folds]
    for k in (1, 2):
        first_test = int(folds[k][1][0])
        earlier = np.concatenate([folds[j][1] for j in range(k)])
        rows, labels = earlier_oos(data, folds, per_fold, k)
        kept = earlier[data.label_end[earlier] < first_test]
        assert len(rows) == len(labels) == len(kept) < len(earlier)  # the last rows are purged
        assert np.array_equal(labels, data.y[kept])
    rows, labels = earlier_oos(data, folds, per_fold, 0)
    assert len(rows) == len(labels) == 0


def test_ensembles_need_two_eligible_candidates(data: Dataset, folds: Any):
    lonely = member("only")
    lonely.fold_fits = fits_for(folds, lambda test: one_hot(data.y[test], 0.6))
    ineligible = CandidateResult("thin", {}, metrics={"eligible": 0.0})
    out, notes = build_ensembles(
        data, folds, [lonely, ineligible], ["soft_vote"], top_k=3, min_confidence=0.45
    )
    assert out == [] and "at least 2 eligible candidates" in notes[0]


def test_a_session_says_why_it_built_no_ensemble(tmp_path: Path):
    from engine.cli.learning_commands import _candidate_lines

    desk = fast_desk(tmp_path / "d", n_bars=4000, momentum=0.25)
    try:
        desk.set_config("learning.algorithms", '["logistic_regression"]', actor="t")
        desk.set_config("learning.ensembles", '["soft_vote"]', actor="t")
        outcome = desk.learn(actor="test")
        result = desk.learning_session(outcome.session_id).result
        assert [c["algorithm"] for c in result["candidates"]] == ["logistic_regression"]
        assert result["n_trials"] == 2  # the configured ensemble still counts as a trial
        [note] = result["ensemble_notes"]
        assert "need at least 2 eligible candidates, the session had 1" in note
        assert f"ensembles: {note}" in _candidate_lines(result)
    finally:
        desk.close()


def test_the_config_refuses_a_method_listed_twice_and_a_top_k_of_one():
    assert LearningConfig().ensembles == []
    with pytest.raises(ValidationError, match="once"):
        LearningConfig(ensembles=["stacking", "stacking"])
    with pytest.raises(ValidationError, match="ensemble_top_k"):
        LearningConfig(ensemble_top_k=1)
    with pytest.raises(ValidationError):
        LearningConfig(ensembles=["hard_vote"])


def test_a_stacking_ensemble_is_one_skops_file_that_predicts_the_same(
    data: Dataset, folds: Any, tmp_path: Path
):
    pipes = [
        make_pipeline(a, hyperparameters(a, None, 1), max_features=8, seed=1)
        for a in ("logistic_regression", "hist_gradient_boosting")
    ]
    rng = np.random.default_rng(1)
    oof = rng.dirichlet(np.ones(3), size=(600, 2))
    model = EnsembleClassifier(pipes, "stacking").fit(
        data.X[:2000], data.y[:2000], oof_proba=oof, oof_y=data.y[2000:2600]
    )
    stored = save_artifact(tmp_path, "XAUUSD-M5-scalper", model)
    loaded = load_artifact(tmp_path, stored.relative_path, stored.sha256)
    rows = data.X[-50:]
    assert type(loaded) is EnsembleClassifier and loaded.meta_ is not None
    assert np.array_equal(loaded.predict_proba(rows), model.predict_proba(rows))
    assert list(loaded.classes_) == [-1, 0, 1]
    support = feature_support(loaded, data.X.shape[1])
    assert 8 <= support.sum() <= 16  # the union of the members' selections
    with pytest.raises(ValueError, match="out-of-fold"):
        EnsembleClassifier(pipes, "stacking").fit(data.X[:500], data.y[:500])


@pytest.fixture(scope="module")
def ensemble_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, Any]]:
    """Logistic regression + extra trees on seed-10 bars, where the soft vote wins."""
    desk = fast_desk(tmp_path_factory.mktemp("ens"), n_bars=9000, momentum=0.25, seed=10)
    desk.set_config("learning.algorithms", '["logistic_regression", "extra_trees"]', actor="t")
    desk.set_config("learning.ensembles", '["soft_vote", "stacking"]', actor="t")
    yield desk, desk.learn(actor="test")
    desk.close()


def test_a_session_adds_ensembles_on_the_same_folds_counted_as_trials(ensemble_session: Any):
    desk, outcome = ensemble_session
    result = desk.learning_session(outcome.session_id).result
    candidates = {c["algorithm"]: c for c in result["candidates"]}
    assert list(candidates) == [
        "logistic_regression", "extra_trees", "ensemble_soft_vote", "ensemble_stacking"
    ]  # fmt: skip
    assert result["n_trials"] == 4  # two algorithms and two ensembles, no earlier versions
    windows = {
        name: [(f["test_start"], f["test_end"]) for f in c["folds"]]
        for name, c in candidates.items()
    }
    assert len({tuple(w) for w in windows.values()}) == 1  # the same walk-forward folds
    stacking = candidates["ensemble_stacking"]
    assert [m["algorithm"] for m in stacking["params"]["members"]] == [
        "logistic_regression", "extra_trees"
    ]  # fmt: skip
    assert stacking["label"].startswith("stacking of top 2")
    for c in candidates.values():  # baseline and costs as for any candidate
        assert "baseline_expectancy" in c["metrics"] and c["metrics"]["trades"] > 0


def test_a_winning_ensemble_is_registered_loaded_and_served(ensemble_session: Any):
    desk, outcome = ensemble_session
    info = desk.version(outcome.version_id)
    ranked = [
        (c["algorithm"], c["metrics"].get("sharpe"), c["metrics"].get("trades"))
        for c in desk.learning_session(outcome.session_id).result["candidates"]
    ]
    assert info.algorithm == "ensemble_soft_vote", f"the soft vote wins on these bars: {ranked}"
    model, info = desk.registry.load_model(info.id)
    assert type(model) is EnsembleClassifier and len(model.members_) == 2
    assert set(info.details["selected_features"]) <= set(info.features)
    bars = desk.bars("XAUUSD", "M5", last=800)
    signal = SignalModel(model, info).signal(bars)
    assert signal.version_ref == info.ref and signal.side in {"BUY", "SELL", "HOLD"}
    assert set(info.details["importances"]) == set(info.features)
    shown = desk.explanations(info.ref)
    assert shown.method == "none" and "ensemble of 2 models" in shown.note
    assert shown.dependence  # partial dependence of the ensemble as a whole
    proba = model.predict_proba(np.zeros((1, len(info.features))))
    members = np.mean(
        [aligned(m.predict_proba(np.zeros((1, len(info.features)))), m.classes_)
         for m in model.members_], axis=0,
    )  # fmt: skip
    assert np.allclose(proba, members)
    forest = next(m for m in model.members_ if hasattr(m.named_steps["model"], "estimators_"))
    forest.named_steps["model"].n_jobs = 2  # as a member fitted elsewhere may carry
    single_threaded(model)  # what the Dask equality test and serving rely on
    assert forest.named_steps["model"].n_jobs == 1
    report = desk.research_report(info.ref)  # the research report reads like any version's
    assert "ensemble_soft_vote" in report and "stacking of top 2" in report


def test_the_session_records_each_candidates_daily_results(ensemble_session: Any):
    """Per out-of-sample day (by entry), summing to the candidate's net profit: what the
    research report's PBO is estimated on."""
    desk, outcome = ensemble_session
    result = desk.learning_session(outcome.session_id).result
    days = result["oos_days"]
    assert days == sorted(days) and len(days) >= 16
    for c in result["candidates"]:
        assert len(c["daily_net"]) == len(days)
        assert sum(c["daily_net"]) == pytest.approx(
            c["metrics"]["net_profit"], abs=0.01 * len(days)
        )
        assert sum(1 for x in c["daily_net"] if x != 0) <= c["metrics"]["trades"]
