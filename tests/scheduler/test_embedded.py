"""Embedded mode: the dashboard's process hosts the services once per home; it leads when no
other process does, stands by while one does, and gives the lease back when stopped."""

from __future__ import annotations

import time
from pathlib import Path

from engine.scheduler import lease
from engine.scheduler.embedded import start_embedded, stop_embedded
from engine.services import Desk


def _wait(condition, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_embedded_services_lead_once_per_home_and_let_go(home: Path, desk: Desk):
    first = start_embedded(str(home))
    try:
        assert start_embedded(str(home)) is first  # a rerun of the page does not start twice
        assert _wait(lambda: lease.state(desk.db).leader == first.holder)
        session_id = desk.request_learning(actor="dash")  # retrain now, from the page
        assert _wait(lambda: desk.learning_session(session_id).status == "failed")  # no bars
    finally:
        stop_embedded(str(home))
    assert not lease.state(desk.db).alive  # stopped: the lease is free for another process


def test_embedded_services_stand_by_while_another_process_leads(home: Path, desk: Desk):
    assert lease.acquire(desk.db, "vps:1", 60)
    services = start_embedded(str(home))
    try:
        time.sleep(1.5)  # its first heartbeat ran at start: it found the lease taken
        assert lease.state(desk.db).leader == "vps:1" and not services.is_leader
        session_id = desk.request_learning(actor="dash")
        time.sleep(4)  # the worker would have picked it up by now if it were leading
        assert desk.learning_session(session_id).status == "queued"
    finally:
        stop_embedded(str(home))
    assert lease.state(desk.db).leader == "vps:1"  # a stand-by never releases another's lease
