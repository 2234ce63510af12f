"""Finding versions: each filter, each order and the paging, on constructed versions with known
answers (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import AurumError
from engine.registry.search import VersionQuery, search_versions, version_origin
from engine.registry.types import VersionInfo

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class WithOrigin(VersionInfo):
    """A version as it looks once the provenance work adds `data_origin`."""

    data_origin: str = ""


def version(vid: int, **fields: object) -> WithOrigin:
    base: dict[str, object] = dict(
        id=vid, lineage="XAUUSD-M5-scalper", symbol="XAUUSD", timeframe="M5", version=vid,
        algorithm="logistic_regression", params={}, features=["f0"], train_start=None,
        train_end=None, data_hash="", library_versions={}, artifact_path="a",
        artifact_format="skops", artifact_size=1, artifact_sha256="0" * 64, status="candidate",
        pinned=False, notes="", created_at=T0 + timedelta(hours=vid),
    )  # fmt: skip
    base.update(fields)
    return WithOrigin(**base)  # type: ignore[arg-type]


# the leaderboard's order: scored versions best first, then the unscored
BOARD = [
    version(3, score=0.9, metrics={"sharpe": 1.5, "max_drawdown_pct": 9.0}, status="active",
            aliases=["active"], tags={"reviewed": "olga"}, data_origin="imported"),
    version(1, score=0.6, metrics={"sharpe": 2.5, "max_drawdown_pct": 4.0},
            tags={"reviewed": "vic", "regime": "trend"}, aliases=["staging"],
            data_origin="generated"),
    version(4, score=0.2, metrics={"sharpe": -0.5}, lineage="XAUUSD-M1-scalper",
            status="archived", data_origin="live"),
    version(2, score=None, metrics={}, eligible=False, tags={"regime": "trend"}),
]  # fmt: skip


def ids(query: VersionQuery) -> list[int]:
    return [v.id for v in search_versions(BOARD, query).versions]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (VersionQuery(), [3, 1, 4, 2]),
        (VersionQuery(lineage="XAUUSD-M1-scalper"), [4]),
        (VersionQuery(lineage="nope"), []),
        (VersionQuery(tags=("regime",)), [1, 2]),
        (VersionQuery(tags=("regime=trend", "reviewed")), [1]),
        (VersionQuery(tags=("reviewed=olga",)), [3]),
        (VersionQuery(tags=("reviewed=Olga",)), []),
        (VersionQuery(alias="staging"), [1]),
        (VersionQuery(alias="active"), [3]),
        (VersionQuery(status="archived"), [4]),
        (VersionQuery(status="candidate"), [1, 2]),
        (VersionQuery(origin="generated"), [1]),
        (VersionQuery(origin="imported"), [3]),
        (VersionQuery(origin="mixed"), []),
    ],
)
def test_each_filter_keeps_exactly_the_matching_versions(query: VersionQuery, expected: list[int]):
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("order", "direction", "expected"),
    [
        ("score", "best", [3, 1, 4, 2]),  # the leaderboard's own order
        ("score", "asc", [4, 1, 3, 2]),  # unscored last either way
        ("created", "best", [4, 3, 2, 1]),  # newest first
        ("created", "asc", [1, 2, 3, 4]),
        ("sharpe", "best", [1, 3, 4, 2]),  # higher is better; no value last
        ("sharpe", "asc", [4, 3, 1, 2]),
        ("max_drawdown_pct", "best", [1, 3, 4, 2]),  # lower is better
        ("max_drawdown_pct", "desc", [3, 1, 4, 2]),
    ],
)
def test_each_order(order: str, direction: str, expected: list[int]):
    assert ids(VersionQuery(order=order, direction=direction)) == expected  # type: ignore[arg-type]


def test_pages_cover_every_match_once_and_say_where_the_next_starts():
    first = search_versions(BOARD, VersionQuery(limit=3))
    assert ([v.id for v in first.versions], first.total, first.next_offset) == ([3, 1, 4], 4, 3)
    second = search_versions(BOARD, VersionQuery(limit=3, offset=3))
    assert ([v.id for v in second.versions], second.next_offset) == ([2], None)
    beyond = search_versions(BOARD, VersionQuery(offset=10))
    assert (beyond.versions, beyond.total, beyond.next_offset) == ([], 4, None)
    exact = search_versions(BOARD, VersionQuery(limit=4))
    assert exact.next_offset is None


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (VersionQuery(order="luck"), "order 'luck' is not known"),
        (VersionQuery(limit=0), "limit must be 1..200"),
        (VersionQuery(limit=201), "limit must be 1..200"),
        (VersionQuery(offset=-1), "offset must be 0..1,000,000"),
        (VersionQuery(tags=tuple(f"k{n}" for n in range(11))), "at most 10 tag filters"),
        (VersionQuery(tags=("bad key",)), "tag filter 'bad key'"),
    ],
)
def test_unbounded_or_unknown_queries_are_refused(query: VersionQuery, reason: str):
    with pytest.raises(AurumError, match=reason):
        search_versions(BOARD, query)


def test_the_origin_filter_matches_each_versions_data_origin():
    demo = replace(BOARD[0], data_origin="generated")
    real = replace(BOARD[1], data_origin="imported")
    assert version_origin(demo) == "generated"
    found = search_versions([demo, real], VersionQuery(origin="generated")).versions
    assert [v.id for v in found] == [demo.id]
    found = search_versions([demo, real], VersionQuery(origin="imported")).versions
    assert [v.id for v in found] == [real.id]
