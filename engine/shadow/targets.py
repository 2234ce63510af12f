"""Which versions paper-trade: the configured challengers of each market (`shadow.mode`), the
challengers held for shadow evidence, and the champion each of them is measured against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.shadow.evidence import champion_of
from engine.shadow.promotion import held_challenger_ids


@dataclass(frozen=True)
class ShadowTarget:
    """A version to paper-trade, why, and in which role."""

    version: Any  # VersionInfo from the leaderboard listing
    role: str  # champion | challenger
    why: str


@dataclass(frozen=True)
class TargetPlan:
    targets: list[ShadowTarget]
    problems: list[str]


def plan_targets(desk: Any, cfg: Any) -> TargetPlan:
    """The versions of this shadow cycle; a configured version that cannot paper-trade is named
    in `problems`. Champions come in only when their market has a challenger."""
    shadow = cfg.shadow
    if shadow.mode == "off":
        return TargetPlan([], [])
    board = desk.leaderboard()
    actives = [v for v in board if v.status == "active"]
    chosen: dict[int, ShadowTarget] = {}
    problems: list[str] = []
    if shadow.mode == "top_k":
        taken: dict[tuple[str, str], int] = {}
        for v in board:
            market = (v.symbol, v.timeframe)
            if v.status != "active" and _usable(v) and taken.get(market, 0) < shadow.top_k:
                taken[market] = taken.get(market, 0) + 1
                chosen[v.id] = ShadowTarget(v, "challenger", f"top {shadow.top_k} of {market}")
    else:
        by_ref = {key: v for v in board for key in (v.ref, str(v.id))}
        for ref in shadow.pinned:
            v = by_ref.get(ref)
            if v is None:
                problems.append(f"shadow.pinned names {ref}, which does not exist")
            elif v.status == "active":
                problems.append(f"shadow.pinned: {v.ref} is active; it trades as the champion")
            elif not _usable(v):
                problems.append(f"shadow.pinned: {v.ref} has no model file or training record")
            else:
                chosen[v.id] = ShadowTarget(v, "challenger", "pinned")
    by_id = {v.id: v for v in board}
    for version_id in held_challenger_ids(desk):
        v = by_id.get(version_id)
        if v is not None and v.status != "active" and _usable(v) and version_id not in chosen:
            chosen[version_id] = ShadowTarget(v, "challenger", "held for shadow evidence")
    champions: dict[int, ShadowTarget] = {}
    for target in chosen.values():
        champion = champion_of(target.version, actives)
        if champion is not None and _usable(champion):
            champions[champion.id] = ShadowTarget(champion, "champion", "active version")
    return TargetPlan([*champions.values(), *chosen.values()], problems)


def _usable(version: Any) -> bool:
    """A model file and a training window: what paper trading needs (details are checked when
    the model is loaded)."""
    return (
        version.status != "cleaned"
        and bool(version.artifact_path)
        and version.train_end is not None
    )
