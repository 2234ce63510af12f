"""`aurum pause --reason TEXT` / `aurum resume`: the pause switch from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.errors import AurumError
from engine.services import Desk


def state_text(state: Any) -> str:
    """`PAUSED since … by …: reason` or `trading is on …`, with an automatic pause's rule."""
    event = state.event
    if event is None:
        return "trading is on (never paused)"
    when = f"{event.at:%Y-%m-%d %H:%M:%S} UTC by {event.actor}"
    if not state.paused:
        return f"trading is on (resumed {when}{': ' + event.reason if event.reason else ''})"
    rule = (
        f" [rule {event.rule}: {event.figure:g}, limit {event.threshold:g}]" if event.rule else ""
    )
    return f"PAUSED since {when}: {event.reason}{rule}; every signal is HOLD"


def _moved(state: Any, verb: str) -> str:
    return state_text(state) if state.changed else f"already {verb}: " + state_text(state)


def cmd_pause(args: argparse.Namespace) -> None:
    with Desk.open(args.home) as desk:
        if args.show:
            _show(args, desk)
            return
        if not (args.reason or "").strip():
            raise AurumError("say why: `aurum pause --reason TEXT` (shown with every held signal)")
        state = desk.pause(args.reason, actor=_actor(args))
    _emit(args, state, lambda: _moved(state, "paused"))


def cmd_resume(args: argparse.Namespace) -> None:
    with Desk.open(args.home) as desk:
        state = desk.resume(args.reason, actor=_actor(args))
    _emit(args, state, lambda: _moved(state, "on"))


def _show(args: argparse.Namespace, desk: Desk) -> None:
    state, events = desk.pause_state(), desk.pause_history(10)

    def text() -> str:
        if not events:
            return state_text(state)
        rows = [
            [
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                "pause" if e.paused else "resume",
                e.actor,
                e.rule or "",
                e.reason,
            ]
            for e in events
        ]
        return state_text(state) + "\n" + table(["time (UTC)", "", "by", "rule", "reason"], rows)

    _emit(args, {"state": state, "history": events}, text)
