"""Ensembles of a session's best candidates: soft voting, or stacking with an out-of-fold
meta-model, walk-forward evaluated on the same folds and costs as every other candidate.

An ensemble is built from its members' fold fits, so it costs no extra member fits during the
walk-forward:

* soft voting averages the members' class probabilities (columns short, hold, long);
* stacking feeds the members' probabilities to a multinomial logistic regression. On fold k that
  meta-model is fitted only on the members' out-of-sample predictions of the earlier folds, purged
  like training data (a row whose label reaches the fold's test window is dropped), so no fold is
  ever predicted by anything that saw its outcomes. The first fold has no earlier out-of-sample
  predictions: it is predicted with equal weights (soft voting), and the session record says so.

The registered model (`EnsembleClassifier`) holds the refitted members and, for stacking, a
meta-model fitted on all the folds' out-of-sample predictions: one skops file, no pickle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from engine.learner.evaluate import (
    CandidateResult,
    Dataset,
    FoldFit,
    aligned,
    assemble_candidate,
)

CLASSES = np.array([-1, 0, 1])
METHODS = ("soft_vote", "stacking")
META_C = 1.0
MIN_META_ROWS = 200  # fewer earlier out-of-sample rows than this: the fold is soft-voted


def meta_model() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=META_C, max_iter=500)


class EnsembleClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Members' probabilities averaged (soft_vote) or combined by a fitted meta-model (stacking).

    `fit` fits clones of the members on (X, y); stacking also needs the members' out-of-fold
    probabilities (`oof_proba`: rows × members × 3, columns short/hold/long) and their labels to
    fit the meta-model on, never the in-sample ones. `from_fitted` assembles fitted parts.
    """

    def __init__(self, members: list[Any], method: str = "soft_vote", meta: Any = None) -> None:
        self.members = members
        self.method = method
        self.meta = meta

    @classmethod
    def from_fitted(cls, members: list[Any], method: str, meta: Any = None) -> EnsembleClassifier:
        model = cls(members, method, meta)
        model.members_ = list(members)
        model.meta_ = meta
        model.classes_ = CLASSES.copy()
        return model

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        oof_proba: np.ndarray | None = None,
        oof_y: np.ndarray | None = None,
    ) -> EnsembleClassifier:
        if self.method not in METHODS:
            raise ValueError(f"unknown ensemble method {self.method!r}; known: {METHODS}")
        self.members_ = [clone(m).fit(X, y) for m in self.members]
        self.meta_ = None
        if self.method == "stacking":
            if oof_proba is None or oof_y is None:
                raise ValueError("stacking needs the members' out-of-fold probabilities")
            self.meta_ = fit_meta(oof_proba, oof_y, self.meta)
        self.classes_ = CLASSES.copy()
        return self

    def member_proba(self, X: Any) -> np.ndarray:
        """rows × members × 3 (short, hold, long)."""
        return np.stack(
            [aligned(np.asarray(m.predict_proba(X)), m.classes_) for m in self.members_], axis=1
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        return combine(self.member_proba(X), self.meta_)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])


def combine(member_proba: np.ndarray, meta: Any) -> np.ndarray:
    """The ensemble's (rows, 3) probabilities: the meta-model's, or the members' mean."""
    if meta is None:
        return np.asarray(member_proba.mean(axis=1))
    flat = member_proba.reshape(len(member_proba), -1)
    return aligned(np.asarray(meta.predict_proba(flat)), meta.classes_)


def fit_meta(oof_proba: np.ndarray, oof_y: np.ndarray, template: Any = None) -> Any:
    """A fresh meta-model fitted on out-of-fold member probabilities (rows × members × 3)."""
    meta = clone(template) if template is not None else meta_model()
    return meta.fit(oof_proba.reshape(len(oof_proba), -1), oof_y)


def feature_support(model: Any, n_features: int) -> np.ndarray:
    """Which input features a fitted model uses: its selector's support; for an ensemble, the
    union over its members."""
    members = getattr(model, "members_", None)
    if members is not None:
        support = np.zeros(n_features, dtype=bool)
        for member in members:
            support |= feature_support(member, n_features)
        return support
    steps = getattr(model, "named_steps", None)
    if steps is not None and "select" in steps:
        return np.asarray(steps["select"].support_, dtype=bool)
    return np.ones(n_features, dtype=bool)


def top_members(ranked: list[CandidateResult], k: int) -> list[CandidateResult]:
    """The best k eligible candidates (`ranked` is best first, as `score_candidates` returns)."""
    return [c for c in ranked if c.metrics.get("eligible")][:k]


def ensemble_params(
    method: str, members: list[CandidateResult], meta_from_fold: int | None
) -> dict[str, Any]:
    """What the session record and the registry keep; `meta_from_fold`: the first fold stacking
    predicted with its meta-model (earlier ones had too few earlier predictions: equal weights)."""
    params: dict[str, Any] = {
        "method": method,
        "members": [{"algorithm": m.algorithm, "params": m.params} for m in members],
    }
    if method == "stacking":
        params["meta"] = {"algorithm": "logistic_regression", "C": META_C}
        params["meta_from_fold"] = meta_from_fold
    return params


