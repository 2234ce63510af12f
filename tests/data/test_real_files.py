"""The real XAUUSD files beside the project (../shared/data), read through the real importers."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from engine.data import ParsedBars, read_bars, resample_bars

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
M5_FILE = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
M1_FILE = SHARED_DATA / "XAUUSD_M1_2025-10-20_2025-11-30_tvFX_devslice.csv"

pytestmark = pytest.mark.realdata


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(
            f"real data file {path.name} not found in {SHARED_DATA} (a clone has no shared/)"
        )
    return path


@pytest.fixture(scope="module")
def m5() -> ParsedBars:
    return read_bars(_require(M5_FILE), timeframe="M5", tz="Europe/Athens")


@pytest.fixture(scope="module")
def m1() -> ParsedBars:
    return read_bars(_require(M1_FILE), timeframe="M1")


def test_mt5_m5_file(m5: ParsedBars) -> None:
    frame = m5.frame
    assert m5.source_format == "mt5" and m5.rows == 58_230 == len(frame)
    # 2025.01.02 01:00 Athens (winter, UTC+2) and 2025.10.27 22:55 Athens (winter again)
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-01 23:00", tz="UTC")
    assert frame["time"].iloc[-1] == pd.Timestamp("2025-10-27 20:55", tz="UTC")
    assert frame["spread_points"].median() == 18
    assert frame["spread_points"].max() == 354
    assert frame["close"].min() > 2_500 and frame["close"].max() < 4_400


def test_mt5_m5_gaps(m5: ParsedBars) -> None:
    kinds = pd.Series([g.kind for g in m5.gaps]).value_counts().to_dict()
    assert kinds == {"daily_break": 163, "weekend": 43, "hole": 6}
    easter = [g for g in m5.gaps if g.duration > pd.Timedelta(days=3)]
    assert [g.start.date().isoformat() for g in easter] == ["2025-04-17"]


def test_mt5_m5_parses_fast() -> None:
    path = _require(M5_FILE)
    started = time.perf_counter()
    read_bars(path, timeframe="M5", tz="Europe/Athens")
    assert time.perf_counter() - started < 2.0


def test_m1_csv_file(m1: ParsedBars) -> None:
    frame = m1.frame
    assert m1.source_format == "csv" and m1.rows == 40_437
    assert frame["time"].iloc[0] == pd.Timestamp("2025-10-20 09:46", tz="UTC")
    assert frame["time"].iloc[-1] == pd.Timestamp("2025-11-30 23:59", tz="UTC")
    assert frame["spread_points"].isna().all()


def test_m1_resampled_to_m5_matches_the_mt5_file(m1: ParsedBars, m5: ParsedBars) -> None:
    ours = resample_bars(m1.frame, to="M5").set_index("time")["close"]
    theirs = m5.frame.set_index("time")["close"]
    common = ours.index.intersection(theirs.index)
    assert len(common) >= 500
    delta = (ours[common] - theirs[common]).abs()
    assert delta.median() < 0.5


def test_wrong_time_zone_would_misalign_the_feeds(m1: ParsedBars) -> None:
    as_utc = read_bars(_require(M5_FILE), timeframe="M5")  # server time wrongly taken as UTC
    ours = resample_bars(m1.frame, to="M5").set_index("time")["close"]
    theirs = as_utc.frame.set_index("time")["close"]
    common = ours.index.intersection(theirs.index)
    assert (ours[common] - theirs[common]).abs().median() > 5.0
