"""How the suite's pytest workers share the tests (pytest-xdist, `--dist loadfile`).

A test file is one unit of work, as with xdist's own loadfile, so its module fixtures are built
once. The browser tests (tests/e2e) are one unit together: one worker runs them all with one
Streamlit server and one Chromium. The order of the units is the collection's (the Makefile
passes --no-loadscope-reorder), which tests/conftest.py sets: the browser group first, then the
slow files, then the rest with the files holding more tests first. Started first, the browser
group (four minutes, mostly waiting on the page) runs beside the other worker's slow files
instead of ending the run on a worker alone, as it did when its files were spread out.

(xdist's own `--dist loadgroup` would need an xdist_group mark on every test, and with pytest 9
it does not group at all: it renames `item._nodeid`, which pytest no longer reads.)
"""

from __future__ import annotations

from typing import Any

BROWSER_FILES = "tests/e2e/"
BROWSER_UNIT = "tests/e2e (browser tests, one worker)"


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the browser group."""
    if nodeid.startswith(BROWSER_FILES):
        return BROWSER_UNIT
    return nodeid.split("::", 1)[0]


def file_scheduler(config: Any, log: Any) -> Any:
    from xdist.scheduler import LoadFileScheduling

    class FileScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return FileScheduling(config, log)
