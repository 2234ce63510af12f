"""Plain-text rendering for the terminal: tables and metric values with units."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from engine.metrics.catalog import money, unit_of


def fmt_metric(name: str, value: float | None, currency: str = "USD") -> str:
    """A metric value with its unit: 54.2 %, -€12.30 (money in `currency`, account.currency),
    1.85, ∞, or — when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    unit = unit_of(name)
    if unit in {"fraction", "probability"}:
        return f"{value * 100:.1f} %"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "currency":
        return money(value, currency)
    if unit == "count":
        return f"{int(value)}"
    return f"{value:.2f}"


def fmt_dsr(metrics: Mapping[str, Any]) -> str:
    """The deflated Sharpe with the number of trials it was deflated for: "0.36 (7 trials)"."""
    value, trials = metrics.get("dsr"), metrics.get("dsr_trials")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        shown = "—"
    else:
        shown = f"{float(value):.2f}"
    if trials is None or (isinstance(trials, float) and math.isnan(trials)):
        return f"{shown} (trials not recorded)"
    count = int(trials)
    return f"{shown} ({count} trial{'' if count == 1 else 's'})"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A left-aligned text table with a rule under the header."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def pairs(rows: Sequence[tuple[str, str]], *, width: int = 100) -> str:
    """`label  value` lines with every value starting in the same column; a long value is
    wrapped to `width` columns, its further lines starting in that column too."""
    column = max((len(label) for label, _ in rows), default=0) + 2
    lines = []
    for label, value in rows:
        wrapped = textwrap.wrap(
            value, max(width - column, 20), break_long_words=False, break_on_hyphens=False
        ) or [""]
        lines.append(f"{label:<{column}}{wrapped[0]}".rstrip())
        lines += [" " * column + more for more in wrapped[1:]]
    return "\n".join(lines)
