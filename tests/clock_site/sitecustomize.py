"""Put a Python process the test suite starts (CLI, services, Streamlit, crash children, xdist
workers) on the suite's clock.

`AURUM_TEST_CLOCK_SHIFT` (seconds, set by tests/clock.py when the suite's clock starts): this
process's clock runs that far from the real one, exactly as its parent's does, however late the
parent starts it. Without it, `AURUM_TEST_CLOCK` (an ISO instant, UTC when naive) is where this
process's clock starts. Either way the clock runs on (time-machine, tick=True).

tests/conftest.py puts this folder on PYTHONPATH when the suite runs on a chosen clock.
Test-only: nothing in the engine reads these variables.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

TRAVEL = None
_shift = os.environ.get("AURUM_TEST_CLOCK_SHIFT", "").strip()
_instant = os.environ.get("AURUM_TEST_CLOCK", "").strip()
if _shift or _instant:
    import time_machine

    if _shift:
        _start = time.time() + float(_shift)
    else:
        _moment = datetime.fromisoformat(_instant)
        _start = (_moment if _moment.tzinfo else _moment.replace(tzinfo=UTC)).timestamp()
    # a float (not a datetime) so time-machine leaves the process's TZ alone
    TRAVEL = time_machine.travel(_start, tick=True)
    TRAVEL.start()
    time.time()  # time-machine starts ticking at the first reading: pin it to now
