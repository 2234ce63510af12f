"""`aurum services`: run the services in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import time
from types import FrameType

from engine.scheduler import lease
from engine.scheduler.service import AurumServices


def run_foreground(home: str | None = None, *, wait_for_lease: bool = True) -> int:
    """Run until stopped; a second instance reports who leads and waits (or exits)."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    services = AurumServices(home)
    current = lease.state(services.desk.db)
    if current.alive and current.holder != services.holder:
        print(
            f"services are already running as {current.holder} "
            f"(heartbeat {current.heartbeat_age_seconds:.0f} s ago)",
            file=sys.stderr,
        )
        if not wait_for_lease:
            return 3
        print("standing by: this instance takes over if that one stops", file=sys.stderr)
    stop = {"now": False}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    services.start()
    try:
        while not stop["now"]:
            time.sleep(0.5)
    finally:
        print("stopping: finishing the current job", file=sys.stderr)
        services.stop()
        services.desk.close()
    return 0
