"""Feature selection by several methods voting, fitted inside each training fold (pipeline step)."""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted


class VotingSelector(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Keep the `max_features` columns most often ranked high by mutual information,
    extra-trees importance and L1-regularised logistic regression.

    Each method ranks every column; a column gets a vote from each method that puts it in its
    top `max_features`; ties are broken by the mean rank. Fitted on a seeded subsample of at most
    `max_samples` rows so that selection stays cheap inside every walk-forward fold.
    """

    def __init__(
        self, max_features: int = 20, *, max_samples: int = 4000, random_state: int = 0
    ) -> None:
        self.max_features = max_features
        self.max_samples = max_samples
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> VotingSelector:
        x = np.asarray(X, dtype=float)
        target = np.asarray(y)
        n_features = x.shape[1]
        self.n_features_in_ = n_features
        keep = min(self.max_features, n_features)
        if keep >= n_features:
            self.scores_ = np.zeros(n_features)
            self.support_ = np.ones(n_features, dtype=bool)
            return self
        if target.dtype.hasobject:  # labels the memo cannot hash by their bytes
            self._vote(x, target, keep)
            return self
        key = self._memo_key(x, target)
        with _MEMO.lock_for(key):
            found = _MEMO.get(key)
            if found is None:
                self._vote(x, target, keep)
                _MEMO.put(key, (self.support_.copy(), self.scores_.copy()))
            else:
                self.support_, self.scores_ = found[0].copy(), found[1].copy()
        return self

    def _memo_key(self, x: np.ndarray, y: np.ndarray) -> bytes:
        """Every input of the vote: the rows, the labels and the parameters."""
        digest = hashlib.blake2b(digest_size=20)
        for part in (x, y):
            part = np.ascontiguousarray(part)
            digest.update(f"{part.dtype.str}{part.shape}".encode())
            digest.update(part.tobytes())
        digest.update(f"{self.max_features},{self.max_samples},{self.random_state}".encode())
        return digest.digest()

    def _vote(self, x: np.ndarray, target: np.ndarray, keep: int) -> None:
        n_features = x.shape[1]
        rng = np.random.default_rng(self.random_state)
        rows = np.arange(len(x))
        if len(rows) > self.max_samples:
            rows = np.sort(rng.choice(rows, self.max_samples, replace=False))
        xs, ys = x[rows], target[rows]
        ranks = np.vstack([_rank(score) for score in self._scores(xs, ys)])
        votes = (ranks < keep).sum(axis=0)
        mean_rank = ranks.mean(axis=0)
        order = np.lexsort((mean_rank, -votes))
        support = np.zeros(n_features, dtype=bool)
        support[order[:keep]] = True
        self.support_ = support
        self.scores_ = votes - mean_rank / (n_features + 1)

    def _scores(self, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        from sklearn.ensemble import ExtraTreesClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        from engine.learner.mutual_info import mutual_info_classif

        scaled = StandardScaler().fit_transform(x)
        mutual = mutual_info_classif(scaled, y, random_state=self.random_state, n_neighbors=3)
        trees = ExtraTreesClassifier(
            n_estimators=50,
            max_depth=6,
            min_samples_leaf=20,
            random_state=self.random_state,
            n_jobs=1,
        ).fit(scaled, y)
        # saga shuffles the rows: seeded, or numpy's global random state (whatever ran before
        # in the process) would move the coefficients by ~1e-5 and could reorder near-tied ranks
        lasso = LogisticRegression(
            l1_ratio=1.0, C=0.05, solver="saga", max_iter=300, random_state=self.random_state
        )
        with warnings.catch_warnings():  # a ranking needs no fully converged L1 path
            warnings.simplefilter("ignore", ConvergenceWarning)
            lasso.fit(scaled, y)
        return [mutual, trees.feature_importances_, np.abs(lasso.coef_).sum(axis=0)]

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "support_")
        return np.asarray(X, dtype=float)[:, self.support_]

    def get_support(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_.copy()


class _SelectionMemo:
    """The votes of the newest fits, by their inputs. A session fits every candidate on the same
    training folds, and selection is the first step of every pipeline, so each fold's vote is the
    same for all candidates: computed once, copied for the others (the vote is deterministic, so
    a copy equals a recomputation bit for bit). Threads fitting the same fold wait for one vote."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._votes: OrderedDict[bytes, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._locks: dict[bytes, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock_for(self, key: bytes) -> threading.Lock:
        with self._guard:
            if len(self._locks) > 4 * self.size:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        with self._guard:
            found = self._votes.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self._votes.move_to_end(key)
            return found

    def put(self, key: bytes, vote: tuple[np.ndarray, np.ndarray]) -> None:
        with self._guard:
            self._votes[key] = vote
            while len(self._votes) > self.size:
                self._votes.popitem(last=False)

    def clear(self) -> None:
        with self._guard:
            self._votes.clear()
            self.hits = self.misses = 0


_MEMO = _SelectionMemo()


def selection_memo() -> _SelectionMemo:
    """The process's memo of feature-selection votes (its hit and miss counts)."""
    return _MEMO


def _rank(scores: np.ndarray) -> np.ndarray:
    """0 for the best (highest) score; nan scores rank last."""
    clean = np.nan_to_num(scores, nan=-np.inf)
    order = np.argsort(-clean, kind="stable")
    ranks = np.empty(len(scores), dtype=float)
    ranks[order] = np.arange(len(scores))
    return ranks
