"""The version listing behind `list_versions` and the leaderboard, built for 1,000s of versions.

Versions are immutable once registered (DESIGN rule 3): only their status, pin, notes, file
path and what people note about them (description, tags, aliases) change. A `Listing`
therefore remembers, per registry, the columns that cannot change, keyed by version id and
checked against the row's created_at (so a restored or re-created database can never lend one
version's values to another), and reads only the changing columns, the current metrics, the
tags and the aliases on each call, with prebuilt statements. Metrics texts seen before are
not parsed again (keyed by the text itself, so never stale). Each row becomes a VersionInfo
without running the dataclass `__init__`. Every call hands out fresh dicts and lists.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Select,
    Table,
    and_,
    bindparam,
    null,
    select,
    type_coerce,
)

from engine.db.schema import Alias, CurrentMetrics, Lineage, ModelVersion
from engine.registry.aliases import aliases_by_version
from engine.registry.tags import tags_by_version
from engine.registry.types import VersionInfo
from engine.registry.versions import ACTIVE

_VERSIONS: Table = ModelVersion.__table__  # type: ignore[assignment]
_LINEAGES: Table = Lineage.__table__  # type: ignore[assignment]
_CURRENT: Table = CurrentMetrics.__table__  # type: ignore[assignment]
_ALIASES: Table = Alias.__table__  # type: ignore[assignment]
_BY_ID_LIMIT = 500  # more new versions than this: read the fixed columns of all of them


def _naive(column: Any) -> Any:
    """The column as the plain DateTime it is stored as: the listing marks it UTC itself, as
    UTCDateTime would (its wrapper costs two Python calls per value)."""
    return type_coerce(column, DateTime()).label(column.name)


@functools.cache
def _changing_query(by_lineage: bool, with_live: bool) -> Select[Any]:
    """Per version, newest first: id, created_at, what can change, its metrics, active flag."""
    chosen, live, active = _CURRENT.alias("chosen"), _CURRENT.alias("live"), _ALIASES.alias("a")
    v = _VERSIONS.c
    query = (
        select(
            v.id,
            _naive(v.created_at),
            v.status,
            v.pinned,
            v.notes,
            v.artifact_path,
            chosen.c.metrics_json,
            chosen.c.trades,
            live.c.metrics_json if with_live else null(),
            live.c.trades if with_live else null(),
            active.c.version_id,
            v.description,
        )
        .outerjoin(chosen, and_(chosen.c.version_id == v.id, chosen.c.source == bindparam("src")))
        .outerjoin(active, and_(active.c.version_id == v.id, active.c.alias == ACTIVE))
    )
    if with_live:
        query = query.outerjoin(live, and_(live.c.version_id == v.id, live.c.source == "live"))
    if by_lineage:
        query = query.join(_LINEAGES, _LINEAGES.c.id == v.lineage_id).where(
            _LINEAGES.c.name == bindparam("lineage")
        )
    return query.order_by(v.id.desc())


@functools.cache
def _fixed_query(by_id: bool) -> Select[Any]:
    """The columns a version never changes (`_Fixed` order), of some versions or of all."""
    v = _VERSIONS.c
    query = select(
        v.id,
        _naive(v.created_at),
        _LINEAGES.c.name,
        _LINEAGES.c.symbol,
        _LINEAGES.c.timeframe,
        v.version,
        v.algorithm,
        v.params_json,
        v.features_json,
        _naive(v.train_start),
        _naive(v.train_end),
        v.data_hash,
        v.library_versions_json,
        v.artifact_format,
        v.artifact_size,
        v.artifact_sha256,
        v.session_id,
        v.data_origin,
    ).join(_LINEAGES, _LINEAGES.c.id == v.lineage_id)
    return query.where(v.id.in_(bindparam("ids", expanding=True))) if by_id else query


_Fixed = tuple[Any, ...]  # (created_at naive, then the `_fixed_query` columns after it)


class JsonMemo:
    """Decoded JSON texts keyed by the text itself, so a hit is never stale: a listing parses
    only the metrics that changed since the last one. Values are shared: callers copy them."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: dict[str, Any] = {}
        self._limit = limit

    def clear(self) -> None:
        self._seen.clear()

    def decode(self, texts: Sequence[str | None]) -> list[Any]:
        """Each text decoded (None stays None); new texts go through the parser in one call."""
        seen = self._seen
        found = {t: seen.get(t) for t in set(texts) if t is not None}
        new = [t for t, value in found.items() if value is None]
        if new:
            found.update(zip(new, _decode_objects(new), strict=True))
            if len(seen) + len(new) > self._limit:
                seen.clear()
            seen.update((t, found[t]) for t in new)
        return [None if t is None else found[t] for t in texts]


