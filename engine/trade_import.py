"""Import a trade history CSV (one closed trade per row) into the ledger, all or nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import TradeError
from engine.ledger import TradeInput, parse_trade

FIELDS = tuple(TradeInput.model_fields)
ALIASES = {
    "type": "side",
    "direction": "side",
    "lots": "volume",
    "size": "volume",
    "open price": "open_price",
    "close price": "close_price",
    "time": "open_time",
    "open time": "open_time",
    "close time": "close_time",
    "order": "ticket",
    "position": "ticket",
    "version": "version_id",
    "model_version": "version_id",
}


@dataclass(frozen=True)
class TradeImportReport:
    file: str
    rows: int
    new: int
    unchanged: int


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise TradeError(f"{path.name}: cannot read the file ({err})") from None
    reader = csv.DictReader(
        text.splitlines(),
        dialect=csv.Sniffer().sniff(text[:2048], ",;\t") if text.strip() else "excel",
    )
    if not reader.fieldnames:
        raise TradeError(f"{path.name}: empty file; expected a header with {', '.join(FIELDS)}")
    names = {n: ALIASES.get(n.strip().lower(), n.strip().lower()) for n in reader.fieldnames}
    unknown = sorted(v for v in names.values() if v not in FIELDS)
    if unknown:
        raise TradeError(
            f"{path.name}: unknown column(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    out = []
    for line, raw in enumerate(reader, start=2):
        row = {names[k]: v.strip() for k, v in raw.items() if k is not None and v and v.strip()}
        if "side" in row:
            row["side"] = row["side"].lower()
        out.append((line, row))
    if not out:
        raise TradeError(f"{path.name}: no trades below the header")
    return out


def import_trades(desk: Any, path: str | Path, *, actor: str) -> TradeImportReport:
    """Validate every row (errors name the line), then log them in one transaction."""
    file = Path(path)
    rows = _rows(file)
    problems = []
    for line, row in rows:
        try:
            parse_trade(row)
        except TradeError as err:
            problems.append(f"line {line}: {str(err).removeprefix('trade refused: ')}")
    if problems:
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise TradeError(
            f"{file.name}: refused, nothing was imported:\n" + "\n".join(problems[:20]) + more
        )
    logged = desk.log_trades([row for _, row in rows], actor=actor)
    new = sum(t.outcome == "new" for t in logged)
    return TradeImportReport(file.name, len(logged), new, len(logged) - new)
