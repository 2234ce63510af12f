"""Broker clocks as MT5 brokers run them (IANA zones, fixed offsets, NY+7), the hour a DST
fall-back repeats, and bars whose spacing disagrees with the timeframe; on constructed files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.data import DataError, read_bars
from engine.data.zones import parse_clock, parse_policy
from tests.data.test_importers import lines_of, mt5_row, refused, write

# 2025: the US leaves winter time on Sunday 9 March and returns on Sunday 2 November; the EU
# on Sunday 30 March and Sunday 26 October. Between those dates US and EU clocks differ.
WEEKS = {  # a Wednesday in each stretch: (date, NY+7 offset from UTC, Athens offset)
    "winter": ("2025.02.12", 2, 2),
    "US summer, EU winter": ("2025.03.12", 3, 2),
    "both summer": ("2025.07.16", 3, 3),
    "EU winter, US summer": ("2025.10.29", 3, 2),
    "winter again": ("2025.11.05", 2, 2),
}


@pytest.mark.parametrize(
    ("text", "name", "description"),
    [
        ("NY+7", "NY+7", "New York time +7: UTC+2 in the US winter, UTC+3 in the US summer"),
        ("ny+7", "NY+7", "UTC+2 in the US winter"),
        ("UTC+2", "UTC+2", "UTC+2 all year (no DST)"),
        ("utc-03:30", "UTC-03:30", "UTC-03:30 all year (no DST)"),
        ("GMT+5:45", "UTC+05:45", "UTC+05:45 all year"),
        ("UTC+0", "UTC", "UTC all year"),
        ("Europe/Athens", "Europe/Athens", "UTC+2 in January, UTC+3 in July"),
        ("UTC", "UTC", "UTC all year"),
    ],
)
def test_clock_spellings(text: str, name: str, description: str) -> None:
    clock = parse_clock(text)
    assert clock.name == name
    assert description in clock.describe()


@pytest.mark.parametrize(
    "text", ["Mars/Olympus", "UTC+15", "NY+19", "UTC+2:75", "", "../../etc/passwd", "x" * 500]
)
def test_unknown_clocks_are_refused_with_examples(text: str) -> None:
    with pytest.raises(DataError) as info:
        parse_clock(text)
    message = str(info.value)
    assert "NY+7" in message and "UTC+2" in message and "Europe/Athens" in message
    assert len(message) < 300  # a long name is cut, not echoed whole


def test_ambiguity_policies() -> None:
    assert parse_policy(None) is None and parse_policy("Earlier") == "earlier"
    assert parse_policy("later") == "later"
    with pytest.raises(DataError, match=r"earlier.*later"):
        parse_policy("summer")


@pytest.mark.parametrize("stretch", list(WEEKS))
def test_ny_plus_7_follows_the_us_dst_dates(tmp_path: Path, stretch: str) -> None:
    date, ny7, athens = WEEKS[stretch]
    path = write(tmp_path / "b.tsv", [mt5_row(date, "10:00"), mt5_row(date, "10:05")])
    as_ny7 = read_bars(path, timeframe="M5", tz="NY+7").frame["time"].iloc[0]
    as_athens = read_bars(path, timeframe="M5", tz="Europe/Athens").frame["time"].iloc[0]
    day = pd.Timestamp(date.replace(".", "-"), tz="UTC")
    assert as_ny7 == day + pd.Timedelta(hours=10 - ny7), stretch
    assert as_athens == day + pd.Timedelta(hours=10 - athens), stretch
    # the Athens hint shifts bars by an hour exactly in the weeks when US and EU differ
    assert (as_ny7 != as_athens) == (ny7 != athens)


def test_ny_plus_7_keeps_the_daily_break_at_17_new_york_all_year(tmp_path: Path) -> None:
    """Gold's daily break is 17:00-18:00 New York time: on a NY+7 clock the last bar before it
    opens at 23:55 server time and the first after it at 01:00, every week of the year, across
    both US switches (Mondays into Tuesdays, 2025-02-03 to 2025-12-02)."""
    rows = []
    for monday in pd.date_range("2025-02-03", "2025-12-01", freq="7D"):
        tuesday = monday + pd.Timedelta(days=1)
        rows += [mt5_row(monday.strftime("%Y.%m.%d"), c) for c in ("23:50", "23:55")]
        rows += [mt5_row(tuesday.strftime("%Y.%m.%d"), c) for c in ("01:00", "01:05")]
    frame = read_bars(write(tmp_path / "y.tsv", rows), timeframe="M5", tz="NY+7").frame
    in_new_york = frame["time"].dt.tz_convert("America/New_York").dt.strftime("%H:%M")
    assert set(in_new_york[1::4]) == {"16:55"} and set(in_new_york[2::4]) == {"18:00"}
    athens = read_bars(write(tmp_path / "y.tsv", rows), timeframe="M5", tz="Europe/Athens")
    shifted = athens.frame["time"].dt.tz_convert("America/New_York").dt.strftime("%H:%M")
    # read with the Athens hint, the break moves an hour in the weeks when US and EU differ:
    # Mondays 10, 17 and 24 March and 27 October
    moved = athens.frame["time"][1::4][shifted[1::4] == "17:55"].dt.strftime("%m-%d").tolist()
    assert moved == ["03-10", "03-17", "03-24", "10-27"]


def test_ny_plus_7_sunday_switch_hours(tmp_path: Path) -> None:
    """The NY+7 clock jumps on the US switch Sundays at 09:00 server time (02:00 New York)."""
    hours = [f"{h:02d}:00" for h in range(6, 12)]
    gone = write(tmp_path / "g.tsv", [mt5_row("2025.03.09", c) for c in hours])
    err = refused(gone, timeframe="H1", tz="NY+7")
    assert lines_of(err) == [5] and "09:00 does not exist on NY+7" in err.problems[0].reason
    twice = write(tmp_path / "t.tsv", [mt5_row("2025.11.02", c) for c in hours])
    err = refused(twice, timeframe="H1", tz="NY+7")
    assert lines_of(err) == [4] and "08:00 occurs twice on NY+7" in err.problems[0].reason
    for policy, utc in (("earlier", "05:00"), ("later", "06:00")):
        frame = read_bars(twice, timeframe="H1", tz="NY+7", ambiguous=policy).frame
        assert frame["time"].dt.strftime("%H:%M").tolist()[1:4] == ["04:00", utc, "07:00"]


def test_fixed_offsets_never_change(tmp_path: Path) -> None:
    rows = [mt5_row("2025.07.16", "10:00"), mt5_row("2025.07.16", "10:05")]
    path = write(tmp_path / "f.tsv", rows)
    assert read_bars(path, timeframe="M5", tz="UTC+2").frame["time"].iloc[0] == pd.Timestamp(
        "2025-07-16 08:00", tz="UTC"
    )
    minus = read_bars(path, timeframe="M5", tz="UTC-03:30").frame["time"].iloc[0]
    assert minus == pd.Timestamp("2025-07-16 13:30", tz="UTC")


def test_ambiguous_hour_refused_then_read_by_the_policy(tmp_path: Path) -> None:
    # Europe/Athens goes back from 04:00 to 03:00 on Sunday 2025-10-26: 03:00-03:59 is twice
    clocks = ["02:00", "02:30", "03:00", "03:30", "04:00"]
    path = write(tmp_path / "a.tsv", [mt5_row("2025.10.26", c) for c in clocks])
    err = refused(path, timeframe="M30", tz="Europe/Athens")
    assert lines_of(err) == [4, 5]
    assert "occurs twice on Europe/Athens" in str(err) and "--ambiguous earlier" in str(err)
    assert "nothing was imported" in str(err)
    times = {
        policy: read_bars(path, timeframe="M30", tz="Europe/Athens", ambiguous=policy)
        .frame["time"]
        .dt.strftime("%H:%M")
        .tolist()
        for policy in ("earlier", "later")
    }
    assert times["earlier"] == ["23:00", "23:30", "00:00", "00:30", "02:00"]  # summer, UTC+3
    assert times["later"] == ["23:00", "23:30", "01:00", "01:30", "02:00"]  # winter, UTC+2


def test_many_ambiguous_rows_list_the_first_and_count_the_rest(tmp_path: Path) -> None:
    clocks = [f"03:{m:02d}" for m in range(0, 60, 1)]
    path = write(tmp_path / "m1.tsv", [mt5_row("2025.10.26", c) for c in clocks])
    err = refused(path, timeframe="M1", tz="Europe/Athens")
    assert err.total_problems == 60 and lines_of(err)[:3] == [2, 3, 4]
    assert "... and 40 more" in str(err)


def test_csv_naive_times_on_ny_plus_7(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("time,open,high,low,close\n2025-03-12 10:00,10,11,9,10\n")
    frame = read_bars(path, timeframe="M5", tz="NY+7").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-03-12 07:00", tz="UTC")


# --- spacing that disagrees with the timeframe ----------------------------------------------


def _h1_day(date: str) -> list[list[str]]:
    return [mt5_row(date, f"{h:02d}:00") for h in range(1, 24)]


def test_daily_bars_inside_an_h1_file_are_refused_with_line_numbers(tmp_path: Path) -> None:
    days = pd.bdate_range("2025-01-06", "2025-01-24")  # three weeks of D1 bars
    rows = _h1_day("2025.01.02") + [mt5_row(d.strftime("%Y.%m.%d"), "00:00") for d in days]
    rows += _h1_day("2025.01.27") + _h1_day("2025.01.28")
    err = refused(write(tmp_path / "mixed.tsv", rows), timeframe="H1")
    lines = lines_of(err)
    # the D1 block is lines 25-39; each of its weeks is a run of four 1-day steps
    assert lines == [26, 27, 28, 29, 31, 32, 33, 34, 36, 37, 38, 39]
    assert err.total_problems == 12
    assert "1 day apart" in err.problems[0].reason and "like D1 bars" in err.problems[0].reason
    assert "timeframe is H1" in err.problems[0].reason


def test_h1_bars_inside_an_m5_file_are_refused(tmp_path: Path) -> None:
    m5 = [mt5_row("2025.01.02", f"10:{m:02d}") for m in range(0, 60, 5)]
    h1 = [mt5_row("2025.01.02", f"{h}:00") for h in range(11, 20)]
    err = refused(write(tmp_path / "m.tsv", m5 + h1), timeframe="M5")
    assert lines_of(err) == list(range(15, 23))  # steps of 1 h from line 14 on
    assert "like H1 bars" in err.problems[0].reason


def test_bars_closer_than_the_timeframe_are_refused(tmp_path: Path) -> None:
    h1 = [mt5_row("2025.01.02", f"{h:02d}:00") for h in range(1, 6)]
    m5 = [mt5_row("2025.01.02", f"05:{m:02d}") for m in (5, 10, 15)]
    err = refused(write(tmp_path / "c.tsv", h1 + m5), timeframe="H1")
    assert lines_of(err) == [7, 8, 9] and "not on a H1 boundary" in err.problems[0].reason


def test_real_gaps_are_not_mistaken_for_another_timeframe(tmp_path: Path) -> None:
    # daily breaks, a weekend and a 3-day holiday in an H1 file: gaps, not D1 bars
    rows = []
    for day in ("2025.04.14", "2025.04.15", "2025.04.16", "2025.04.17", "2025.04.22"):
        rows += _h1_day(day)
    parsed = read_bars(write(tmp_path / "g.tsv", rows), timeframe="H1")
    assert parsed.rows == 5 * 23
