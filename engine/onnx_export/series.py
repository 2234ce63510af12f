"""The desk's fixed-window indicators (`engine.features._window`) as graph nodes.

A series is a [batch, n] float64 tensor whose last column is the window's last bar. Each
function computes only the last values a feature needs, on exactly the bars the desk reads, so
no NaN of a shorter warm-up ever enters a sum. A cut exponential average is a fixed linear
combination of its window: one MatMul with constant weights (`window_matrix`), the desk's own
kernel (`engine.features._window._weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.features._window import _weights, decay_span, wilder_alpha
from engine.onnx_export.graph import INT64, Graph, window_matrix

COLUMNS = ("time", "open", "high", "low", "close", "tick_volume", "spread")


@dataclass(frozen=True)
class Series:
    """A [batch, length] tensor of one quantity, its last column the window's last bar."""

    name: str
    length: int


@dataclass(frozen=True)
class Window:
    """The input window's columns as series (time also as int64 epoch seconds)."""

    open: Series
    high: Series
    low: Series
    close: Series
    spread: Series
    secs: Series  # int64


def window_series(g: Graph, bars: str, n: int) -> Window:
    """Split the [batch, N, 7] input into its columns."""

    def column(name: str) -> Series:
        return Series(g.op("Gather", bars, g.const(COLUMNS.index(name), np.int64), axis=2), n)

    secs = g.cast(column("time").name, INT64)
    return Window(
        column("open"), column("high"), column("low"), column("close"), column("spread"),
        Series(secs, n),
    )  # fmt: skip


def tail(g: Graph, x: Series, length: int) -> Series:
    """The last ``length`` values of ``x``."""
    if length > x.length:
        raise ValueError(f"series of {x.length} values has no tail of {length}")
    if length == x.length:
        return x
    return Series(g.cols(x.name, x.length - length, x.length), length)


def last(g: Graph, x: Series) -> str:
    """The last value as [batch, 1]."""
    return tail(g, x, 1).name


def diff(g: Graph, x: Series) -> Series:
    """``x[t] - x[t-1]`` (one value fewer)."""
    later = g.cols(x.name, 1, x.length)
    earlier = g.cols(x.name, 0, x.length - 1)
    return Series(g.sub(later, earlier), x.length - 1)


def filtered(g: Graph, x: Series, kernel: np.ndarray, outputs: int = 1) -> Series:
    """The last ``outputs`` values of the causal filter with ``kernel`` (newest weight first)."""
    part = tail(g, x, len(kernel) + outputs - 1)
    return Series(g.op("MatMul", part.name, g.const(window_matrix(kernel, outputs))), outputs)


def decayed(g: Graph, x: Series, alpha: float, outputs: int = 1) -> Series:
    """The desk's `decayed_mean`: an exponential average cut to ``decay_span(alpha)`` values."""
    return filtered(g, x, np.asarray(_weights(alpha)), outputs)


def trailing_mean(g: Graph, x: Series, window: int, outputs: int = 1) -> Series:
    """Sum of each window divided by its length (the desk's `trailing_mean`)."""
    sums = filtered(g, x, np.ones(window), outputs)
    return Series(g.div(sums.name, g.num(float(window))), outputs)


def _windows(g: Graph, x: Series, window: int, outputs: int) -> str:
    """[batch, outputs, window] block of the windows ending at the last ``outputs`` bars."""
    part = tail(g, x, window + outputs - 1)
    index = np.arange(window)[None, :] + np.arange(outputs)[:, None]
    return g.op("Gather", part.name, g.const(index, np.int64), axis=1)


def trailing_extreme(g: Graph, x: Series, window: int, op: str, outputs: int = 1) -> Series:
    """Highest (``op="ReduceMax"``) or lowest (``"ReduceMin"``) of each window: exact."""
    if window == 1:
        return tail(g, x, outputs)
    block = _windows(g, x, window, outputs)
    return Series(g.op(op, block, axes=[2], keepdims=0), outputs)


def moments(g: Graph, x: Series, window: int) -> tuple[str, str]:
    """Mean and population deviation of the last ``window`` values, measured from the last one
    (the desk's `trailing_moments`: no cancellation on raw prices)."""
    part = tail(g, x, window)
    newest = last(g, part)
    offset = g.sub(part.name, newest)
    n = g.num(float(window))
    shift = g.div(g.sum_cols(offset), n)
    square = g.div(g.sum_cols(g.mul(offset, offset)), n)
    spread = g.op("Max", g.sub(square, g.mul(shift, shift)), g.num(0.0))
    return g.add(newest, shift), g.op("Sqrt", spread)


def true_range(g: Graph, high: Series, low: Series, close: Series, values: int) -> Series:
    """High-low widened to the previous close, for the last ``values`` bars."""
    h, lo = tail(g, high, values), tail(g, low, values)
    prev = Series(g.cols(close.name, close.length - values - 1, close.length - 1), values)
    top = g.op("Max", h.name, prev.name)
    bottom = g.op("Min", lo.name, prev.name)
    return Series(g.sub(top, bottom), values)


def atr(g: Graph, w: Window, period: int) -> str:
    """Wilder's average true range cut to its window, as the desk's `atr` (last bar)."""
    alpha = wilder_alpha(period)
    ranges = true_range(g, w.high, w.low, w.close, decay_span(alpha))
    return decayed(g, ranges, alpha).name


def rsi(g: Graph, close: Series, period: int) -> str:
    """Wilder's RSI (0-100) of the last ``decay_span + 1`` closes; 0 when nothing moved."""
    alpha = wilder_alpha(period)
    move = diff(g, tail(g, close, decay_span(alpha) + 1))
    zero = g.num(0.0)
    gain = decayed(g, Series(g.op("Max", move.name, zero), move.length), alpha).name
    loss = decayed(g, Series(g.op("Max", g.op("Neg", move.name), zero), move.length), alpha).name
    return g.mul(g.num(100.0), g.ratio(gain, g.add(gain, loss), 0.0))


def log_of(g: Graph, x: Series) -> Series:
    return Series(g.op("Log", x.name), x.length)


def pairwise_sum(g: Graph, columns: list[str]) -> str:
    """Sum of [batch, 1] columns in numpy's own order (`pairwise_sum`: eight running sums,
    combined as a tree, then the rest one by one; halves above 128 values), so a sum equals
    numpy's bit for bit where ties between sums matter (the regime's ATR percentile)."""
    n = len(columns)
    if n < 8:
        total = columns[0]
        for column in columns[1:]:
            total = g.add(total, column)
        return total
    if n > 128:
        half = (n // 2) - (n // 2) % 8
        return g.add(pairwise_sum(g, columns[:half]), pairwise_sum(g, columns[half:]))
    lanes = list(columns[:8])
    stop = n - n % 8
    for i in range(8, stop, 8):
        lanes = [g.add(lanes[j], columns[i + j]) for j in range(8)]
    total = g.add(
        g.add(g.add(lanes[0], lanes[1]), g.add(lanes[2], lanes[3])),
        g.add(g.add(lanes[4], lanes[5]), g.add(lanes[6], lanes[7])),
    )
    for column in columns[stop:]:
        total = g.add(total, column)
    return total
