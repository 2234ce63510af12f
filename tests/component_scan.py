"""Streamlit's AppTest scans every installed distribution's metadata for v2 components on each
new AppTest (0.13-0.18 s of CPU each: ~30 s over the suite's AppTests). The installed packages do
not change during a test run, so the suite scans once per process and hands each AppTest the
same answer; `streamlit run` scans once at its start and is not touched."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from streamlit.components.v2 import manifest_scanner

_scan = manifest_scanner.scan_component_manifests


@functools.cache
def _scanned_once() -> tuple[tuple[Any, Path], ...]:
    return tuple(_scan())


def scan_component_manifests(max_workers: int | None = None) -> list[tuple[Any, Path]]:
    """The first scan's manifests (a new list each call, as the original returns)."""
    return list(_scanned_once())


def scan_once() -> None:
    """From now on, AppTests in this process share one scan (app_test imports the scanner's
    function when it runs, so replacing the module's attribute reaches it)."""
    manifest_scanner.scan_component_manifests = scan_component_manifests  # type: ignore[assignment]
