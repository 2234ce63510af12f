"""Finding versions: filters (lineage, tag, alias, status, data origin), an order (the
leaderboard's score, creation time or any metric) and a bounded page. Pure: the leaderboard
goes in, a page comes out, so the HTTP route, the dashboard and tests share one definition."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.errors import AurumError
from engine.metrics.catalog import METRICS
from engine.registry.tags import MAX_TAG_VALUE, TAG_KEY
from engine.registry.types import VersionInfo

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
MAX_TAG_FILTERS = 10
ORDERS = ("score", "created", *METRICS)
ORIGINS = ("generated", "imported", "live", "mixed")
# Where a version says what data it learnt from. The provenance work adds this field to
# VersionInfo; until then a version has none and no origin filter matches it.
ORIGIN_FIELD = "data_origin"


@dataclass(frozen=True)
class VersionQuery:
    """What to list: every filter given must match (tags: each `key` or `key=value`)."""

    lineage: str | None = None
    tags: Sequence[str] = ()
    alias: str | None = None
    status: str | None = None
    origin: str | None = None
    order: str = "score"
    direction: Literal["best", "asc", "desc"] = "best"
    limit: int = 50
    offset: int = 0

    def checked(self) -> VersionQuery:
        """The query itself, after refusing an unknown order or an unbounded page."""
        if self.order not in ORDERS:
            raise AurumError(
                f"order {self.order!r} is not known: use score, created or a metric "
                f"({', '.join(METRICS)})"
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise AurumError(f"limit must be 1..{MAX_LIMIT}, got {self.limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise AurumError(f"offset must be 0..{MAX_OFFSET:,}, got {self.offset}")
        if len(self.tags) > MAX_TAG_FILTERS:
            raise AurumError(f"at most {MAX_TAG_FILTERS} tag filters, got {len(self.tags)}")
        for item in self.tags:
            key, _, value = item.partition("=")
            if not TAG_KEY.match(key) or len(value) > MAX_TAG_VALUE:
                raise AurumError(
                    f"tag filter {item[:80]!r}: write KEY or KEY=VALUE (a key of letters, "
                    f"digits, '_', '.', '-'; a value of at most {MAX_TAG_VALUE} characters)"
                )
        return self


@dataclass(frozen=True)
class VersionPage:
    """One page of matching versions; `next_offset` is None on the last page."""

    versions: list[VersionInfo]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    order: str
    direction: str
    filters: dict[str, Any] = field(default_factory=dict)


def version_origin(version: Any) -> str | None:
    """The data origin a version records (generated | imported | live | mixed), if any."""
    value = getattr(version, ORIGIN_FIELD, None)
    return None if value in (None, "") else str(value)


def _has_tags(version: VersionInfo, wanted: Sequence[str]) -> bool:
    for item in wanted:
        key, sep, value = item.partition("=")
        if key not in version.tags or (sep and version.tags[key] != value):
            return False
    return True


def matches(version: VersionInfo, query: VersionQuery) -> bool:
    """Whether the version passes every filter of the query."""
    return (
        (query.lineage is None or version.lineage == query.lineage)
        and (query.status is None or version.status == query.status)
        and (query.alias is None or query.alias in version.aliases)
        and (query.origin is None or version_origin(version) == query.origin)
        and _has_tags(version, query.tags)
    )


def _ordered(versions: list[VersionInfo], order: str, direction: str) -> list[VersionInfo]:
    """`score` best first is the leaderboard's own ranking; `created` is newest first; a metric
    is best first by its catalogue direction. `asc`/`desc` force a direction; versions without
    the value (unscored, metric missing) always come last."""
    if order == "score" and direction != "asc":
        return versions
    if order == "created":
        newest = sorted(versions, key=lambda v: (v.created_at, v.id), reverse=True)
        return newest[::-1] if direction == "asc" else newest
    best_high = METRICS[order].higher_is_better if order in METRICS else True
    descending = best_high if direction == "best" else direction == "desc"
    known, unknown = [], []
    for v in versions:
        value = v.score if order == "score" else v.metrics.get(order)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            unknown.append(v)
        else:
            known.append((float(value), v))
    known.sort(key=lambda pair: (pair[0], pair[1].id), reverse=descending)
    return [v for _, v in known] + unknown


def search_versions(board: Sequence[VersionInfo], query: VersionQuery) -> VersionPage:
    """The page of `board` (the ranked leaderboard) that `query` asks for."""
    query = query.checked()
    found = _ordered([v for v in board if matches(v, query)], query.order, query.direction)
    end = query.offset + query.limit
    filters = {
        name: value
        for name, value in (
            ("lineage", query.lineage),
            ("tag", list(query.tags) or None),
            ("alias", query.alias),
            ("status", query.status),
            ("origin", query.origin),
        )
        if value is not None
    }
    return VersionPage(
        versions=found[query.offset : end],
        total=len(found),
        limit=query.limit,
        offset=query.offset,
        next_offset=end if end < len(found) else None,
        order=query.order,
        direction=query.direction,
        filters=filters,
    )
