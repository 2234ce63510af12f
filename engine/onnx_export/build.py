"""One ONNX file from raw bars to the signal: the version's features, selection, scaling, model
and signal rule as one graph (`build_onnx`), or the list of what blocks that (`onnx_blockers`).

Input ``bars``: float64 [batch, N, 7], N = the version's minimum history (its fixed window),
oldest bar first, columns `INPUT_COLUMNS`. Outputs: ``probabilities`` [batch, classes] in the
order of the version's classes, ``signal`` [batch, 8] (`SIGNAL_COLUMNS`) and ``features``
[batch, features] (the row the model read, for checking an EA against the desk).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from engine.errors import NotExportableError
from engine.features import feature_names, history_bars, stored_spec
from engine.labels.inputs import ATR_PERIOD, POINT
from engine.learner.signals import BUY, SELL
from engine.onnx_export import estimators
from engine.onnx_export.features import accepted, feature_row
from engine.onnx_export.graph import DOUBLE, MT5_OPERATORS, Graph, make_model
from engine.onnx_export.series import COLUMNS, Window, atr, last, window_series

INPUT_COLUMNS = COLUMNS
SIGNAL_COLUMNS = (
    "side",  # 1 BUY, -1 SELL, 0 HOLD (also whenever valid is 0)
    "p_long",
    "p_short",
    "confidence",  # max(p_long, p_short), as the desk's signal
    "stop_distance",  # price distance of the stop loss from the entry (NaN: no level)
    "take_distance",  # price distance of the take profit from the entry (NaN: no level)
    "entry_spread",  # the desk's BUY entry is the last close plus this (the last bar's spread)
    "valid",  # 1 when the desk would give a signal for this window, else 0
)
MAX_WINDOW = 5_000  # the longest window a version may need (the bridge's MAX_BARS)


@dataclass(frozen=True)
class OnnxModel:
    """The file's bytes and what a reader of it needs to know."""

    data: bytes
    sha256: str
    window_bars: int
    timeframe: str
    features: list[str]
    classes: list[int]
    min_confidence: float


def onnx_blockers(model: Any, details: Mapping[str, Any]) -> list[str]:
    """Why this version's signal cannot be one faithful graph (empty: it can)."""
    if not details.get("feature_spec"):
        return ["it was not trained by a learning session (no feature settings recorded)"]
    spec = stored_spec(details)
    found = []
    if not spec.fixed_window:
        found.append(
            "its features were trained before fixed windows (each depends on all the history "
            "sent): retrain it to export it"
        )
    elif history_bars(spec, str(details.get("timeframe"))) > MAX_WINDOW:
        found.append(f"its window is longer than {MAX_WINDOW} bars")
    labels = details.get("labels") or {}
    if labels and labels.get("unit") not in ("atr", "usd"):
        found.append(f"barrier unit {labels.get('unit')!r}")
    return found + estimators.blockers(model)