def _decode_objects(texts: list[str]) -> list[Any]:
    """The texts parsed as one JSON array (a third faster than one call each); unless that
    gives exactly one object per text, each is parsed on its own."""
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != len(texts):
        return [json.loads(t) for t in texts]
    if not all(type(v) is dict for v in values):
        return [json.loads(t) for t in texts]
    return values


class Listing:
    """Listings of one registry's versions (see the module docstring for what it remembers)."""

    def __init__(self) -> None:
        self._fixed: dict[int, _Fixed] = {}
        self._metrics = JsonMemo()

    def clear(self) -> None:
        """Forget everything remembered: the next listing reads and parses every column."""
        self._fixed.clear()
        self._metrics.clear()

    def fields(
        self,
        connection: Connection,
        *,
        lineage: str | None = None,
        source: str = "backtest",
        live_from: int | None = None,
    ) -> list[dict[str, Any]]:
        """The VersionInfo fields of every version (newest first), with the current metrics of
        `source`; with `live_from`, live metrics replace them once a version has that many live
        trades. Details (folds, candidates) are left out: `get` has them."""
        with_live = live_from is not None
        params = {"src": source, "lineage": lineage} if lineage else {"src": source}
        rows = connection.execute(_changing_query(lineage is not None, with_live), params).all()
        fixed = self._fixed_columns(connection, rows)
        chosen = self._metrics.decode([r[6] for r in rows])
        live = self._metrics.decode([r[8] for r in rows]) if with_live else [None] * len(rows)
        decode = functools.lru_cache(maxsize=256)(json.loads)  # feature lists repeat, params too
        tags, aliases = tags_by_version(connection), aliases_by_version(connection)
        out = []
        for row, values, live_values in zip(rows, chosen, live, strict=True):
            vid, _, status, pinned, notes, path, _, trades, _, live_trades, active_id, about = row
            (
                _, name, symbol, timeframe, number, algorithm, params_json, features_json,
                train_start, train_end, data_hash, libs_json, fmt, size, sha, session_id,
                origin, created_at,
            ) = fixed[vid]  # fmt: skip
            metrics_source = source
            if live_values is not None and live_trades >= (live_from or 0):
                values, trades, metrics_source = live_values, live_trades, "live"
            if active_id is not None:
                status = "active"
            elif status != "cleaned" and pinned:
                status = "pinned"
            out.append(
                {
                    "id": vid,
                    "lineage": name,
                    "symbol": symbol,
                    "timeframe": timeframe,
                    "version": number,
                    "algorithm": algorithm,
                    "params": decode(params_json),
                    "features": decode(features_json),
                    "train_start": train_start,
                    "train_end": train_end,
                    "data_hash": data_hash,
                    "library_versions": decode(libs_json),
                    "artifact_path": path,
                    "artifact_format": fmt,
                    "artifact_size": size,
                    "artifact_sha256": sha,
                    "status": status,
                    "pinned": pinned,
                    "notes": notes,
                    "created_at": created_at,
                    "metrics": {} if values is None else dict(values),
                    "metrics_source": "" if values is None else metrics_source,
                    "metrics_trades": 0 if values is None else int(trades),
                    "details": {},
                    "session_id": session_id,
                    "score": None,
                    "eligible": True,
                    "ineligible_reason": "",
                    "description": about or "",
                    "tags": dict(tags.get(vid, ())),
                    "aliases": list(aliases.get(vid, ())),
                    "data_origin": origin,
                }
            )
        return out

    def _fixed_columns(self, connection: Connection, rows: Sequence[Any]) -> dict[int, _Fixed]:
        """The unchanging columns of the listed versions, read for those not remembered yet."""
        known = self._fixed
        missing = [r[0] for r in rows if (f := known.get(r[0])) is None or f[0] != r[1]]
        if missing:
            if len(missing) <= _BY_ID_LIMIT:
                found = connection.execute(_fixed_query(True), {"ids": missing})
            else:
                found = connection.execute(_fixed_query(False))
            known.update((row[0], _fixed_entry(row)) for row in found)
        return known

    def versions(self, connection: Connection, **options: Any) -> list[VersionInfo]:
        """`fields` as VersionInfo values."""
        return [VersionInfo.from_fields(f) for f in self.fields(connection, **options)]


def _fixed_entry(row: Any) -> _Fixed:
    """A `_fixed_query` row, kept as: created_at as stored, the rest, created_at in UTC."""
    created_at: datetime = row[1]
    start, end = row[9], row[10]
    return (
        created_at,
        *row[2:9],
        None if start is None else start.replace(tzinfo=UTC),
        None if end is None else end.replace(tzinfo=UTC),
        *row[11:],
        created_at.replace(tzinfo=UTC),
    )
