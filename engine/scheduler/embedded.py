"""Embedded mode: the dashboard process hosts the services (one machine, one command).

If another process already holds the lease, these services stand by and take over only when
that holder stops heart-beating.
"""

from __future__ import annotations

import atexit
import threading

from engine.scheduler.service import AurumServices

_lock = threading.Lock()
_running: dict[str, AurumServices] = {}


def start_embedded(home: str | None = None) -> AurumServices:
    """Start (once per process and home) the background services in daemon threads."""
    key = home or ""
    with _lock:
        if key not in _running:
            services = AurumServices(home)
            services.start()
            atexit.register(services.stop)
            _running[key] = services
        return _running[key]


def stop_embedded(home: str | None = None) -> None:
    with _lock:
        services = _running.pop(home or "", None)
    if services is not None:
        services.stop()