def algorithm_name(method: str) -> str:
    return f"ensemble_{method}"


def label(method: str, members: list[CandidateResult]) -> str:
    how = "soft vote" if method == "soft_vote" else "stacking"
    return f"{how} of top {len(members)}: " + " + ".join(m.algorithm for m in members)


def evaluate_ensemble(
    data: Dataset,
    folds: list[tuple[np.ndarray, np.ndarray]],
    member_fits: list[list[FoldFit]],
    members: list[CandidateResult],
    method: str,
    *,
    min_confidence: float,
) -> CandidateResult:
    """Walk-forward result of an ensemble of `members` (their fold fits, in fold order), on the
    same folds, signals and costs as a single candidate."""
    per_fold = [
        np.stack([aligned(f[k].proba, f[k].classes) for f in member_fits], axis=1)
        for k in range(len(folds))
    ]
    fits = []
    meta_from: int | None = None
    for k in range(len(folds)):
        meta = None
        if method == "stacking":
            rows, labels = earlier_oos(data, folds, per_fold, k)
            if len(labels) >= MIN_META_ROWS and len(np.unique(labels)) >= 2:
                meta = fit_meta(rows, labels)
                meta_from = k + 1 if meta_from is None else meta_from
        proba = combine(per_fold[k], meta)
        model = EnsembleClassifier.from_fitted([f[k].model for f in member_fits], method, meta)
        seconds = round(sum(f[k].fit_seconds for f in member_fits), 3)
        fits.append(FoldFit(k + 1, proba, CLASSES.copy(), model, seconds))
    result = assemble_candidate(
        data,
        folds,
        fits,
        algorithm_name(method),
        ensemble_params(method, members, meta_from),
        min_confidence=min_confidence,
    )
    result.label = label(method, members)
    return result


def earlier_oos(
    data: Dataset,
    folds: list[tuple[np.ndarray, np.ndarray]],
    per_fold: list[np.ndarray],
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Members' out-of-sample probabilities and labels of the folds before fold k, purged: a
    row whose label window reaches fold k's first test sample is dropped."""
    first_test = int(folds[k][1][0])
    rows, labels = [], []
    for j in range(k):
        test = folds[j][1]
        keep = data.label_end[test] < first_test
        rows.append(per_fold[j][keep])
        labels.append(data.y[test][keep])
    if not rows:
        return np.zeros((0, per_fold[k].shape[1], 3)), np.zeros(0, dtype=data.y.dtype)
    return np.concatenate(rows), np.concatenate(labels)


def all_oos(
    data: Dataset, folds: list[tuple[np.ndarray, np.ndarray]], member_fits: list[list[FoldFit]]
) -> tuple[np.ndarray, np.ndarray]:
    """Every fold's out-of-sample member probabilities and labels: what the registered stacking
    model's meta-model is fitted on."""
    proba = np.concatenate(
        [
            np.stack([aligned(f[k].proba, f[k].classes) for f in member_fits], axis=1)
            for k in range(len(folds))
        ]
    )
    return proba, np.concatenate([data.y[test] for _, test in folds])


def build_ensembles(
    data: Dataset,
    folds: list[tuple[np.ndarray, np.ndarray]],
    ranked: list[CandidateResult],
    methods: list[str],
    *,
    top_k: int,
    min_confidence: float,
) -> tuple[list[CandidateResult], list[str]]:
    """One ensemble candidate per method over the best `top_k` eligible candidates (with their
    fold fits), and notes on any that could not be built."""
    members = top_members(ranked, top_k)
    if len(members) < 2:
        return [], [
            f"ensembles skipped: they need at least 2 eligible candidates, the session had "
            f"{len(members)} (learning.ensemble_top_k = {top_k})"
        ]
    notes = []
    if len(members) < top_k:
        notes.append(f"ensembles combine the {len(members)} eligible candidates (top_k {top_k})")
    member_fits = [m.fold_fits for m in members]
    out = []
    for method in methods:
        result = evaluate_ensemble(
            data, folds, member_fits, members, method, min_confidence=min_confidence
        )
        result.members = members
        out.append(result)
    return out, notes


def fit_final(
    winner: CandidateResult,
    data: Dataset,
    folds: list[tuple[np.ndarray, np.ndarray]],
    *,
    max_features: int,
    seed: int,
) -> EnsembleClassifier:
    """The winning ensemble for registration: its members refitted on the whole window and, for
    stacking, the meta-model fitted on the members' out-of-sample predictions of every fold."""
    from engine.learner.candidates import make_pipeline, single_threaded

    method = str(winner.params["method"])
    pipes = [
        single_threaded(make_pipeline(m.algorithm, m.params, max_features=max_features, seed=seed))
        for m in winner.members
    ]
    model = EnsembleClassifier(pipes, method, meta_model() if method == "stacking" else None)
    if method != "stacking":
        return model.fit(data.X, data.y)
    oof_proba, oof_y = all_oos(data, folds, [m.fold_fits for m in winner.members])
    return model.fit(data.X, data.y, oof_proba=oof_proba, oof_y=oof_y)
