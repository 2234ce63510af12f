"""The version listing behind `list_versions` and the leaderboard, built for 1,000s of versions.

One statement (built once) returns every version with its lineage, current metrics and active
flag; metrics texts seen before are not parsed again (the memo is keyed by the text itself, so it
is never stale); each row becomes a VersionInfo without running the dataclass `__init__`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC
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
from engine.registry.types import VersionInfo
from engine.registry.versions import ACTIVE

_VERSIONS: Table = ModelVersion.__table__  # type: ignore[assignment]
_LINEAGES: Table = Lineage.__table__  # type: ignore[assignment]
_CURRENT: Table = CurrentMetrics.__table__  # type: ignore[assignment]
_ALIASES: Table = Alias.__table__  # type: ignore[assignment]
_METRICS_TEXT, _LIVE_TEXT = 21, 23  # positions in the listing query's rows


@functools.cache
def _query(by_lineage: bool, with_live: bool) -> Select[Any]:
    """Newest first; the column order is the unpacking order in `listing_fields`."""
    chosen, live, active = _CURRENT.alias("chosen"), _CURRENT.alias("live"), _ALIASES.alias("a")
    v = _VERSIONS.c
    query = (
        select(
            v.id,
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
            v.artifact_path,
            v.artifact_format,
            v.artifact_size,
            v.artifact_sha256,
            v.status,
            v.pinned,
            v.notes,
            _naive(v.created_at),
            v.session_id,
            chosen.c.metrics_json,
            chosen.c.trades,
            live.c.metrics_json if with_live else null(),
            live.c.trades if with_live else null(),
            active.c.version_id,
        )
        .join(_LINEAGES, _LINEAGES.c.id == v.lineage_id)
        .outerjoin(chosen, and_(chosen.c.version_id == v.id, chosen.c.source == bindparam("src")))
        .outerjoin(active, and_(active.c.version_id == v.id, active.c.alias == ACTIVE))
    )
    if with_live:
        query = query.outerjoin(live, and_(live.c.version_id == v.id, live.c.source == "live"))
    if by_lineage:
        query = query.where(_LINEAGES.c.name == bindparam("lineage"))
    return query.order_by(v.id.desc())


def _naive(column: Any) -> Any:
    """The column as the plain DateTime it is stored as: `listing_fields` marks it UTC itself,
    as UTCDateTime would (its wrapper costs two Python calls per value, 3,000 per listing)."""
    return type_coerce(column, DateTime()).label(column.name)


class JsonMemo:
    """Decoded JSON texts keyed by the text itself, so a hit is never stale: a listing parses
    only the metrics that changed since the last one. Values are shared: callers copy them."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: dict[str, Any] = {}
        self._limit = limit

    def clear(self) -> None:
        """Forget every text (the benchmark measures a listing that parses all of them)."""
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


METRICS_MEMO = JsonMemo()


def listing_fields(
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
    rows = connection.execute(_query(lineage is not None, with_live), params).all()
    chosen = METRICS_MEMO.decode([r[_METRICS_TEXT] for r in rows])
    no_live: list[Any] = [None] * len(rows)
    live = METRICS_MEMO.decode([r[_LIVE_TEXT] for r in rows]) if with_live else no_live
    decode = functools.lru_cache(maxsize=256)(json.loads)  # feature lists repeat, params too
    out = []
    for row, values, live_values in zip(rows, chosen, live, strict=True):
        (
            vid, name, symbol, timeframe, number, algorithm, params_json, features_json,
            train_start, train_end, data_hash, libs_json, path, fmt, size, sha,
            status, pinned, notes, created_at, session_id, _, trades, _, live_trades, active_id,
        ) = row  # fmt: skip
        metrics_source = source
        created_at = created_at.replace(tzinfo=UTC)
        if train_start is not None:
            train_start = train_start.replace(tzinfo=UTC)
        if train_end is not None:
            train_end = train_end.replace(tzinfo=UTC)
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
            }
        )
    return out


def list_versions(connection: Connection, **options: Any) -> list[VersionInfo]:
    """`listing_fields` as VersionInfo values."""
    return [VersionInfo.from_fields(f) for f in listing_fields(connection, **options)]
