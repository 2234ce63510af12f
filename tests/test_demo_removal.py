"""`aurum demo --remove` on the demo desk beside a real series: the demo's generated bars, DEMO
versions (rows and files), trades, shadow trades, sessions, decisions and metrics go in one
audited transaction; the real series, its version and the trading side's trades stay; a real
import into XAUUSD M5 then works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.registry import NewVersion
from engine.services import Desk
from tests.dashboard.desks import DEMO_BARS, seeded_copy
from tests.test_imports import write_bars

COUNTS = {
    "bars": "SELECT COUNT(*) FROM bars WHERE origin = 'generated'",
    "versions": "SELECT COUNT(*) FROM model_versions",
    "trades": "SELECT COUNT(*) FROM trades",
    "sessions": "SELECT COUNT(*) FROM learning_sessions",
    "decisions": "SELECT COUNT(*) FROM promotion_decisions",
    "metrics": "SELECT COUNT(*) FROM version_metrics",
    "activations": "SELECT COUNT(*) FROM activation_events",
}


def counts(desk: Desk) -> dict[str, int]:
    with desk.db.engine.connect() as conn:
        return {name: int(conn.execute(text(sql)).scalar() or 0) for name, sql in COUNTS.items()}


@pytest.fixture
def demo_desk(tmp_path: Path) -> Any:
    with Desk.open(str(seeded_copy(tmp_path / "home"))) as desk:
        yield desk


def add_real_data(desk: Desk, tmp_path: Path, model: Any) -> int:
    """A real XAGUSD M5 series with a version trained on it (its id is returned); a trade the
    trading side logged against the demo's active version."""
    path = write_bars(tmp_path / "xag.csv", "2025-01-07 10:00", "2025-01-07 11:55")
    desk.import_bars(str(path), symbol="XAGUSD", timeframe="M5", tz="UTC", actor="test")
    bars = desk.bars("XAGUSD", "M5")
    real = desk.registry.register(
        model,
        NewVersion(
            lineage="XAGUSD-M5-scalper",
            symbol="XAGUSD",
            timeframe="M5",
            algorithm="logistic_regression",
            train_start=bars["time"].iloc[0].to_pydatetime(),
            train_end=bars["time"].iloc[-1].to_pydatetime(),
            metrics={"trades": 40.0, "sharpe": 0.3},
            metrics_trades=40,
        ),
    )
    active = desk.registry.active_version("XAUUSD-M5-scalper")
    assert active is not None and active.is_demo
    desk.log_trade(
        {
            "ticket": "50231187",
            "symbol": "XAUUSD",
            "side": "buy",
            "open_time": "2025-06-02T10:00:00Z",
            "close_time": "2025-06-02T10:25:00Z",
            "volume": 0.1,
            "profit": 25.0,
            "version_id": active.id,
        }
    )
    return real.id


def test_demo_remove_takes_the_demo_out_and_keeps_real_data(
    demo_desk: Desk, tmp_path: Path, small_model: Any
):
    desk = demo_desk
    real_id = add_real_data(desk, tmp_path, small_model)
    demo = [v for v in desk.registry.list_versions() if v.is_demo]
    assert [v.version for v in sorted(demo, key=lambda v: v.id)] == [1, 2, 3]
    files = [desk.paths.artifacts_dir / v.artifact_path for v in demo]
    assert all(f.exists() for f in files)
    before = counts(desk)
    with desk.db.engine.connect() as conn:
        demo_trades = conn.execute(
            text(
                "SELECT COUNT(*) FROM trades WHERE version_id IN (1, 2, 3) AND "
                "(source = 'backtest' OR ticket LIKE 'demo-%')"
            )
        ).scalar()
    assert before["bars"] == DEMO_BARS and before["sessions"] == 3 and demo_trades > 100

    removal = desk.remove_demo(actor="olga")

    assert (removal.series, removal.bars) == (["XAUUSD M5"], DEMO_BARS)
    assert removal.versions == [f"XAUUSD-M5-scalper:v{n}" for n in (1, 2, 3)]
    assert (removal.trades, removal.sessions) == (demo_trades, 3)
    assert removal.decisions == before["decisions"] and removal.decisions >= 3
    assert removal.metrics > 0 and removal.activations == before["activations"]
    assert removal.files == 3 and removal.freed_bytes > 0
    assert removal.kept == [
        "XAGUSD M5: imported bars (real)",
        "1 version(s) trained on real (imported or live) bars",
        "1 trade(s) the trading side logged against DEMO versions (kept, now without a version)",
    ]
    after = counts(desk)
    assert after == {
        "bars": 0,
        "versions": 1,
        "trades": 1,
        "sessions": 0,
        "decisions": 0,
        "metrics": 2,  # the real version's two backtest metrics
        "activations": 0,
    }
    assert not any(f.exists() for f in files)
    assert [(s.symbol, s.origin, s.bars) for s in desk.bar_series()] == [("XAGUSD", "imported", 24)]
    assert [v.id for v in desk.registry.list_versions()] == [real_id]
    assert [lin.name for lin in desk.registry.lineages()] == ["XAGUSD-M5-scalper"]
    desk.registry.load_model(real_id)  # its file is untouched and verifies
    (kept,) = desk.trades(source=None)
    assert (kept.ticket, kept.version_id, kept.net_profit) == ("50231187", None, 25.0)
    (event,) = [a for a in desk.audit_log() if a.action == "demo.remove"]
    assert (event.actor, event.target) == ("olga", "XAUUSD M5")
    assert (event.detail["bars"], event.detail["trades"], event.detail["sessions"]) == (
        DEMO_BARS,
        demo_trades,
        3,
    )
    assert event.detail["versions"] == removal.versions

    path = write_bars(tmp_path / "real.csv", "2025-06-02 10:00", "2025-06-02 10:55")
    report = desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="t")
    assert report.new == 12
    assert {(s.symbol, s.origin) for s in desk.bar_series()} == {
        ("XAGUSD", "imported"),
        ("XAUUSD", "imported"),
    }
    again = desk.remove_demo(actor="olga")
    assert not again.removed_anything and again.bars == 0 and again.versions == []


def test_a_failed_removal_leaves_everything(demo_desk: Desk, monkeypatch: pytest.MonkeyPatch):
    from engine import demo_removal

    before = counts(demo_desk)
    files = [demo_desk.paths.artifacts_dir / v.artifact_path for v in demo_desk.leaderboard()]

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_removal, "delete_bars", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        demo_desk.remove_demo(actor="olga")
    assert counts(demo_desk) == before
    assert all(f.exists() for f in files)
    assert not [a for a in demo_desk.audit_log() if a.action == "demo.remove"]


def test_the_cli_removes_the_demo_and_says_what_it_kept(
    demo_desk: Desk, capsys: pytest.CaptureFixture[str]
):
    from engine.cli.main import main

    home = str(demo_desk.paths.root)
    assert main(["demo", "--remove", "--home", home, "--actor", "olga"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"removed {DEMO_BARS:,} generated bars (XAUUSD M5), 3 DEMO version(s) "
        "(XAUUSD-M5-scalper:v1, XAUUSD-M5-scalper:v2, XAUUSD-M5-scalper:v3)"
    )
    assert lines[2].startswith("  3 model file(s) deleted, ") and lines[2].endswith("bytes freed")
    assert main(["demo", "--remove", "--home", home, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"bars": 0' in out and '"versions": []' in out
