"""Plain-text rendering for the terminal: tables and metric values with units."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from engine.metrics.catalog import METRICS


def fmt_metric(name: str, value: float | None) -> str:
    """A metric value with its unit: 54.2 %, $12.30, 1.85, ∞, or — when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    unit = METRICS[name].unit if name in METRICS else ""
    if unit in {"fraction", "probability"}:
        return f"{value * 100:.1f} %"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "currency":
        return f"${value:,.2f}"
    if unit == "count":
        return f"{int(value)}"
    return f"{value:.2f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A left-aligned text table with a rule under the header."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
