"""The suite's clock (tests/clock.py): an instant named by AURUM_TEST_CLOCK is where this process
and the Python processes it starts begin, so the day-independence proof covers subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.clock import ENV, SHIFT_ENV, SITE_DIR, requested_instant

NOW_IN_CHILD = "from datetime import UTC, datetime; print(datetime.now(UTC).isoformat())"


def _child_now(**env: str) -> datetime:
    done = subprocess.run(
        [sys.executable, "-c", NOW_IN_CHILD],
        env={**os.environ, SHIFT_ENV: "", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return datetime.fromisoformat(done.stdout.strip())


def test_a_child_process_starts_at_the_named_instant_and_its_clock_runs_on():
    sunday = datetime(2026, 12, 6, 23, 51, tzinfo=UTC)
    child = _child_now(**{ENV: "2026-12-06T23:51:00Z", "PYTHONPATH": str(SITE_DIR)})
    assert sunday <= child < sunday + timedelta(seconds=30)
    naive = _child_now(**{ENV: "2026-03-02T21:30:00", "PYTHONPATH": str(SITE_DIR)})
    assert (
        datetime(2026, 3, 2, 21, 30, tzinfo=UTC) <= naive < datetime(2026, 3, 2, 21, 31, tzinfo=UTC)
    )


def test_a_child_started_later_runs_on_its_parents_clock():
    """The suite hands its shift from the real clock, not an instant: a child started minutes
    into a test (after a long fixture) is not behind its parent."""
    shifted = _child_now(**{SHIFT_ENV: str(-3 * 86400.0), "PYTHONPATH": str(SITE_DIR)})
    real = _child_now(**{ENV: "", "PYTHONPATH": str(SITE_DIR)})  # a child on the real clock
    expected = real - timedelta(days=3)
    assert abs((shifted - expected).total_seconds()) < 30


def test_parent_and_child_on_the_same_shift_read_the_same_time(tmp_path):
    """A lease a child gives back (expires_at = its now) must read as expired by its parent
    right after: the two clocks agree to well under a second, however long each ran first."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "from datetime import UTC, datetime\n"
        "time.sleep(1.5)\n"  # the parent's clock must tick from its start, not its first reading
        f"child = subprocess.run([sys.executable, '-c', {NOW_IN_CHILD!r}],\n"
        "    capture_output=True, text=True, check=True).stdout.strip()\n"
        "after = datetime.now(UTC)\n"
        "print((after - datetime.fromisoformat(child)).total_seconds())\n"
    )
    env = {**os.environ, ENV: "", SHIFT_ENV: "-86400.0", "PYTHONPATH": str(SITE_DIR)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert 0 <= float(done.stdout) < 1.0  # the child's reading is before the parent's after it


def test_without_the_variables_a_child_keeps_the_real_clock(time_machine):
    time_machine.move_to(datetime(2001, 1, 1, tzinfo=UTC))
    child = _child_now(**{ENV: "", "PYTHONPATH": str(SITE_DIR)})
    assert child.year >= 2026  # not 2001: a test's own travel stays in its process


def test_the_instant_is_read_as_utc_when_naive_and_refused_when_not_a_date(monkeypatch):
    monkeypatch.setenv(ENV, "2026-12-06T23:51")
    assert requested_instant() == datetime(2026, 12, 6, 23, 51, tzinfo=UTC)
    monkeypatch.setenv(ENV, "2026-12-07T01:51:00+02:00")
    assert requested_instant() == datetime(2026, 12, 6, 23, 51, tzinfo=UTC)
    monkeypatch.setenv(ENV, "")
    assert requested_instant() is None
    monkeypatch.setenv(ENV, "sunday night")
    with pytest.raises(SystemExit, match="AURUM_TEST_CLOCK='sunday night' is not an ISO"):
        requested_instant()
