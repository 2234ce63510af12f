"""Promotion on shadow evidence (`shadow.require_for_promotion`).

A learning session's winner that passes the promotion gates is held (decision `hold`) instead of
activated; the shadow cycle then paper-trades it next to the champion, and once its edge over
the champion is significant it is promoted (or flagged when auto_model_switching is off), with
a new decision that gives the test's numbers. Until then it stays held.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from engine.db.schema import PromotionDecision

log = logging.getLogger("aurum.shadow")

HOLD = "hold"


def hold_reason(shadow: Any, champion_ref: str) -> str:
    """Why a challenger that passed the gates is held (the `shadow` config section)."""
    return (
        f"needs shadow evidence (shadow.require_for_promotion): held until its paper trades on "
        f"live bars beat {champion_ref}'s with p ≤ {shadow.max_p_value:g} "
        f"(shadow.max_p_value), {shadow.min_trades} trades each at least (shadow.min_trades)"
    )


def held_challenger_ids(desk: Any) -> list[int]:
    """Versions whose newest promotion decision is `hold`, newest first."""
    newest = (
        select(func.max(PromotionDecision.id).label("last"))
        .group_by(PromotionDecision.challenger_id)
        .subquery()
    )
    with desk.db.session() as s:
        rows = s.execute(
            select(PromotionDecision.challenger_id)
            .join(newest, PromotionDecision.id == newest.c.last)
            .where(PromotionDecision.decision == HOLD)
            .order_by(PromotionDecision.id.desc())
        ).scalars()
        return [int(v) for v in rows]


def settle_held(desk: Any, cfg: Any) -> list[str]:
    """Promote (or flag) each held challenger whose shadow edge over its lineage's active
    version is now significant; at most one per lineage per cycle. Returns what was done."""
    from engine import selection
    from engine.shadow.evidence import edge_over_champion

    done: list[str] = []
    settled: set[str] = set()
    for version_id in held_challenger_ids(desk):
        challenger = desk.version(version_id)
        if challenger.lineage in settled or challenger.is_active or not challenger.artifact_path:
            continue
        champion = desk.registry.active_version(challenger.lineage)
        if champion is None:
            continue
        edge = edge_over_champion(desk, cfg, challenger, champion)
        if edge is None or not edge.significant:
            continue
        settled.add(challenger.lineage)
        evidence = {
            "source": "shadow",
            "from": edge.since.isoformat(),
            "shadow": {
                "champion_ref": champion.ref,
                "since": edge.since.isoformat(),
                "challenger_trades": edge.test.challenger_trades,
                "champion_trades": edge.test.champion_trades,
                "edge": edge.test.edge,
                "p_value": edge.test.p_value,
            },
        }
        reasons = [f"{edge.reason()}: pass"]
        if not cfg.auto_model_switching:
            reasons.append("auto_model_switching is off: flagged for the trader")
            decision = selection.Decision("flagged", reasons, champion.id, evidence)
            selection.record(desk, decision, challenger.id, challenger.session_id)
            done.append(f"flagged {challenger.ref} on shadow evidence")
            continue
        promoted = selection.Decision("promoted", reasons, champion.id, evidence)
        refused = selection.activate_promoted(
            desk,
            promoted,
            challenger.id,
            challenger.session_id,
            actor="services",
            reason="promoted on shadow evidence: " + reasons[0],
        )
        if refused is not None:
            log.warning("%s not promoted on shadow evidence: %s", challenger.ref, refused)
            done.append(f"refused {challenger.ref}: {refused}")
            continue
        selection.record(desk, promoted, challenger.id, challenger.session_id)
        desk.audit("services", "model.shadow_promotion", challenger.ref, {"from": champion.ref})
        log.info("promoted %s on shadow evidence: %s", challenger.ref, reasons[0])
        done.append(f"promoted {challenger.ref} over {champion.ref} on shadow evidence")
    return done
