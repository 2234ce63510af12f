"""Uploaded files: kept under a name we choose (content hash); the engine reads them, and what
the trader sees names the file as they uploaded it."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.data.errors import ECHO_CHARS, DataError
from engine.errors import TradeError
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


def shown_name(name: str) -> str:
    """The uploaded file's own name for messages: its last path part, cut to 80 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    return base if len(base) <= ECHO_CHARS else base[:ECHO_CHARS] + "…"


@contextmanager
def as_uploaded(kept: Path, name: str) -> Iterator[None]:
    """A refusal of the kept copy `kept` names the file as uploaded (`name`), not by its hash."""
    try:
        yield
    except DataError as err:
        if err.source != kept.name:
            raise
        raise DataError(
            err.summary, err.problems, source=shown_name(name), total_problems=err.total_problems
        ) from None
    except TradeError as err:
        text = str(err)
        if not text.startswith(f"{kept.name}: ") or type(err) is not TradeError:
            raise
        raise TradeError(shown_name(name) + text.removeprefix(kept.name)) from None
