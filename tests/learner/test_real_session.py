"""The issue's acceptance path on the real MT5 export: import, then a default learning session."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.services import Desk, init_home
from tests.conftest import SHARED_DATA

REAL_M5 = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"


@pytest.mark.slow
@pytest.mark.realdata
def test_default_session_on_the_real_m5_file(tmp_path: Path):
    if not REAL_M5.exists():
        pytest.skip(f"real data not found at {REAL_M5} (a user's clone has no ../shared)")
    init_home(str(tmp_path))
    with Desk.open(str(tmp_path)) as desk:
        report = desk.import_bars(
            str(REAL_M5), symbol="XAUUSD", timeframe="M5", tz="Europe/Athens", actor="test"
        )
        assert report.new == 58_230
        outcome = desk.learn(actor="test")
        session = desk.learning_session(outcome.session_id)
        assert session.status in {"succeeded", "no_improvement"}
        assert len(session.result["candidates"]) == 3
        for cand in session.result["candidates"]:
            assert len(cand["folds"]) == 5
            assert cand["classification"]["log_loss"] > 0
        if outcome.version_id is not None:
            info = desk.version(outcome.version_id)
            assert info.metrics["trades"] >= desk.config().selection.min_trades
            assert "baseline_expectancy" in info.metrics
