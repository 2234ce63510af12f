"""kill -9 during training/registration, bar import, config save and activation (with trades
being logged): afterwards the desk is consistent, the active model loads, nothing acknowledged is
lost. The suite runs a few trials per operation; `bench/crash.py` runs the full setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.crash import OPERATIONS, run_trials

TRIALS = int(os.environ.get("AURUM_CRASH_TRIALS", str(2 * len(OPERATIONS))))


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_a_consistent_desk(tmp_path: Path):
    summary = run_trials(tmp_path, TRIALS, seed=1)
    print(summary.summary())
    assert len(summary.trials) == TRIALS
    assert summary.failures == []
    assert sum(t.acked for t in summary.trials) > 0  # trades really were being logged
    assert {t.op for t in summary.trials} == set(OPERATIONS)
