"""User text that markdown would turn into a request: planted where the dashboard shows it (an
activation's reason and actor, a learning session's requester and error, a bar file's field)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.learner import records
from engine.services import Desk


def payload(port: int) -> str:
    """Markdown for an image served by a listener on this machine's `port`."""
    return f"![x](http://127.0.0.1:{port}/x.png)"


def plant(desk: Desk, text: str) -> int:
    """Activate v2 with `text` in its reason and actor, and record a failed learning session
    requested by and failing with it; returns the session's id."""
    desk.activate("XAUUSD-M5-scalper:v2", actor=f"mallory {text}", reason=f"because {text}")
    session_id = records.create(
        desk.db,
        trigger="manual",
        requested_by=f"api:{text}",
        symbol="XAUUSD",
        timeframe="M5",
        status="failed",
    )
    records.update(
        desk.db,
        session_id,
        error=f"refused: {text}",
        message=text,
        finished_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    return session_id


def bar_file(folder: Path, text: str) -> Path:
    """A bars CSV whose second row's open is `text` (the importer echoes it in its refusal)."""
    path = folder / "evil-bars.csv"
    path.write_text(
        "time,open,high,low,close\n"
        "2025-01-06 00:00,2650,2651,2649,2650.5\n"
        f"2025-01-06 00:05,{text},2651,2649,2650.5\n",
        encoding="utf-8",
    )
    return path
