"""The soak with real processes on the SQLite default (shorter in the suite than in
`bench/soak.py`, which runs the full 60 s): nothing lost, never locked out, one active version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.soak import run_soak

SECONDS = float(os.environ.get("AURUM_SOAK_SECONDS", "20"))


@pytest.mark.slow
def test_soak_loses_nothing_and_keeps_one_active_version(tmp_path: Path):
    result = run_soak(tmp_path / "desk", SECONDS)
    print(result.summary())
    assert result.crashed == {}
    assert result.trades_acked > 100 and result.signals > 10  # the load was real
    # ~10 a second on a quiet machine; a floor that proves the load was real, not a throughput
    # target (59 in 20 s at load 10+ on the PostgreSQL run: bench/soak.py measures). An action a
    # rule refused went through the same checks and transaction, so it counts as handled (CI once
    # saw 19 done + 5 refused in 20 s while the crash trials ran beside it)
    handled = sum(result.actions.values()) + sum(result.refused.values())
    assert handled >= SECONDS and sum(result.actions.values()) >= 1
    assert result.trades_in_ledger == result.trades_acked
    assert result.checksum_ledger == result.checksum_acked
    assert result.locked_errors == 0, result.errors
    assert result.errors == {role: {} for role in result.errors}, result.errors
    assert result.samples > SECONDS * 10 and result.violations == []
    assert sum(result.sessions.values()) >= 1 and result.stuck_running == 0
