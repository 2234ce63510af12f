"""Gradient-boosted trees that compare float64 features (scikit-learn's histogram gradient
boosting, LightGBM) as one ``TreeEnsembleRegressor`` with float64 thresholds (ai.onnx.ml 3).

The stock converters store thresholds as float32 (ai.onnx.ml 1): a feature between a float64
threshold and its float32 rounding then takes the other branch, and whole leaves change (on the
real M5 file one LightGBM row in ten moved by more than 1e-5, up to 0.03). Here the ensemble
op only walks the trees: each tree reports its leaf's number, exact in float32, and the leaf
values are gathered and summed in float64 (`raw_scores`), so no value passes through float32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.onnx_export.graph import INT64, Graph


@dataclass(frozen=True)
class Tree:
    """One tree: per node its feature, threshold, children (``x <= threshold`` goes left),
    leaf flag and leaf value; ``target`` is the raw score (class) it adds to."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    target: int


def raw_scores(g: Graph, x: str, trees: list[Tree], targets: int) -> str:
    """[batch, targets] float64: the sum, per target, of the leaf values ``x`` reaches."""
    attrs: dict[str, list[Any]] = {k: [] for k in ("tree", "node", "feature", "mode", "value",
                                                     "true", "false")}  # fmt: skip
    leaf_tree: list[int] = []
    leaf_node: list[int] = []
    leaf_number: list[float] = []
    values: list[float] = []
    for t, tree in enumerate(trees):
        for node in range(len(tree.feature)):
            is_leaf = bool(tree.leaf[node])
            attrs["tree"].append(t)
            attrs["node"].append(node)
            attrs["feature"].append(0 if is_leaf else int(tree.feature[node]))
            attrs["mode"].append("LEAF" if is_leaf else "BRANCH_LEQ")
            attrs["value"].append(0.0 if is_leaf else float(tree.threshold[node]))
            attrs["true"].append(0 if is_leaf else int(tree.left[node]))
            attrs["false"].append(0 if is_leaf else int(tree.right[node]))
            if is_leaf:
                leaf_tree.append(t)
                leaf_node.append(node)
                leaf_number.append(float(len(values)))
                values.append(float(tree.value[node]))
    if len(values) >= 2**24:
        raise ValueError("too many leaves to number exactly")
    leaves = g.op(
        "TreeEnsembleRegressor",
        x,
        domain="ai.onnx.ml",
        n_targets=len(trees),
        nodes_treeids=attrs["tree"],
        nodes_nodeids=attrs["node"],
        nodes_featureids=attrs["feature"],
        nodes_modes=attrs["mode"],
        nodes_values_as_tensor=_tensor(attrs["value"]),
        nodes_truenodeids=attrs["true"],
        nodes_falsenodeids=attrs["false"],
        nodes_missing_value_tracks_true=[0] * len(attrs["tree"]),
        target_treeids=leaf_tree,
        target_nodeids=leaf_node,
        target_ids=leaf_tree,
        target_weights_as_tensor=_tensor(leaf_number),
        aggregate_function="SUM",
        post_transform="NONE",
    )
    reached = g.op("Gather", g.const(values), g.cast(leaves, INT64), axis=0)
    assign = np.zeros((len(trees), targets))
    assign[np.arange(len(trees)), [tree.target for tree in trees]] = 1.0
    return g.op("MatMul", reached, g.const(assign))


def _tensor(values: list[float]) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(values, dtype=np.float64))


def hist_gradient_boosting_trees(model: Any) -> tuple[list[Tree], np.ndarray]:
    """The trees of a fitted `HistGradientBoostingClassifier` and its baseline scores."""
    trees = []
    for iteration in model._predictors:
        for k, predictor in enumerate(iteration):
            n = predictor.nodes
            if n["is_categorical"].any():
                raise ValueError("categorical splits")
            trees.append(
                Tree(n["feature_idx"], n["num_threshold"].astype(np.float64), n["left"],
                     n["right"], n["is_leaf"].astype(bool), n["value"].astype(np.float64), k)
            )  # fmt: skip
    return trees, np.ravel(model._baseline_prediction).astype(np.float64)


def lightgbm_trees(model: Any) -> tuple[list[Tree], int, str]:
    """The trees of a fitted LightGBM classifier, its number of raw scores and its objective
    (ValueError for what has no faithful graph: categorical or zero-as-missing splits, linear
    leaves, random-forest averaging, one-vs-all objectives)."""
    dump = model.booster_.dump_model()
    objective = str(dump.get("objective", "")).split(" ")[0]
    if objective not in ("binary", "multiclass") or dump.get("average_output"):
        raise ValueError(f"objective {dump.get('objective')!r}")
    per_iteration = int(dump["num_tree_per_iteration"])
    trees = [
        _lightgbm_tree(info["tree_structure"], i % per_iteration)
        for i, info in enumerate(dump["tree_info"])
    ]
    return trees, per_iteration, objective


def _lightgbm_tree(root: dict[str, Any], target: int) -> Tree:
    rows: list[list[Any]] = []

    def visit(node: dict[str, Any]) -> int:
        index = len(rows)
        rows.append([0, 0.0, 0, 0, True, 0.0])
        if "leaf_value" in node:
            if "leaf_coeff" in node:
                raise ValueError("linear leaves")
            rows[index][5] = float(node["leaf_value"])
            return index
        if node["decision_type"] != "<=" or node.get("missing_type") == "Zero":
            raise ValueError(f"split {node['decision_type']} (missing {node.get('missing_type')})")
        left, right = visit(node["left_child"]), visit(node["right_child"])
        rows[index] = [node["split_feature"], float(node["threshold"]), left, right, False, 0.0]
        return index

    visit(root)
    cols = list(zip(*rows, strict=True))
    return Tree(
        np.asarray(cols[0], dtype=np.int64), np.asarray(cols[1], dtype=np.float64),
        np.asarray(cols[2], dtype=np.int64), np.asarray(cols[3], dtype=np.int64),
        np.asarray(cols[4], dtype=bool), np.asarray(cols[5], dtype=np.float64), target,
    )  # fmt: skip
