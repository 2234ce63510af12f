"""`aurum signal FILE`: an MT5 export read without --tz is warned about (MT5 writes the broker's
server time), and the JSON says which lineage, symbol and timeframe the signal is for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from engine.cli.main import main
from engine.services import Desk
from tests.api.conftest import served_template  # noqa: F401 (the served desk, built once)
from tests.conftest import into_test_database

SENT = 800  # at least the served version's min_history_bars


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def mt5_file(path: Path, bars: pd.DataFrame) -> Path:
    """Bars as MT5's "Export bars" writes them (tab separated, dates with dots)."""
    header = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"
    rows = [
        f"{r.time:%Y.%m.%d}\t{r.time:%H:%M:%S}\t{r.open:.2f}\t{r.high:.2f}\t{r.low:.2f}\t"
        f"{r.close:.2f}\t{r.tick_volume:.0f}\t0\t{r.spread_points:.0f}"
        for r in bars.itertuples()
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def api_home(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A private copy of the HTTP bridge tests' served desk: an active logistic version."""
    home = tmp_path / "desk"
    shutil.copytree(request.getfixturevalue("served_template"), home)
    return into_test_database(home)


@pytest.fixture
def files(api_home: Path, tmp_path: Path) -> tuple[Path, Path]:
    with Desk.open(str(api_home)) as desk:
        bars = desk.bars("XAUUSD", "M5", last=SENT)
    csv = tmp_path / "bars.csv"
    bars.assign(time=bars["time"].dt.strftime("%Y-%m-%d %H:%M:%S")).rename(
        columns={"spread_points": "spread"}
    ).to_csv(csv, index=False)
    return mt5_file(tmp_path / "XAUUSD_M5.csv", bars), csv


def test_an_mt5_file_without_tz_is_warned_about(
    api_home: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
):
    mt5, csv = files
    h = str(api_home)
    code, out, err = run(capsys, "signal", str(mt5), "--home", h, "--json")
    assert code == 0, err
    assert err.startswith(f"WARNING: {mt5} is an MT5 export read without --tz")
    assert "server time" in err and "not UTC" not in out  # said on stderr, JSON stays JSON
    unzoned = json.loads(out)
    assert unzoned["warning"] in err and unzoned["time_zone"] == "UTC"
    code, out, err = run(capsys, "signal", str(mt5), "--home", h, "--tz", "UTC", "--json")
    zoned = json.loads(out)
    assert (code, err, zoned["warning"]) == (0, "", None)
    assert (zoned["side"], zoned["p_long"], zoned["bar_time"]) == (
        unzoned["side"],
        unzoned["p_long"],
        unzoned["bar_time"],
    )
    code, out, err = run(capsys, "signal", str(mt5), "--home", h)  # the text says it too
    assert code == 0 and "WARNING" in err and "--tz" in err
    code, _, err = run(capsys, "signal", str(csv), "--home", h)  # a CSV's times are UTC
    assert (code, err) == (0, "")


def test_signal_json_says_which_market_it_is_for(
    api_home: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
):
    mt5, _ = files
    code, out, _ = run(capsys, "signal", str(mt5), "--home", str(api_home), "--tz", "UTC", "--json")
    signal = json.loads(out)
    assert code == 0
    assert (signal["lineage"], signal["symbol"], signal["timeframe"]) == (
        "XAUUSD-M5-scalper",
        "XAUUSD",
        "M5",
    )
    assert signal["version_ref"] == "XAUUSD-M5-scalper:v1" and signal["side"] in {
        "BUY",
        "SELL",
        "HOLD",
    }
