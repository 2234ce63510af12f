"""Importers: MT5 and plain CSV parsing, time zones, and row-by-row validation with line numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.data import DataError, RowProblem, detect_format, generate_bars, read_bars
from engine.data.errors import MAX_LISTED

MT5_COLUMNS = ["<DATE>", "<TIME>", "<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>", "<TICKVOL>", "<VOL>"]
MT5_HEADER = [*MT5_COLUMNS, "<SPREAD>"]
GOOD_ROWS = [
    ["2025.01.02", "01:00:00", "2624.81", "2625.07", "2624.25", "2625.00", "124", "0", "43"],
    ["2025.01.02", "01:05:00", "2625.02", "2625.63", "2624.35", "2624.97", "173", "0", "44"],
    ["2025.01.02", "01:10:00", "2625.06", "2625.15", "2624.19", "2624.65", "163", "0", "49"],
]


def write(
    path: Path,
    rows: list[list[str]],
    *,
    sep: str = "\t",
    eol: str = "\n",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    lines = [sep.join(header if header is not None else MT5_HEADER)]
    lines += [sep.join(r) for r in rows]
    path.write_bytes((eol.join(lines) + eol).encode(encoding))
    return path


def mt5_row(
    date: str,
    clock: str,
    o: float = 10.0,
    h: float = 11.0,
    lo: float = 9.0,
    c: float = 10.5,
    spread: str = "20",
) -> list[str]:
    return [date, clock, f"{o:.2f}", f"{h:.2f}", f"{lo:.2f}", f"{c:.2f}", "100", "0", spread]


def refused(path: Path, **kwargs: object) -> DataError:
    kwargs.setdefault("timeframe", "M5")
    with pytest.raises(DataError) as info:
        read_bars(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def lines_of(err: DataError) -> list[int]:
    return sorted({p.line for p in err.problems})


# --- MT5 variants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sep", "eol", "encoding"),
    [
        ("\t", "\n", "utf-8"),
        ("\t", "\r\n", "utf-8"),
        (",", "\n", "utf-8"),
        (",", "\r\n", "utf-8"),
        ("\t", "\r\n", "utf-8-sig"),
        ("\t", "\r\n", "utf-16"),  # BOM + little-endian on this platform, as MT5 writes it
    ],
)
def test_mt5_variants_parse_identically(tmp_path: Path, sep: str, eol: str, encoding: str) -> None:
    path = write(tmp_path / "bars.csv", GOOD_ROWS, sep=sep, eol=eol, encoding=encoding)
    assert detect_format(path) == "mt5"
    parsed = read_bars(path, timeframe="M5")
    frame = parsed.frame
    assert parsed.source_format == "mt5" and parsed.rows == 3
    assert list(frame.columns) == [
        "time",
        "open",
        "high",
        "low",
        "close",
        "tick_volume",
        "spread_points",
    ]
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-02 01:00", tz="UTC")
    assert frame["open"].tolist() == [2624.81, 2625.02, 2625.06]
    assert frame["close"].tolist() == [2625.00, 2624.97, 2624.65]
    assert frame["tick_volume"].tolist() == [124, 173, 163]
    assert frame["spread_points"].tolist() == [43, 44, 49]
    assert str(frame["tick_volume"].dtype) == "Int64"
    assert str(frame["spread_points"].dtype) == "Int64"
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"


def test_utf16_le_bom_bytes(tmp_path: Path) -> None:
    text = "\r\n".join("\t".join(r) for r in [MT5_HEADER, *GOOD_ROWS]) + "\r\n"
    path = tmp_path / "u16.csv"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert read_bars(path, timeframe="M5").rows == 3


def test_athens_winter_is_utc_plus_2(tmp_path: Path) -> None:
    path = write(tmp_path / "w.tsv", [mt5_row("2025.01.02", "01:00:00")])
    frame = read_bars(path, timeframe="M5", tz="Europe/Athens").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-01 23:00", tz="UTC")


def test_athens_summer_is_utc_plus_3(tmp_path: Path) -> None:
    path = write(tmp_path / "s.tsv", [mt5_row("2025.07.01", "10:00:00")])
    frame = read_bars(path, timeframe="M5", tz="Europe/Athens").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-07-01 07:00", tz="UTC")


def test_time_without_seconds(tmp_path: Path) -> None:
    path = write(
        tmp_path / "hm.tsv", [mt5_row("2025.01.02", "01:00"), mt5_row("2025.01.02", "01:05")]
    )
    frame = read_bars(path, timeframe="M5").frame
    assert frame["time"].iloc[1] == pd.Timestamp("2025-01-02 01:05", tz="UTC")


def test_d1_export_without_time_column(tmp_path: Path) -> None:
    header = [c for c in MT5_HEADER if c != "<TIME>"]
    rows = [
        [r[0], *r[2:]] for r in (mt5_row(d, "") for d in ("2025.01.02", "2025.01.03", "2025.01.06"))
    ]
    path = write(tmp_path / "d1.tsv", rows, header=header)
    parsed = read_bars(path, timeframe="D1", tz="Europe/Athens")
    # 00:00 server time (UTC+2) is 22:00 UTC the day before; alignment is judged on server time
    assert parsed.frame["time"].tolist() == [
        pd.Timestamp(t, tz="UTC")
        for t in ("2025-01-01 22:00", "2025-01-02 22:00", "2025-01-05 22:00")
    ]
    assert [g.kind for g in parsed.gaps] == ["weekend"]


def test_blank_lines_are_skipped_but_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "blank.tsv"
    rows = ["\t".join(r) for r in [MT5_HEADER, GOOD_ROWS[0], GOOD_ROWS[1]]]
    bad = mt5_row("2025.01.02", "01:10:00", h=9.0)
    path.write_text("\n".join([*rows, "", "\t".join(bad), "", ""]))
    err = refused(path)
    assert lines_of(err) == [5]


# --- refusals with line numbers ----------------------------------------------------------------


def test_dst_fall_back_repeat_refused_with_line_numbers(tmp_path: Path) -> None:
    # Europe/Athens leaves summer time on 2025-10-26 at 04:00 -> 03:00; the 03:xx hour repeats
    clocks = ["02:00", "02:30", "03:00", "03:30", "03:00", "03:30", "04:00"]
    path = write(tmp_path / "fb.tsv", [mt5_row("2025.10.26", c) for c in clocks])
    err = refused(path, timeframe="M30", tz="Europe/Athens")
    assert lines_of(err) == [4, 5, 6, 7]  # without a policy each 03:xx row is ambiguous
    assert all("occurs twice" in p.reason for p in err.problems)
    err = refused(path, timeframe="M30", tz="Europe/Athens", ambiguous="earlier")
    dups = [p for p in err.problems if "duplicate" in p.reason]
    assert [p.line for p in dups] == [6, 7]
    assert "same as line 4" in dups[0].reason and "DST" in dups[0].reason
    assert "line 6:" in str(err) and "fb.tsv" in str(err)


def test_dst_spring_forward_nonexistent_time_refused(tmp_path: Path) -> None:
    clocks = ["02:00", "03:00", "04:00", "05:00"]  # 03:00-04:00 does not exist on 2025-03-30
    path = write(tmp_path / "sf.tsv", [mt5_row("2025.03.30", c) for c in clocks])
    err = refused(path, timeframe="H1", tz="Europe/Athens")
    assert lines_of(err) == [3]
    assert "does not exist" in err.problems[0].reason


def test_dst_change_without_repeats_is_accepted(tmp_path: Path) -> None:
    clocks = ["02:00", "02:30", "04:00", "04:30"]  # skipping the ambiguous hour
    path = write(tmp_path / "ok.tsv", [mt5_row("2025.10.26", c) for c in clocks])
    frame = read_bars(path, timeframe="M30", tz="Europe/Athens").frame
    assert frame["time"].dt.strftime("%H:%M").tolist() == ["23:00", "23:30", "02:00", "02:30"]


def test_bad_high_and_low_refused_with_line_numbers(tmp_path: Path) -> None:
    rows = [
        mt5_row("2025.01.02", "01:00"),
        mt5_row("2025.01.02", "01:05", o=10.0, h=10.2, c=10.5),  # high < close -> line 3
        mt5_row("2025.01.02", "01:10"),
        mt5_row("2025.01.02", "01:15", o=10.0, lo=9.9, c=9.8),  # low > close -> line 5
    ]
    err = refused(write(tmp_path / "hl.tsv", rows))
    assert [(p.line, p.reason.split()[0]) for p in err.problems] == [(3, "high"), (5, "low")]
    assert "high 10.2 is below max(open, close) 10.5" in str(err)


def test_non_monotonic_refused(tmp_path: Path) -> None:
    rows = [mt5_row("2025.01.02", c) for c in ("01:00", "01:05", "00:55", "01:10")]
    err = refused(write(tmp_path / "order.tsv", rows))
    assert lines_of(err) == [4]
    assert "earlier than line 3" in err.problems[0].reason


def test_duplicate_timestamp_refused(tmp_path: Path) -> None:
    rows = [mt5_row("2025.01.02", c) for c in ("01:00", "01:05", "01:05", "01:10")]
    err = refused(write(tmp_path / "dup.tsv", rows))
    assert err.problems == [RowProblem(4, "duplicate time 2025-01-02 01:05 UTC (same as line 3)")]


def test_misaligned_timeframe_refused(tmp_path: Path) -> None:
    rows = [mt5_row("2025.01.02", c) for c in ("10:00", "10:05", "10:08", "10:15", "10:20")]
    err = refused(write(tmp_path / "al.tsv", rows))
    assert lines_of(err) == [4]
    assert "not on a M5 boundary" in err.problems[0].reason


def test_median_spacing_inconsistent_with_timeframe(tmp_path: Path) -> None:
    rows = [mt5_row("2025.01.02", f"10:{m:02d}") for m in range(0, 60, 15)]
    err = refused(write(tmp_path / "m15.tsv", rows), timeframe="M5")
    assert err.problems[0].line == 0
    assert "15 min apart" in err.problems[0].reason and "M5" in err.problems[0].reason


def test_wrong_column_count_and_bad_values(tmp_path: Path) -> None:
    rows = [
        mt5_row("2025.01.02", "01:00"),
        mt5_row("2025.01.02", "01:05")[:-2],  # line 3: 7 fields
        mt5_row("2025.13.02", "01:10"),  # line 4: bad month
        ["2025.01.02", "01:15", "abc", "11", "9", "10", "100", "0", "20"],  # line 5
        ["2025.01.02", "01:20", "10", "11", "-1", "10", "100", "0", "20"],  # line 6
        ["2025.01.02", "01:25", "10", "11", "9", "nan", "1.5", "0", "20"],  # line 7
    ]
    err = refused(write(tmp_path / "bad.tsv", rows))
    reasons = {p.line: p.reason for p in err.problems}
    assert reasons[3] == "expected 9 fields separated by tabs, found 7"
    assert "'2025.13.02 01:10' is not a date/time" in reasons[4]
    assert reasons[5] == "open 'abc' is not a number"
    assert "low -1 is not a positive price" in [p.reason for p in err.problems if p.line == 6]
    assert {p.reason for p in err.problems if p.line == 7} == {
        "close 'nan' is not a finite number",
        "tick_volume 1.5 is not a whole number",
    }


def test_problem_list_is_capped_in_message(tmp_path: Path) -> None:
    rows = [
        mt5_row("2025.01.02", f"{h:02d}:{m:02d}", h=1.0) for h in range(3) for m in range(0, 60, 5)
    ]
    err = refused(write(tmp_path / "many.tsv", rows), max_problems=30)
    assert err.total_problems == 36 and len(err.problems) == 30
    message = str(err)
    assert message.count("\n  line ") == MAX_LISTED
    assert message.endswith(f"... and {36 - MAX_LISTED} more")


def test_empty_and_header_only_files_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in str(refused(empty))
    only = write(tmp_path / "only.tsv", [])
    assert "no data rows" in str(refused(only))


# --- format detection & plain CSV ----------------------------------------------------------------


def test_unknown_format_refused_with_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,price\n2025-01-02,10\n")
    with pytest.raises(DataError) as info:
        detect_format(path)
    message = str(info.value)
    assert "<DATE> <TIME> <OPEN>" in message and "time_utc" in message and "open, high" in message
    assert "x.csv" in message
    assert "<DATE>" in str(refused(path))


def test_csv_detected_with_case_insensitive_headers(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "Time_UTC,OPEN,High,low,Close,TickVol,Spread\n"
        "2025-01-02 01:00:00,10,11,9,10.5,5,18\n"
        "2025-01-02T01:05:00Z,10.5,11,9,10,6,19\n"
    )
    assert detect_format(path) == "csv"
    parsed = read_bars(path, timeframe="M5")
    assert parsed.source_format == "csv"
    assert parsed.frame["time"].tolist() == [
        pd.Timestamp("2025-01-02 01:00", tz="UTC"),
        pd.Timestamp("2025-01-02 01:05", tz="UTC"),
    ]
    assert parsed.frame["tick_volume"].tolist() == [5, 6]
    assert parsed.frame["spread_points"].tolist() == [18, 19]


def test_csv_without_spread_gives_nullable_na(tmp_path: Path) -> None:
    path = tmp_path / "nospread.csv"
    path.write_text("time,open,high,low,close,volume\n2025-01-02 01:00,10,11,9,10,5\n")
    frame = read_bars(path, timeframe="M1").frame
    assert str(frame["spread_points"].dtype) == "Int64"
    assert frame["spread_points"].isna().all()
    assert frame["tick_volume"].tolist() == [5]


def test_csv_epoch_seconds(tmp_path: Path) -> None:
    path = tmp_path / "epoch.csv"
    path.write_text("timestamp,open,high,low,close\n1735779600,10,11,9,10\n1735779900,10,11,9,10\n")
    frame = read_bars(path, timeframe="M5").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-02 01:00", tz="UTC")
    assert frame["tick_volume"].isna().all()


def test_csv_compact_digit_dates_are_dates_not_epoch(tmp_path: Path) -> None:
    path = tmp_path / "compact.csv"
    path.write_text("date,open,high,low,close\n20250102,10,11,9,10\n20250103,10,11,9,10\n")
    frame = read_bars(path, timeframe="D1").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-02", tz="UTC")


def test_csv_naive_times_in_given_zone_and_offsets_respected(tmp_path: Path) -> None:
    path = tmp_path / "tz.csv"
    path.write_text(
        "datetime,open,high,low,close\n"
        "2025-07-01 10:00,10,11,9,10\n"
        "2025-07-01T10:05:00+03:00,10,11,9,10\n"
    )
    frame = read_bars(path, timeframe="M5", tz="Europe/Athens").frame
    assert frame["time"].dt.strftime("%H:%M").tolist() == ["07:00", "07:05"]


def test_csv_separate_date_and_time_columns(tmp_path: Path) -> None:
    path = tmp_path / "dt.csv"
    path.write_text("Date;Time;Open;High;Low;Close\n2025-01-02;01:00;10;11;9;10\n")
    frame = read_bars(path, timeframe="M1").frame
    assert frame["time"].iloc[0] == pd.Timestamp("2025-01-02 01:00", tz="UTC")


def test_csv_unparseable_time_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "badtime.csv"
    path.write_text("time,open,high,low,close\n2025-01-02 01:00,10,11,9,10\nyesterday,10,11,9,10\n")
    err = refused(path, timeframe="M1")
    assert err.problems[0].line == 3 and "'yesterday' is not a date/time" in err.problems[0].reason


def test_explicit_format_and_bad_arguments(tmp_path: Path) -> None:
    path = write(tmp_path / "b.tsv", GOOD_ROWS)
    assert read_bars(path, timeframe="m5", fmt="MT5").rows == 3
    assert "csv file needs time" in str(refused(path, fmt="csv"))
    assert "unknown format" in str(refused(path, fmt="xlsx"))
    assert "unknown time zone" in str(refused(path, tz="Mars/Olympus"))
    assert "known timeframes: M1, M5" in str(refused(path, timeframe="M2"))
    assert "cannot read" in str(refused(tmp_path / "missing.csv"))


def test_synthetic_round_trip_through_csv(tmp_path: Path) -> None:
    bars = generate_bars(n_bars=2_000, seed=3)
    path = tmp_path / "synthetic.csv"
    bars.assign(time=bars["time"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(path, index=False)
    parsed = read_bars(path, timeframe="M5")
    expected = bars.astype({"tick_volume": "Int64", "spread_points": "Int64"})
    pd.testing.assert_frame_equal(parsed.frame, expected)
    kinds = {g.kind for g in parsed.gaps}
    assert kinds == {"weekend", "daily_break"}


# --- gaps -----------------------------------------------------------------------------------------


def test_gap_classification(tmp_path: Path) -> None:
    def run(start: str, end: str) -> pd.DatetimeIndex:
        return pd.date_range(start, end, freq="5min")

    times = (
        run("2025-01-09 20:00", "2025-01-09 20:55")  # Thursday, then daily break 21:00-22:00
        .append(run("2025-01-09 22:00", "2025-01-09 22:05"))  # 22:10 missing: not reported
        .append(run("2025-01-09 22:15", "2025-01-09 22:20"))  # 22:25..22:35 missing: a hole
        .append(run("2025-01-09 22:40", "2025-01-10 20:55"))  # Friday close, then weekend
        .append(run("2025-01-12 22:00", "2025-01-12 22:30"))
    )
    path = tmp_path / "gaps.csv"
    body = "".join(f"{t:%Y-%m-%d %H:%M},10,11,9,10\n" for t in times)
    path.write_text("time,open,high,low,close\n" + body)
    gaps = read_bars(path, timeframe="M5").gaps
    summary = [(g.kind, g.start.strftime("%a %H:%M"), g.end.strftime("%a %H:%M")) for g in gaps]
    assert summary == [
        ("daily_break", "Thu 21:00", "Thu 22:00"),
        ("hole", "Thu 22:25", "Thu 22:40"),
        ("weekend", "Fri 21:00", "Sun 22:00"),
    ]
    assert gaps[0].duration == pd.Timedelta(hours=1)


def test_large_file_problems_listed_by_line(tmp_path: Path) -> None:
    bars = generate_bars(n_bars=5_000, seed=5)
    bars.loc[4321, "high"] = bars.loc[4321, "low"] - 1.0
    path = tmp_path / "big.csv"
    bars.to_csv(path, index=False)
    err = refused(path)
    assert [p.line for p in err.problems] == [4321 + 2]  # header is line 1, row 0 is line 2
    assert err.problems[0].reason.startswith("high")
