"""Uploaded files: kept under a name we choose (content hash); the engine reads them."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from engine.ledger import TradeInput

UPLOAD_DIR = Path(tempfile.gettempdir()) / "aurum-uploads"
SUFFIXES = {".csv": ".csv", ".txt": ".txt", ".tsv": ".tsv"}
TRADE_FIELDS = tuple(TradeInput.model_fields)


def save_upload(name: str, content: bytes) -> Path:
    """Write the bytes to `<tmp>/aurum-uploads/<sha256>.<known suffix>`; the user's file name
    only picks among known suffixes and never becomes part of a path."""
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    suffix = SUFFIXES.get(Path(name).suffix.lower(), ".csv")
    digest = hashlib.sha256(content).hexdigest()
    path = UPLOAD_DIR / f"{digest}{suffix}"
    if not path.exists():
        tmp = UPLOAD_DIR / f".{digest}.part"
        tmp.write_bytes(content)
        tmp.replace(path)
    return path
