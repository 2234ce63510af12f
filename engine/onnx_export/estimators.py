"""The version's model as graph nodes: feature selection, scaling and the estimator, from the
features row to the class probabilities (float64, in the model's ``classes_`` order).

* selection (`VotingSelector`) is a Gather of the kept columns, scaling (`StandardScaler`) a Sub
  and a Div, as scikit-learn computes them;
* logistic regression: skl2onnx with float64 inputs (MatMul, Softmax in float64);
* random forest / extra trees: skl2onnx on float32 inputs, as scikit-learn's trees read them
  (its thresholds are adjusted so that ``float32(x) <= t`` holds exactly as in scikit-learn);
* XGBoost: onnxmltools on float32 inputs, as XGBoost reads them;
* histogram gradient boosting and LightGBM compare float64 features: `engine.onnx_export.trees`;
* ensembles: each member's probabilities in (short, hold, long) order, averaged or fed to the
  stacking meta-model.

Anything else is a blocker: the export is refused, never approximated.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import onnx

from engine.onnx_export import trees
from engine.onnx_export.graph import DOUBLE, FLOAT, OPSET, Graph

Converter = str  # the estimator's class name, as blockers and the card name it

SUPPORTED = (
    "LogisticRegression",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "HistGradientBoostingClassifier",
    "LGBMClassifier",
    "XGBClassifier",
    "XGBLabelClassifier",
)


def blockers(model: Any) -> list[str]:
    """What in this model has no faithful graph (empty: it can be exported)."""
    members = getattr(model, "members_", None)
    if members is not None:
        found = [f"member {i + 1}: {b}" for i, m in enumerate(members) for b in blockers(m)]
        meta = getattr(model, "meta_", None)
        if meta is not None and type(meta).__name__ != "LogisticRegression":
            found.append(f"stacking meta-model {type(meta).__name__}")
        return found
    steps = getattr(model, "steps", None) or [("model", model)]
    found = []
    for name, step in steps[:-1]:
        if type(step).__name__ not in ("VotingSelector", "StandardScaler"):
            found.append(f"pipeline step {name!r} ({type(step).__name__}) has no graph")
    last = steps[-1][1]
    kind = type(last).__name__
    if kind not in SUPPORTED:
        found.append(f"estimator {kind} has no faithful graph (exported: {', '.join(SUPPORTED)})")
    elif kind == "LGBMClassifier":
        try:
            trees.lightgbm_trees(last)
        except ValueError as err:
            found.append(f"LightGBM model with {err}: no faithful graph")
    elif kind == "HistGradientBoostingClassifier":
        try:
            trees.hist_gradient_boosting_trees(last)
        except ValueError as err:
            found.append(f"histogram gradient boosting with {err}: no faithful graph")
    return found


def probabilities(g: Graph, x: str, model: Any) -> str:
    """[batch, classes] float64 probabilities of ``model`` for the [batch, features] row."""
    members = getattr(model, "members_", None)
    if members is not None:
        return _ensemble(g, x, model)
    steps = getattr(model, "steps", None) or [("model", model)]
    for _, step in steps[:-1]:
        x = _transform(g, x, step)
    return _estimator(g, x, steps[-1][1])


def _transform(g: Graph, x: str, step: Any) -> str:
    if type(step).__name__ == "VotingSelector":
        kept = np.flatnonzero(step.support_)
        return g.op("Gather", x, g.const(kept, np.int64), axis=1)
    if step.with_mean:  # StandardScaler: X -= mean_; X /= scale_
        x = g.sub(x, g.const(step.mean_))
    if step.with_std:
        x = g.div(x, g.const(step.scale_))
    return x


def _estimator(g: Graph, x: str, est: Any) -> str:
    kind = type(est).__name__
    if kind == "LogisticRegression":
        return _splice(g, _skl2onnx(est, DOUBLE), x)
    if kind in ("RandomForestClassifier", "ExtraTreesClassifier"):
        return g.cast(_splice(g, _skl2onnx(est, FLOAT), g.cast(x, FLOAT)), DOUBLE)
    if kind in ("XGBClassifier", "XGBLabelClassifier"):
        return g.cast(_splice(g, _xgboost(est), g.cast(x, FLOAT)), DOUBLE)
    if kind == "HistGradientBoostingClassifier":
        forest, baseline = trees.hist_gradient_boosting_trees(est)
        raw = g.add(trees.raw_scores(g, x, forest, len(baseline)), g.const(baseline))
        return _link(g, raw, binary=len(baseline) == 1)
    forest, targets, objective = trees.lightgbm_trees(est)
    sigmoid = float(est.booster_.params.get("sigmoid", 1.0)) if objective == "binary" else 1.0
    raw = trees.raw_scores(g, x, forest, targets)
    if sigmoid != 1.0:
        raw = g.mul(raw, g.num(sigmoid))
    return _link(g, raw, binary=objective == "binary")


def _link(g: Graph, raw: str, *, binary: bool) -> str:
    """Raw scores to probabilities: softmax, or (1 - p, p) with the logistic function."""
    if not binary:
        return g.op("Softmax", raw, axis=1)
    p = g.op("Sigmoid", raw)
    return g.concat([g.sub(g.num(1.0), p), p])


def _skl2onnx(est: Any, dtype: int) -> onnx.ModelProto:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    kind = DoubleTensorType if dtype == DOUBLE else FloatTensorType
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert_sklearn(
            est,
            initial_types=[("X", kind([None, int(est.n_features_in_)]))],
            target_opset={"": OPSET, "ai.onnx.ml": 1},
            options={id(est): {"zipmap": False}},
        )


def _xgboost(est: Any) -> onnx.ModelProto:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    booster = est.get_booster()
    return onnxmltools.convert_xgboost(
        booster,
        initial_types=[("X", FloatTensorType([None, int(booster.num_features())]))],
        target_opset=OPSET,
    )


def _splice(g: Graph, sub: onnx.ModelProto, x: str) -> str:
    """Copy a converted model's nodes into ``g`` reading ``x``; returns its probabilities."""
    prefix = g.fresh("est") + "_"
    names = {sub.graph.input[0].name: x}
    for init in sub.graph.initializer:
        names[init.name] = prefix + init.name
        copy = onnx.TensorProto()
        copy.CopyFrom(init)
        copy.name = prefix + init.name
        g.constants.append(copy)
    for node in sub.graph.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.name = prefix + node.name
        del copy.input[:]
        copy.input.extend(names.get(i, prefix + i) if i else "" for i in node.input)
        del copy.output[:]
        copy.output.extend(prefix + o for o in node.output)
        g.nodes.append(copy)
    output = next(o.name for o in sub.graph.output if o.name == "probabilities")
    return prefix + output


def _ensemble(g: Graph, x: str, model: Any) -> str:
    """Members' probabilities in (short, hold, long) order, averaged or stacked."""
    aligned = []
    for member in model.members_:
        proba = probabilities(g, x, member)
        placing = np.zeros((len(member.classes_), 3))
        placing[np.arange(len(member.classes_)), np.asarray(member.classes_, int) + 1] = 1.0
        aligned.append(g.op("MatMul", proba, g.const(placing)))
    if model.meta_ is None:
        total = aligned[0]
        for proba in aligned[1:]:
            total = g.add(total, proba)
        return g.div(total, g.num(float(len(aligned))))
    stacked = g.concat(aligned)  # member by member: the meta-model's input order
    meta = _estimator(g, stacked, model.meta_)
    placing = np.zeros((len(model.meta_.classes_), 3))
    placing[np.arange(len(model.meta_.classes_)), np.asarray(model.meta_.classes_, int) + 1] = 1
    return g.op("MatMul", meta, g.const(placing))
