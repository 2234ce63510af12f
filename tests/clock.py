"""The suite's clock: run the tests (and every Python process they start) as if it were a chosen
instant, to prove that no test depends on the day or hour it runs.

`AURUM_TEST_CLOCK=2026-12-06T23:51:00Z pytest ...` starts the clock at that instant and lets it
run on (time-machine, tick=True): `datetime.now()`, `date.today()` and `time.time()` answer from
it; `time.monotonic()` and `time.sleep()` are the real ones, so timeouts still work. `make
test-clock` runs the time-sensitive tests at the instants in `CLOCK_INSTANTS`.

Subprocesses do not inherit time-machine: `start_suite_clock` puts `clock_site/` (its
sitecustomize starts the same clock in any Python process) on PYTHONPATH and sets
`AURUM_TEST_CLOCK_SHIFT`, the suite clock's distance from the real one, so a child started at any
moment runs exactly on its parent's clock (a lease it writes is read as fresh). Non-Python children
(Chromium, PostgreSQL) keep the real clock.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ENV = "AURUM_TEST_CLOCK"
SHIFT_ENV = "AURUM_TEST_CLOCK_SHIFT"
SITE_DIR = Path(__file__).resolve().with_name("clock_site")

_started: dict[str, Any] = {}


def requested_instant() -> datetime | None:
    """The instant named by AURUM_TEST_CLOCK (UTC when naive), or None for the real clock."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"{ENV}={text!r} is not an ISO date/time: use e.g. {ENV}=2026-12-06T23:51:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start_suite_clock() -> datetime | None:
    """Start the clock named by AURUM_TEST_CLOCK for this process (once; a process already on
    it through clock_site/sitecustomize.py, such as an xdist worker, keeps its clock) and make
    the Python processes it starts follow. Returns the starting instant, or None."""
    if "at" in _started:
        return _started["at"]
    moment = requested_instant()
    if moment is None:
        return None
    _started["at"] = moment
    if getattr(sys.modules.get("sitecustomize"), "TRAVEL", None) is None:
        import time_machine

        os.environ[SHIFT_ENV] = repr(moment.timestamp() - time.time())
        _started["travel"] = time_machine.travel(moment.timestamp(), tick=True)
        _started["travel"].start()
        time.time()  # time-machine starts ticking at the first reading: pin it to now
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(SITE_DIR) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(SITE_DIR), *paths])
    return moment
