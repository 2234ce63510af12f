"""The suite's own scheduling (tests/scheduling.py): the browser tests are one unit of work and
come first, slow files next, then the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.scheduling import BROWSER_UNIT, unit_of

ROOT = Path(__file__).resolve().parents[1]


def test_every_browser_test_is_in_one_unit_and_other_tests_go_by_file():
    assert unit_of("tests/e2e/test_cockpit_browser.py::test_x[chromium]") == BROWSER_UNIT
    assert unit_of("tests/e2e/test_no_requests.py::test_y[chromium]") == BROWSER_UNIT
    assert unit_of("tests/test_ranking.py::test_a") == "tests/test_ranking.py"
    assert unit_of("tests/api/test_bridge.py::Test::test_b[1-2]") == "tests/api/test_bridge.py"


def test_collection_puts_the_browser_tests_first_then_slow_files_then_the_rest():
    files = [
        "tests/test_ranking.py",
        "tests/reliability/test_soak.py",
        "tests/e2e/test_cockpit_browser.py",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    order = [line.split("::")[0] for line in done.stdout.splitlines() if "::" in line]
    firsts = list(dict.fromkeys(order))
    assert firsts == [files[2], files[1], files[0]], order
