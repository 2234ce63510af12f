"""Every stored bar records its origin (imported, generated, live) and generated bars never share
a series with real ones: a write that would mix them is refused before anything is written,
naming the command that resolves it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engine.data.origin import OriginConflictError, data_origin
from engine.data.store import upsert_bars
from engine.data.synthetic import generate_bars
from engine.services import Desk
from tests.test_imports import write_bars


def origins(desk: Desk) -> dict[tuple[str, str, str], int]:
    """(symbol, timeframe, origin) -> bars stored."""
    with desk.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT symbol, timeframe, origin, COUNT(*) FROM bars GROUP BY 1, 2, 3")
        )
        return {(a, b, c): int(n) for a, b, c, n in rows}


def seed_generated(desk: Desk, symbol: str = "XAUUSD", n: int = 300) -> None:
    """Generated bars, stored as the demo stores them."""
    bars = generate_bars(n_bars=n, seed=3, start="2025-03-03")
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol=symbol, timeframe="M5", origin="generated")


def test_data_origin_names_one_origin_or_mixed():
    assert data_origin(["imported", "imported"]) == "imported"
    assert data_origin({"live"}) == "live"
    assert data_origin(["imported", "live"]) == "mixed"
    assert data_origin([]) == "imported"  # bars stored before origins were recorded


def test_an_import_stores_imported_bars(desk: Desk, tmp_path: Path):
    path = write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    assert origins(desk) == {("XAUUSD", "M5", "imported"): 12}
    (series,) = desk.bar_series()
    assert (series.origin, series.origins, series.bars) == ("imported", ("imported",), 12)


def test_generated_bars_are_stored_as_generated_beside_a_real_series(desk: Desk, tmp_path: Path):
    path = write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    seed_generated(desk, symbol="XAUDEMO")
    assert origins(desk) == {
        ("XAUDEMO", "M5", "generated"): 300,
        ("XAUUSD", "M5", "imported"): 12,
    }
    assert [(s.symbol, s.origin) for s in desk.bar_series()] == [
        ("XAUDEMO", "generated"),
        ("XAUUSD", "imported"),
    ]


def test_importing_real_bars_into_a_generated_series_is_refused_with_the_command(
    desk: Desk, tmp_path: Path
):
    seed_generated(desk)
    path = write_bars(tmp_path / "real.csv", "2025-06-02 10:00", "2025-06-02 10:55")
    with pytest.raises(OriginConflictError) as refused:
        desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    message = str(refused.value)
    assert message.startswith("XAUUSD M5 holds generated (demo) bars: real bars never share")
    assert f"`aurum demo --remove --home {desk.paths.root}`" in message
    assert "`aurum init --home DIR`, then this import again with `--home DIR`" in message
    assert origins(desk) == {("XAUUSD", "M5", "generated"): 300}  # nothing was written
    assert not [a for a in desk.audit_log() if a.action == "data.import_bars"]


def test_the_cli_refusal_exits_1_and_names_the_command(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from engine.cli.main import main

    seed_generated(desk)
    path = write_bars(tmp_path / "real.csv", "2025-06-02 10:00", "2025-06-02 10:55")
    home = str(desk.paths.root)
    code = main(
        ["import-bars", str(path), "--symbol", "XAUUSD", "--timeframe", "M5", "--home", home]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: XAUUSD M5 holds generated (demo) bars")
    assert f"aurum demo --remove --home {home}" in err


def test_generated_bars_are_refused_for_a_real_series(desk: Desk, tmp_path: Path):
    path = write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    with pytest.raises(
        OriginConflictError, match=r"holds imported \(real\) bars.*`aurum demo --home DIR`"
    ):
        seed_generated(desk)
    assert origins(desk) == {("XAUUSD", "M5", "imported"): 12}


def test_imported_and_live_bars_share_a_series(desk: Desk, tmp_path: Path):
    path = write_bars(tmp_path / "a.csv", "2025-01-07 10:00", "2025-01-07 10:55")
    desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    live = desk.bars("XAUUSD", "M5").tail(2).copy()
    live["close"] = live["close"] + 0.5  # the newest bars, as the feed finally closed them
    live["high"] = live[["high", "close"]].max(axis=1)
    later = write_bars(tmp_path / "b.csv", "2025-01-07 11:00", "2025-01-07 11:10")
    with desk.db.session(write=True) as s:
        counts = upsert_bars(s, live, symbol="XAUUSD", timeframe="M5", origin="live")
    assert (counts.new, counts.updated) == (0, 2)  # a changed bar takes the new origin
    desk.import_bars(str(later), symbol="XAUUSD", timeframe="M5", tz="UTC", actor="test")
    assert origins(desk) == {("XAUUSD", "M5", "imported"): 13, ("XAUUSD", "M5", "live"): 2}
    (series,) = desk.bar_series()
    assert (series.origin, series.origins) == ("mixed", ("imported", "live"))


def test_aurum_bars_shows_the_origin(desk: Desk, capsys: pytest.CaptureFixture[str]):
    import json

    from engine.cli.main import main

    seed_generated(desk)
    home = str(desk.paths.root)
    assert main(["bars", "--home", home, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["symbol"], row["origin"], row["origins"], row["bars"]) == (
        "XAUUSD",
        "generated",
        ["generated"],
        300,
    )
    assert main(["bars", "--home", home]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["symbol", "timeframe", "origin", "bars"]
    assert table[-1].split()[:4] == ["XAUUSD", "M5", "generated", "300"]