def build_onnx(model: Any, details: Mapping[str, Any], *, ref: str) -> OnnxModel:
    """The version as one graph; NotExportableError (with every blocker) when it has none."""
    found = onnx_blockers(model, details)
    if found:
        raise NotExportableError(ref, found)
    spec = stored_spec(details)
    timeframe = str(details["timeframe"])
    n = history_bars(spec, timeframe)
    names = feature_names(spec, timeframe)
    classes = [int(c) for c in np.asarray(model.classes_)]
    threshold = float(details.get("min_confidence", 0.5))
    g = Graph()
    w = window_series(g, "bars", n)
    row, flags = feature_row(g, w, spec, timeframe)
    valid = accepted(g, w, row, flags)
    proba = estimators.probabilities(g, row, model)
    signal = _signal(g, w, proba, valid, classes, threshold, details)
    outputs = [("probabilities", proba, len(classes)), ("signal", signal, len(SIGNAL_COLUMNS)),
               ("features", row, len(names))]  # fmt: skip
    for name, tensor, _ in outputs:
        g.nodes.append(helper.make_node("Identity", [tensor], [name], name=f"out_{name}"))
    g = _pruned(g, [name for name, _, _ in outputs])
    outside = sorted({f"{n.domain or 'ai.onnx'}.{n.op_type}" for n in g.nodes
                      if (n.domain, n.op_type) not in MT5_OPERATORS})  # fmt: skip
    if outside:
        raise NotExportableError(ref, [f"operators outside MetaTrader 5's runtime: {outside}"])
    proto = make_model(
        g,
        [helper.make_tensor_value_info("bars", TensorProto.DOUBLE, ["batch", n, 7])],
        [
            helper.make_tensor_value_info(name, TensorProto.DOUBLE, ["batch", width])
            for name, _, width in outputs
        ],
        name=ref,
        doc=f"Aurum {ref}: raw {timeframe} bars (oldest first, {n} of them) to its signal",
        metadata={
            "aurum_version": ref,
            "window_bars": str(n),
            "input_columns": ",".join(INPUT_COLUMNS),
            "classes": ",".join(map(str, classes)),
            "signal_columns": ",".join(SIGNAL_COLUMNS),
            "features": ",".join(names),
        },
    )
    data = proto.SerializeToString()
    return OnnxModel(data, hashlib.sha256(data).hexdigest(), n, timeframe, names, classes,
                     threshold)  # fmt: skip


def _signal(
    g: Graph,
    w: Window,
    proba: str,
    valid: str,
    classes: list[int],
    threshold: float,
    details: Mapping[str, Any],
) -> str:
    """The desk's `signals_from_proba` and `SignalModel._levels` on the graph's probabilities."""

    def column(label: int) -> str:
        return (
            g.col(proba, classes.index(label))
            if label in classes
            else g.mul(last(g, w.close), g.num(0.0))
        )

    p_long, p_short = column(BUY), column(SELL)
    thr = g.num(threshold)

    def wins(p: str, other: str) -> str:
        return g.op("And", g.op("Not", g.op("Less", p, thr)), g.op("Greater", p, other))

    side = g.sub(g.cast(wins(p_long, p_short), DOUBLE), g.cast(wins(p_short, p_long), DOUBLE))
    side = g.where(valid, side, g.num(0.0))
    stop, take = _distances(g, w, details.get("labels") or {})
    default = float((details.get("costs") or {}).get("default_spread_points", 20.0))
    points = last(g, w.spread)
    good = g.op(
        "And", g.op("Not", g.op("IsNaN", points)), g.op("Not", g.op("Less", points, g.num(0.0)))
    )
    good = g.op("And", good, g.op("Not", g.op("IsInf", points)))
    spread = g.mul(g.where(good, points, g.num(default)), g.num(POINT))
    confidence = g.op("Max", p_long, p_short)
    return g.concat([side, p_long, p_short, confidence, stop, take, spread,
                     g.cast(valid, DOUBLE)])  # fmt: skip


def _distances(g: Graph, w: Window, labels: Mapping[str, Any]) -> tuple[str, str]:
    """Stop and take-profit distances as the desk's `distances_from_atr` (NaN: no level)."""
    nan = g.mul(last(g, w.close), g.num(float("nan")))
    if not labels:
        return nan, nan
    stop, take = float(labels["stop_loss"]), float(labels["take_profit"])
    if labels["unit"] == "usd":
        zero = g.mul(last(g, w.close), g.num(0.0))
        return g.add(zero, g.num(stop)), g.add(zero, g.num(take))
    scale = atr(g, w, ATR_PERIOD)
    scale = g.where(g.op("Greater", scale, g.num(0.0)), scale, nan)
    return g.mul(g.num(stop), scale), g.mul(g.num(take), scale)


def _pruned(g: Graph, outputs: list[str]) -> Graph:
    """Only the nodes and constants the outputs need (converters add labels nobody reads)."""
    needed = set(outputs)
    kept = []
    for node in reversed(g.nodes):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    g.nodes = list(reversed(kept))
    g.constants = [c for c in g.constants if c.name in needed]
    return g


def check_loads(data: bytes) -> None:
    """onnx's checker on the bytes (what an importer runs before trusting a file)."""
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
