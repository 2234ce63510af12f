"""Where bars come from: `generated` (the demo's generator), `imported` (an MT5/CSV file) or
`live` (stored by the HTTP bridge from signal requests). Real bars (imported, live) never share a
series with generated ones: a write that would mix them is refused, saying what resolves it.

Each bar carries its origin; `bar_origins` lists the origins each series holds, so the check and
the listing are one primary-key read instead of a scan of the series.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.data.errors import DataError
from engine.db.schema import Bar, BarOrigin

Origin = Literal["generated", "imported", "live"]
ORIGINS: tuple[str, ...] = ("generated", "imported", "live")
REAL = frozenset({"imported", "live"})


class OriginConflictError(DataError):
    """Bars of one origin were refused because the series holds bars of the other kind
    (generated vs real); nothing was written. Handled at the edge (CLI, Data page, bridge)."""

    def __init__(self, message: str, *, stored: str, incoming: str) -> None:
        self.stored, self.incoming = stored, incoming
        super().__init__(message)


def data_origin(origins: Iterable[str]) -> str:
    """One word for the bars a version learnt from: the origin when there is one, `mixed` when
    several, `imported` when none is known (bars stored before origins were recorded)."""
    found = sorted(set(origins))
    if not found:
        return "imported"
    return found[0] if len(found) == 1 else "mixed"


def series_origins(session: Session, *, symbol: str, timeframe: str) -> set[str]:
    """The origins of the bars stored for one series (empty: no bars)."""
    rows = session.scalars(
        select(BarOrigin.origin).where(BarOrigin.symbol == symbol, BarOrigin.timeframe == timeframe)
    )
    return set(rows)


def all_series_origins(session: Session) -> dict[tuple[str, str], set[str]]:
    """(symbol, timeframe) -> origins of its bars, for every series."""
    out: dict[tuple[str, str], set[str]] = {}
    for symbol, timeframe, origin in session.execute(
        select(BarOrigin.symbol, BarOrigin.timeframe, BarOrigin.origin)
    ):
        out.setdefault((symbol, timeframe), set()).add(origin)
    return out


def window_origins(
    session: Session, *, symbol: str, timeframe: str, start: datetime, end: datetime
) -> set[str]:
    """The origins of the bars stored from `start` to `end` (inclusive): what a version
    trained on that window learnt from."""
    rows = session.scalars(
        select(Bar.origin)
        .where(Bar.symbol == symbol, Bar.timeframe == timeframe, Bar.ts >= start, Bar.ts <= end)
        .distinct()
    )
    return set(rows)


def home_option(root: Path | None) -> str:
    """` --home DIR` for commands printed in messages (nothing for the project's own home)."""
    from engine.home import PROJECT_ROOT

    if root is None or Path(root).resolve() == PROJECT_ROOT:
        return ""
    return f" --home {shlex.quote(str(root))}"


def check_origin(
    session: Session,
    *,
    symbol: str,
    timeframe: str,
    origin: str,
    home: Path | None = None,
) -> None:
    """Refuse bars of `origin` for a series that holds bars of the other kind (generated vs
    real), with the command that resolves it; imported and live bars may share a series."""
    if origin not in ORIGINS:
        raise DataError(f"unknown bar origin {origin!r}: one of {', '.join(ORIGINS)}")
    stored = series_origins(session, symbol=symbol, timeframe=timeframe)
    clash = "generated" in stored if origin in REAL else bool(stored & REAL)
    if not clash:
        return
    raise OriginConflictError(
        _conflict_message(stored, origin, symbol, timeframe, home_option(home)),
        stored="+".join(sorted(stored)),
        incoming=origin,
    )


def _conflict_message(stored: set[str], origin: str, symbol: str, timeframe: str, flag: str) -> str:
    series = f"{symbol} {timeframe}"
    if origin == "generated":
        kinds = "+".join(sorted(stored & REAL))
        return (
            f"{series} holds {kinds} (real) bars: the demo's generated bars never share a series "
            f"with real ones, so nothing was written. Seed the demo in a separate home: "
            f"`aurum init --home DIR` then `aurum demo --home DIR`."
        )
    if origin == "live":
        return (
            f"live {series} bars are not stored: the series holds generated (demo) bars, which "
            f"real bars never join. `aurum demo --remove{flag}` takes the demo out."
        )
    return (
        f"{series} holds generated (demo) bars: real bars never share a series with them, so "
        f"nothing was imported. Take the demo out with `aurum demo --remove{flag}`, then import "
        f"again; or keep the demo and put real data in a separate home: `aurum init --home DIR`, "
        f"then this import again with `--home DIR`."
    )


def note_origin(session: Session, *, symbol: str, timeframe: str, origin: str) -> None:
    """Record that the series now holds bars of `origin` (once per series and origin)."""
    known = session.scalar(
        select(BarOrigin.origin).where(
            BarOrigin.symbol == symbol,
            BarOrigin.timeframe == timeframe,
            BarOrigin.origin == origin,
        )
    )
    if known is None:
        session.execute(insert(BarOrigin).values(symbol=symbol, timeframe=timeframe, origin=origin))


def forget_origins(session: Session, *, symbol: str, timeframe: str, origin: str | None) -> None:
    """Drop the series' record of `origin` (every origin when None), after its bars went."""
    query = delete(BarOrigin).where(BarOrigin.symbol == symbol, BarOrigin.timeframe == timeframe)
    if origin is not None:
        query = query.where(BarOrigin.origin == origin)
    session.execute(query)
