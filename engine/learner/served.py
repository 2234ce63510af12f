"""The last signal served per lineage, for the Overview: kept in memory on the request path (a
dict assignment under a lock) and written to `<home>/models/last_signals.json` off it, by a timer
thread at most once per `WRITE_EVERY` seconds (and at exit), atomically (temp file, rename).

A file, not a table: the signal path never waits for the database, and a desk whose bridge runs
on another machine than its dashboard (PostgreSQL shared) shows no last signal — say so, not a
stale one.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FILE_NAME = "last_signals.json"
WRITE_EVERY = 1.0  # seconds: the most often the file is rewritten


@dataclass(frozen=True)
class ServedSignal:
    """One signal as it was served: to which lineage, from which version, for which bar."""

    lineage: str
    version_ref: str
    bar_time: datetime
    side: str
    confidence: float
    p_long: float
    p_short: float
    served_at: datetime

    @classmethod
    def of(cls, lineage: str, signal: Any, served_at: datetime | None = None) -> ServedSignal:
        """From an `engine.learner.predict.Signal`."""
        return cls(
            lineage=lineage,
            version_ref=str(signal.version_ref),
            bar_time=signal.bar_time,
            side=str(signal.side),
            confidence=float(signal.confidence),
            p_long=float(signal.p_long),
            p_short=float(signal.p_short),
            served_at=served_at or datetime.now(UTC),
        )


class SignalLog:
    """The newest served signal per lineage, written to `path` in the background."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._latest: dict[str, ServedSignal] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._registered = False

    def record(self, lineage: str, signal: Any) -> None:
        """Keep `signal` as the lineage's newest; schedule a write if none is due."""
        entry = ServedSignal.of(lineage, signal)
        with self._lock:
            self._latest[lineage] = entry
            if self._timer is None:
                self._timer = threading.Timer(WRITE_EVERY, self.flush)
                self._timer.daemon = True
                self._timer.start()
            if not self._registered:
                atexit.register(self.flush)
                self._registered = True

    def flush(self) -> None:
        """Write the newest signals now (what is pending; nothing when nothing is)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            latest = dict(self._latest)
        if latest:
            try:
                _write(self.path, latest)
            except OSError:
                log.exception("could not write the last signals to %s", self.path)


def _write(path: Path, latest: dict[str, ServedSignal]) -> None:
    """Merge `latest` into the file (other processes' lineages stay), atomically."""
    stored = {k: asdict(v) for k, v in read_last_signals(path).items()}
    stored.update({k: asdict(v) for k, v in latest.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temp.write_text(json.dumps(stored, default=_iso, indent=1))
    os.replace(temp, path)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_last_signals(path: Path) -> dict[str, ServedSignal]:
    """The signals recorded in `path` by lineage ({} when there is none or it is unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    out = {}
    for lineage, row in data.items() if isinstance(data, dict) else ():
        try:
            row = {**row, "bar_time": _time(row["bar_time"]), "served_at": _time(row["served_at"])}
            out[lineage] = ServedSignal(**row)
        except (KeyError, TypeError, ValueError):
            continue  # a row of another format: skipped, the others still shown
    return out


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
