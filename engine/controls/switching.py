"""Moving the pause switch from the desk: by a person (CLI, dashboard, HTTP) or by a loss limit,
with the alert it raises and its delivery.

A pause raises a critical alert, a resume an info one (rule `pause`, one per switch event),
whenever `alerts.enabled` is on, whatever `alerts.rules` lists: a desk that stops trading must
be heard. Delivery is attempted at once (`deliver=True`: bounded by `alerts.timeout_seconds`)
or in a background thread; the services retry what is still pending.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from engine.alerts.rules import AlertCandidate
from engine.controls import limits, pause
from engine.controls.pause import PauseState

RULE = "pause"
LIMITS_ACTOR = "risk-limits"
log = logging.getLogger("aurum.controls")


def pause_alert(state: PauseState) -> AlertCandidate:
    """The alert of a switch event (a pause: critical; a resume: info)."""
    event = state.event
    assert event is not None
    who = f"by {event.actor}" + (f": {event.reason}" if event.reason else "")
    detail: dict[str, Any] = {
        "event": event.id,
        "paused": event.paused,
        "actor": event.actor,
        "reason": event.reason,
    }
    if event.rule is not None:
        detail.update(rule=event.rule, figure=event.figure, limit=event.threshold)
    if event.paused:
        message = f"trading PAUSED {who}; every signal is HOLD until `aurum resume`"
        return AlertCandidate(RULE, f"pause:{event.id}", "critical", message, detail, True)
    message = f"trading resumed {who}; signals trade again"
    return AlertCandidate(RULE, f"resume:{event.id}", "info", message, detail, True)


def switch(
    desk: Any,
    *,
    paused: bool,
    actor: str,
    reason: str,
    breach: limits.LimitBreach | None = None,
    deliver: bool = True,
) -> PauseState:
    """Pause or resume (nothing when it already is); a move raises its alert."""
    state = pause.switch(
        desk.db,
        paused=paused,
        actor=actor,
        reason=reason,
        rule=None if breach is None else breach.rule,
        figure=None if breach is None else breach.figure,
        threshold=None if breach is None else breach.threshold,
    )
    if state.changed:
        _alert(desk, state, deliver=deliver)
    return state


def check_limits(desk: Any, *, at: datetime | None = None, deliver: bool = False) -> PauseState:
    """Judge the automatic pause rules now (`risk.daily_loss_limit`, `risk.max_drawdown_pct`);
    a rule that trips pauses trading, named with its figure. Returns the switch's state."""
    cfg = desk.config()
    state = pause.current(desk.db)
    if state.paused or (cfg.risk.daily_loss_limit <= 0 and cfg.risk.max_drawdown_pct <= 0):
        return state
    breach = limits.find_breach(desk.db, cfg, state, at or pause.now())
    if breach is None:
        return state
    log.warning("pausing trading: %s", breach.message)
    return switch(
        desk, paused=True, actor=LIMITS_ACTOR, reason=breach.message, breach=breach, deliver=deliver
    )


def check_after_trades(desk: Any) -> None:
    """`check_limits` after new trades were logged; alert delivery goes to a background thread
    (the caller is logging trades), and a failed check is logged, never turned into a failure
    of the trades already stored."""
    from engine.errors import AurumError

    try:
        check_limits(desk)
    except AurumError as err:
        log.warning("could not judge the pause rules after logging trades: %s", err)


def _alert(desk: Any, state: PauseState, *, deliver: bool) -> None:
    """Record the switch's alert and send it (now, or on a background thread); an alert that
    cannot be recorded is logged: it must never undo the switch itself."""
    from engine.alerts import store
    from engine.alerts.delivery import deliver_due, webhook_url

    try:
        cfg = desk.config().alerts
        if not cfg.enabled:
            return
        url = webhook_url(cfg)
        store.raise_alerts(desk.db, [pause_alert(state)], cfg, pause.now(), deliverable=bool(url))
        if not url:
            return

        def send() -> None:
            deliver_due(desk.db, cfg, pause.now(), rules={RULE})

        if deliver:
            send()
        else:
            threading.Thread(target=send, name="aurum-pause-alert", daemon=True).start()
    except Exception as err:  # the switch has moved; the alert is secondary
        log.warning("could not raise the pause alert: %s", err)
