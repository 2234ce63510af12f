"""One-row probabilities of a histogram gradient boosting model without sklearn's per-tree calls.

scikit-learn predicts a row by calling each of its n_iterations x n_classes trees in turn (240
calls for 80 iterations and three classes: most of a signal's time). Here every tree walks one
level per numpy step and the leaf values are added in scikit-learn's order, so the probabilities
are the same bit for bit (a test holds them equal). Anything else (other estimators, categorical
splits, missing values) goes to the model's own `predict_proba` (engine.learner.row_proba).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class FlatTrees:
    """All trees of a fitted `HistGradientBoostingClassifier` as flat node arrays."""

    def __init__(self, booster: Any) -> None:
        trees = [tree.nodes for iteration in booster._predictors for tree in iteration]
        if not trees or any(nodes["is_categorical"].any() for nodes in trees):
            raise ValueError("only numeric splits are flattened")
        offsets = np.cumsum([0] + [len(nodes) for nodes in trees[:-1]])
        nodes = np.concatenate(trees)
        leaf = nodes["is_leaf"].astype(bool)
        own = np.arange(len(nodes))
        tree_of = np.repeat(offsets, [len(n) for n in trees])
        self.feature = np.where(leaf, 0, nodes["feature_idx"]).astype(np.intp)
        self.threshold = np.where(leaf, np.inf, nodes["num_threshold"])  # a leaf stays put
        self.left = np.where(leaf, own, tree_of + nodes["left"]).astype(np.intp)
        self.right = np.where(leaf, own, tree_of + nodes["right"]).astype(np.intp)
        self.value = nodes["value"].astype(np.float64)
        self.roots = offsets.astype(np.intp)
        self.depth = int(nodes["depth"].max())
        self.classes = int(booster.n_trees_per_iteration_)
        self.baseline = [float(v) for v in np.ravel(booster._baseline_prediction)]
        self.loss = booster._loss

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probabilities (1, n_classes) for one finite row `x` of the booster's inputs."""
        node = self.roots
        for _ in range(self.depth):
            left = x[self.feature[node]] <= self.threshold[node]
            node = np.where(left, self.left[node], self.right[node])
        raw = list(self.baseline)
        for i, value in enumerate(self.value[node].tolist()):  # iteration by iteration
            raw[i % self.classes] += value
        return np.asarray(self.loss.predict_proba(np.array([raw])))
