"""Put a Python process the test suite starts (CLI, services, Streamlit, crash children) on the
suite's clock: with `AURUM_TEST_CLOCK` set (an ISO instant, UTC when naive), the process starts
at that instant and its clock runs on from there (time-machine, tick=True).

tests/conftest.py puts this folder on PYTHONPATH and sets `AURUM_TEST_CLOCK` to the suite's own
present before each test, so a child starts where its parent is. Test-only: nothing in the
engine reads the variable.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

TRAVEL = None
_instant = os.environ.get("AURUM_TEST_CLOCK", "").strip()
if _instant:
    import time_machine

    _moment = datetime.fromisoformat(_instant)
    if _moment.tzinfo is None:
        _moment = _moment.replace(tzinfo=UTC)
    # a float (not a datetime) so time-machine leaves the process's TZ alone
    TRAVEL = time_machine.travel(_moment.timestamp(), tick=True)
    TRAVEL.start()
