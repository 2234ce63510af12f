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


@dataclass(frozen=True)
class TradeFile:
    """A read trade-history file: the valid rows and, per bad row, its line and reason."""

    rows: list[dict[str, Any]]
    problems: list[str]


def read_trade_file(path: str | Path) -> TradeFile:
    """Check every row with the ledger's rules (header = line 1); file-level problems raise."""
    file = Path(path)
    good, problems = [], []
    for line, row in _rows(file):
        try:
            parse_trade(row)
        except TradeError as err:
            problems.append(f"line {line}: {str(err).removeprefix('trade refused: ')}")
            continue
        good.append(row)
    return TradeFile(good, problems)


def import_trades(desk: Any, path: str | Path, *, actor: str) -> TradeImportReport:
    """All or nothing: any bad row refuses the file (lines named), else one transaction."""
    file = Path(path)
    read = read_trade_file(file)
    if read.problems:
        more = f"\n... and {len(read.problems) - 20} more" if len(read.problems) > 20 else ""
        raise TradeError(
            f"{file.name}: refused, nothing was imported:\n" + "\n".join(read.problems[:20]) + more
        )
    logged = desk.log_trades(read.rows, actor=actor)
    new = sum(t.outcome == "new" for t in logged)
    return TradeImportReport(file.name, len(logged), new, len(logged) - new)
