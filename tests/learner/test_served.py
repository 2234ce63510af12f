"""The last signal served: kept per lineage, written off the request path, read by the Overview."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from engine.learner import served
from engine.learner.served import FILE_NAME, SignalLog, read_last_signals
from tests.dashboard.desks import seeded_copy

BAR = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def signal(ref: str, side: str = "BUY", p_long: float = 0.61) -> SimpleNamespace:
    return SimpleNamespace(version_ref=ref, bar_time=BAR, side=side, confidence=p_long,
                           p_long=p_long, p_short=0.2)  # fmt: skip


def test_the_newest_signal_per_lineage_is_written_and_read_back(tmp_path: Path):
    path = tmp_path / FILE_NAME
    log = SignalLog(path)
    log.record("XAUUSD-M5-scalper", signal("XAUUSD-M5-scalper:v2"))
    log.record("XAUUSD-M5-scalper", signal("XAUUSD-M5-scalper:v3", "SELL", 0.3))
    assert not path.exists()  # nothing written on the request path
    log.flush()
    found = read_last_signals(path)
    assert list(found) == ["XAUUSD-M5-scalper"]
    last = found["XAUUSD-M5-scalper"]
    assert (last.version_ref, last.side, last.bar_time) == ("XAUUSD-M5-scalper:v3", "SELL", BAR)
    assert last.served_at.tzinfo is not None


def test_another_process_lineages_are_kept_and_a_bad_file_reads_as_none(tmp_path: Path):
    path = tmp_path / FILE_NAME
    first, second = SignalLog(path), SignalLog(path)
    first.record("XAUUSD-M5-scalper", signal("XAUUSD-M5-scalper:v3"))
    first.flush()
    second.record("XAGUSD-M5-scalper", signal("XAGUSD-M5-scalper:v1"))
    second.flush()
    assert set(read_last_signals(path)) == {"XAUUSD-M5-scalper", "XAGUSD-M5-scalper"}
    path.write_text("{not json")
    assert read_last_signals(path) == {}
    assert read_last_signals(tmp_path / "missing.json") == {}


def test_the_timer_writes_by_itself(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(served, "WRITE_EVERY", 0.05)
    path = tmp_path / FILE_NAME
    SignalLog(path).record("XAUUSD-M5-scalper", signal("XAUUSD-M5-scalper:v3"))
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "XAUUSD-M5-scalper" in read_last_signals(path)


def test_the_controller_records_what_it_served(tmp_path: Path):
    from engine.controller import Phase3Controller

    home = seeded_copy(tmp_path / "home")
    phase3 = Phase3Controller(str(home))
    bars = phase3.desk.bars("XAUUSD", "M5", last=800)
    given = phase3.predict_signal(bars)
    phase3.served_signals.flush()
    last = read_last_signals(home / "models" / FILE_NAME)[given.version_ref.rsplit(":v", 1)[0]]
    assert (last.version_ref, last.side, last.bar_time) == (
        given.version_ref, given.side, given.bar_time,
    )  # fmt: skip
    assert (last.p_long, last.p_short) == (given.p_long, given.p_short)
    report = phase3.desk.trust_report(given.version_ref)
    assert report.last_signal == last
    phase3.desk.close()
