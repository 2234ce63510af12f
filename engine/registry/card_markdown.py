"""The model card as Markdown, for people: rendered from the JSON card alone (so an import can
render it again and compare). Text people wrote (description, tags) is escaped or fenced, never
interpreted as Markdown."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from engine.metrics.catalog import METRICS, money
from engine.registry.card import ModelCard


def _cell(text: Any) -> str:
    """Plain text safe inside a table cell: no Markdown, links, HTML or line breaks."""
    out = str(text).replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for char in "|`*_[]<>#!~":
        out = out.replace(char, "\\" + char)
    return out


def _fenced(text: str) -> list[str]:
    """A text block that no content can close early."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [f"{fence}text", text, fence]


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def _time(value: datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def _label(name: str) -> str:
    return METRICS[name].label if name in METRICS else _cell(name)


def _number(name: str, value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    unit = METRICS[name].unit if name in METRICS else ""
    if unit == "currency" and currency is not None:  # cards before the currency was recorded:
        return money(value, currency)  # the plain number, as they were written
    if unit in ("fraction", "probability"):
        return f"{value * 100:.2f} %"
    return f"{value:,.0f}" if unit == "count" else f"{value:,.4f}"


def render_markdown(card: ModelCard) -> str:
    """The card for reading: identity, provenance, metrics by source, features, files."""
    p = card.provenance
    lines = [
        f"# Model card: {_cell(card.ref)}",
        "",
        "| | |",
        "| --- | --- |",
        f"| lineage | {_cell(card.lineage)} ({_cell(card.symbol)} {_cell(card.timeframe)}, "
        f"{_cell(card.purpose)}) |",
        f"| version | {card.version} |",
        f"| algorithm | {_cell(card.algorithm)} |",
        f"| status when exported | {_cell(card.status)} |",
        f"| created | {_time(card.created_at)} |",
        f"| training window | {_time(p.train_start)} → {_time(p.train_end)} |",
        f"| data hash | `{_cell(p.data_hash) or '—'}` |",
        f"| data origin | {_cell(p.data_origin or 'not recorded')} |",
        f"| aliases | {_cell(', '.join(card.aliases) or '—')} |",
        f"| exported | {_time(card.exported_at)} from {_cell(card.exported_from or '—')} |",
    ]
    if card.imported_from:
        lines.append(f"| imported from | {_cell(card.imported_from.get('ref', '?'))} |")
    lines += ["", "## Description", ""]
    lines += _fenced(card.description) if card.description else ["(none)"]
    lines += ["", "## Tags", ""]
    if card.tags:
        lines += ["| key | value |", "| --- | --- |"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in sorted(card.tags.items())]
    else:
        lines.append("(none)")
    lines += ["", "## Metrics", ""]
    for m in card.metrics:
        trials = "unknown" if m.trials is None else f"{m.trials:,}"
        lines += [
            f"### {_cell(m.source)}: {m.trades:,} trades, "
            f"{_time(m.period_start)} → {_time(m.period_end)}, trials {trials}",
            "",
            "| metric | value |",
            "| --- | --- |",
            *[
                f"| {_label(name)} | {_number(name, v, card.currency)} |"
                for name, v in m.values.items()
            ],
            "",
        ]
        if m.trials_note:
            lines += [f"Trials: {_cell(m.trials_note)}", ""]
    if not card.metrics:
        lines += ["(none recorded)", ""]
    lines += [f"## Features ({len(card.features)})", ""]
    lines += [f"- {_cell(f)}" for f in card.features] or ["(none)"]
    lines += ["", "## Parameters", "", "| parameter | value |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in sorted(card.params.items())]
    lines += ["", "## Library versions", "", "| library | version |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in sorted(card.library_versions.items())]
    lines += ["", "## Files", "", "| file | format | bytes | sha256 |", "| --- | --- | --- | --- |"]
    lines += [f"| {_cell(f.name)} | {f.format} | {f.size:,} | `{f.sha256}` |" for f in card.files]
    lines += ["", f"Card digest (sha256 of the JSON card without it): `{card.digest}`", ""]
    return "\n".join(lines)
