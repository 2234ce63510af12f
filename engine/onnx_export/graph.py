"""A small ONNX graph builder: nodes and constants with unique names, in the operator set that
MetaTrader 5's runtime documents (`OPSET`, `ML_OPSET`; see docs/ONNX.md).

Every tensor the features use is float64 of shape ``[batch, ...]``; integer tensors (times) are
int64. A builder method returns the name of the tensor it produced, so feature code reads as
arithmetic on names.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 15  # ai.onnx: MQL5's docs point at onnxruntime 1.14's kernels (opsets up to 18)
ML_OPSET = 3  # ai.onnx.ml: TreeEnsemble with float64 thresholds (onnxruntime 1.11 and later)
# Operators the export may use: CPU kernels of onnxruntime 1.14 (what MQL5's docs point at) for
# the types used here, checked by running the files in onnxruntime 1.15 (see docs/ONNX.md).
# float64 Sin/Cos are not among them (1.15 has no float64 Cos kernel).
_CORE_OPERATORS = (
    "Abs Add And Cast Concat CumSum Div Equal Gather Greater Identity IsInf IsNaN Less Log MatMul "
    "Max Min Mod Mul Neg Not Or ReduceMax ReduceMin ReduceSum Reshape Sigmoid Slice Softmax Sqrt "
    "Squeeze Sub Unsqueeze Where"
)
MT5_OPERATORS = frozenset(
    {("", op) for op in _CORE_OPERATORS.split(" ")}
    | {("ai.onnx.ml", "TreeEnsembleClassifier"), ("ai.onnx.ml", "TreeEnsembleRegressor")}
)
DOUBLE, INT64, BOOL, FLOAT = (
    TensorProto.DOUBLE,
    TensorProto.INT64,
    TensorProto.BOOL,
    TensorProto.FLOAT,
)


class Graph:
    """Nodes and constants of one graph under construction."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.constants: list[onnx.TensorProto] = []
        self._names = itertools.count()
        self._cache: dict[tuple[str, bytes, tuple[int, ...]], str] = {}

    def fresh(self, hint: str) -> str:
        return f"{hint}_{next(self._names)}"

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs: Any) -> str:
        """Add one node with a single output; returns the output's name."""
        out = self.fresh(op_type.lower())
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [out], name=out, domain=domain, **attrs)
        )
        return out

    def const(self, value: object, dtype: Any = np.float64) -> str:
        """A constant tensor (shared when the same value is asked for again)."""
        array: np.ndarray = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.tobytes(), array.shape)
        if key not in self._cache:
            name = self.fresh("const")
            self.constants.append(numpy_helper.from_array(array, name))
            self._cache[key] = name
        return self._cache[key]

    def ints(self, *values: int) -> str:
        return self.const(list(values), np.int64)

    # --- arithmetic -------------------------------------------------------------------------
    def add(self, a: str, b: str) -> str:
        return self.op("Add", a, b)

    def sub(self, a: str, b: str) -> str:
        return self.op("Sub", a, b)

    def mul(self, a: str, b: str) -> str:
        return self.op("Mul", a, b)

    def div(self, a: str, b: str) -> str:
        return self.op("Div", a, b)

    def num(self, value: float) -> str:
        return self.const(value)

    def where(self, cond: str, a: str, b: str) -> str:
        return self.op("Where", cond, a, b)

    def ratio(self, num: str, den: str, fallback: float) -> str:
        """``num / den`` with ``fallback`` where ``den == 0`` (NaN stays NaN), as the desk's
        `engine.features._window.ratio`."""
        zero = self.op("Equal", den, self.num(0.0))
        return self.where(zero, self.num(fallback), self.div(num, den))

    # --- shapes ------------------------------------------------------------------------------
    def cols(self, x: str, start: int, stop: int) -> str:
        """Columns ``start:stop`` (absolute, non-negative) of a [batch, n] tensor."""
        return self.op("Slice", x, self.ints(start), self.ints(stop), self.ints(1))

    def col(self, x: str, index: int) -> str:
        """Column ``index`` of a [batch, n] tensor as [batch, 1]."""
        return self.cols(x, index, index + 1)

    def concat(self, parts: Sequence[str], axis: int = 1) -> str:
        return parts[0] if len(parts) == 1 else self.op("Concat", *parts, axis=axis)

    def sum_cols(self, x: str) -> str:
        """Sum over axis 1, kept as [batch, 1]."""
        return self.op("ReduceSum", x, self.ints(1), keepdims=1)

    def max_cols(self, x: str) -> str:
        return self.op("ReduceMax", x, axes=[1], keepdims=1)

    def min_cols(self, x: str) -> str:
        return self.op("ReduceMin", x, axes=[1], keepdims=1)

    def cast(self, x: str, to: int) -> str:
        return self.op("Cast", x, to=to)


def window_matrix(kernel: np.ndarray, outputs: int) -> np.ndarray:
    """(len(kernel) + outputs - 1, outputs) matrix M with ``tail @ M`` = the last ``outputs``
    values of the causal filter ``y[t] = sum_k kernel[k] * x[t - k]`` (newest weight first)."""
    span = len(kernel)
    rows = span + outputs - 1
    matrix = np.zeros((rows, outputs))
    for j in range(outputs):
        end = span - 1 + j  # row of the newest value of output j
        matrix[end - np.arange(span), j] = kernel
    return matrix


def make_model(
    graph: Graph,
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    *,
    name: str,
    doc: str,
    metadata: dict[str, str],
) -> onnx.ModelProto:
    """The model with its opsets, checked by onnx's own checker."""
    body = helper.make_graph(graph.nodes, name, inputs, outputs, initializer=graph.constants)
    model = helper.make_model(
        body,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="aurum",
        doc_string=doc,
    )
    model.ir_version = 8  # what onnxruntime 1.14 reads (IR 9 came with onnx 1.14 / ORT 1.15)
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model
