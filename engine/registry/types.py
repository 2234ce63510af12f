"""What the registry returns: plain frozen dataclasses, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

STATUSES = ("candidate", "active", "archived", "pinned", "cleaned")


@dataclass(frozen=True)
class LineageInfo:
    id: int
    name: str
    symbol: str
    timeframe: str
    purpose: str


@dataclass(frozen=True)
class TrainedOn:
    """The bars a version learnt from: its series and the first and last bar (UTC)."""

    symbol: str
    timeframe: str
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class VersionInfo:
    """One registered model version, as the trader sees it."""

    id: int
    lineage: str
    symbol: str
    timeframe: str
    version: int
    algorithm: str
    params: dict[str, Any]
    features: list[str]
    train_start: datetime | None
    train_end: datetime | None
    data_hash: str
    library_versions: dict[str, str]
    artifact_path: str | None
    artifact_format: str
    artifact_size: int
    artifact_sha256: str
    status: str
    pinned: bool
    notes: str
    created_at: datetime
    metrics: dict[str, float | None] = field(default_factory=dict)
    metrics_source: str = ""
    metrics_trades: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    session_id: int | None = None
    score: float | None = None
    eligible: bool = True
    ineligible_reason: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    data_origin: str = "imported"  # generated | imported | live | mixed (engine.data.origin)

    @classmethod
    def from_fields(cls, state: dict[str, Any]) -> VersionInfo:
        """A VersionInfo whose state is `state` (every field by name, nothing else).

        Listings build thousands: the generated `__init__` of a frozen dataclass sets every
        field through `object.__setattr__`, seven times slower than adopting the dict.
        """
        if len(state) != len(_FIELD_NAMES) or state.keys() != _FIELD_NAMES:
            raise TypeError(f"VersionInfo fields differ: {set(state) ^ _FIELD_NAMES}")
        info = object.__new__(cls)
        object.__setattr__(info, "__dict__", state)
        return info

    def with_rank(self, **verdict: Any) -> VersionInfo:
        """A copy with the leaderboard's fields (score, eligible, ineligible_reason) replaced.

        `dataclasses.replace` runs `__init__` over all the fields again, which made it the
        slowest step of a 1,000-version leaderboard; the state of this frozen dataclass is its
        `__dict__`, so a copy of that is the same value for a tenth of the time.
        """
        unknown = set(verdict) - {"score", "eligible", "ineligible_reason"}
        if unknown:
            raise TypeError(f"with_rank() sets only the leaderboard fields, not {unknown}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **verdict)
        return copy

    @property
    def ref(self) -> str:
        """The human name of the version, e.g. `XAUUSD-M5-scalper:v3`."""
        return f"{self.lineage}:v{self.version}"

    @property
    def is_demo(self) -> bool:
        """Trained on generated bars (the demo's): never served to a real feed unless
        serving.allow_demo_models says so, and marked DEMO wherever it is shown."""
        return self.data_origin == "generated"

    @property
    def trained_on(self) -> TrainedOn:
        return TrainedOn(self.symbol, self.timeframe, self.train_start, self.train_end)

    @property
    def model_id(self) -> int:
        """Seed-compatible id (what `set_active_model` takes)."""
        return self.id

    @property
    def is_active(self) -> bool:
        return self.status == "active"


_FIELD_NAMES = frozenset(f.name for f in fields(VersionInfo))


@dataclass(frozen=True)
class ActivationRecord:
    """One move of the `active` pointer."""

    id: int
    lineage: str
    kind: str
    from_ref: str | None
    to_ref: str
    from_version_id: int | None
    to_version_id: int
    actor: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class AliasMove:
    """One move of a named pointer (`staging`, `candidate`, ...): set, moved or removed
    (`to_ref` None). The `active` pointer's moves are ActivationRecords."""

    id: int
    lineage: str
    alias: str
    kind: str  # set | move | remove
    from_ref: str | None
    to_ref: str | None
    from_version_id: int | None
    to_version_id: int | None
    actor: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class AliasInfo:
    """Where a pointer of a lineage points now."""

    lineage: str
    alias: str
    version_id: int
    ref: str
    updated_at: datetime


@dataclass(frozen=True)
class CleanupReport:
    removed: list[str]
    protected: list[str]
    freed_bytes: int


@dataclass(frozen=True)
class ComparisonRow:
    metric: str
    label: str
    higher_is_better: bool
    values: dict[str, float | None]
    best: str | None


@dataclass(frozen=True)
class Comparison:
    """Side-by-side metrics with the better value per row and an overall winner with reasons."""

    refs: list[str]
    rows: list[ComparisonRow]
    winner: str | None
    criteria: str
    wins: dict[str, int]
