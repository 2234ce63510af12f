"""The version's whole feature row from the raw window, and whether the desk would accept it.

Groups come in `feature_names` order (the desk's `feature_plan`); each reads only the bars it
needs at the end of the window, the higher-timeframe group exactly its own window of bars (its
higher bars are built from them, as the desk builds them).
"""

from __future__ import annotations

from collections.abc import Callable

from engine.features import FeatureSpec, feature_plan
from engine.features.spec import higher_timeframe_for
from engine.onnx_export import context, price
from engine.onnx_export.graph import INT64, Graph
from engine.onnx_export.series import Series, Window, diff

Builder = Callable[[Graph, Window, FeatureSpec], dict[str, str]]
BUILDERS: dict[str, Builder] = {
    "returns": price.returns,
    "trend": price.trend,
    "momentum": price.momentum,
    "volatility": price.volatility,
    "bands": price.bands,
    "range": price.price_range,
    "spread": price.spread,
    "time": context.time_of_week,
    "session": context.session,
    "regime": context.regime,
}


def feature_row(g: Graph, w: Window, spec: FeatureSpec, timeframe: str) -> tuple[str, list[str]]:
    """[batch, features] in the version's column order, and [batch, 1] flags that must hold for
    the row to be defined (enough closed higher bars)."""
    columns: list[str] = []
    flags: list[str] = []
    for group, bars, names in feature_plan(spec, timeframe).groups:
        if group == "higher_tf":
            higher = higher_timeframe_for(spec, timeframe)
            if higher is None:
                continue
            values, enough = context.higher_context(g, w, spec, timeframe, higher, bars)
            flags.append(enough)
        else:
            values = BUILDERS[group](g, w, spec)
        columns += [values[name] for name in names]
    return g.concat(columns), flags


def accepted(g: Graph, w: Window, row: str, flags: list[str]) -> str:
    """[batch, 1] bool: the desk gives a signal for this window (positive finite prices, times
    strictly increasing, every feature finite, enough higher bars)."""
    checks = [g.op("Greater", diff(g, w.secs).name, g.const(0, "int64"))]
    for prices in (w.open, w.high, w.low, w.close):
        checks.append(_finite_positive(g, prices))
    checks.append(g.op("Not", g.op("Or", g.op("IsNaN", row), g.op("IsInf", row))))
    ok = [_all(g, check) for check in checks] + flags
    result = ok[0]
    for other in ok[1:]:
        result = g.op("And", result, other)
    return result


def _finite_positive(g: Graph, x: Series) -> str:
    positive = g.op("Greater", x.name, g.num(0.0))
    return g.op("And", positive, g.op("Not", g.op("IsInf", x.name)))


def _all(g: Graph, check: str) -> str:
    """[batch, 1]: every value of a [batch, n] bool tensor is true."""
    failures = g.op("ReduceSum", g.cast(g.op("Not", check), INT64), g.ints(1), keepdims=1)
    return g.op("Equal", failures, g.const(0, "int64"))
