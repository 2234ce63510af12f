"""The importer is bounded: it streams the file, refuses an over-long line as soon as it meets
it (with its line number), echoes at most ~80 characters of any value and states its limits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from engine.data import DataError, read_bars
from engine.data import _text as text
from engine.data.errors import quoted
from engine.services import Desk
from tests.data.test_importers import MT5_HEADER, lines_of, mt5_row, refused, write

HEADER = "\t".join(MT5_HEADER) + "\r\n"


def _rows(n: int) -> list[list[str]]:
    return [
        mt5_row("2025.01.02", f"{h:02d}:{m:02d}") for h in range(1, 24) for m in range(0, 60, 5)
    ][:n]


def test_a_huge_field_is_refused_at_its_line_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.tsv"
    with path.open("w", newline="") as out:
        out.write(HEADER + "\t".join(mt5_row("2025.01.02", "01:00")) + "\r\n")
        out.write("2025.01.02\t01:05:00\t" + "9" * 30_000_000 + "\t1\t1\t1\t1\t0\t20\r\n")
    tracemalloc.start()
    try:
        err = refused(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12_000_000  # a few 1 Mi-character blocks, not the 30 MB line
    assert lines_of(err) == [3]
    message = str(err)
    assert "longer than 1,000 characters" in message and "512 MiB" in message
    assert "nothing was imported" in message and len(message) < 400


def test_an_over_long_line_far_down_is_refused_with_its_number(tmp_path: Path) -> None:
    rows = ["\t".join(r) for r in _rows(250)]
    rows[200] = rows[200] + "\t" + "x" * 5_000  # line 202
    path = tmp_path / "late.tsv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    err = refused(path)
    assert err.problems[0].line == 202 and "longer than 1,000" in err.problems[0].reason


def test_an_over_long_header_or_last_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.tsv"
    path.write_text("<DATE>" + "\t<X>" * 400 + "\n")
    assert refused(path).problems[0].line == 1
    path.write_text(HEADER + "\t".join(mt5_row("2025.01.02", "01:00")) + "\n" + "7" * 1_001)
    assert refused(path).problems[0].line == 3  # no line end after it


def test_a_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    row = "\t".join(mt5_row("2025.01.02", "01:00"))
    padded = row.replace("\t0\t", "\t" + "0" * (1_000 - len(row) + 1) + "\t")
    assert len(padded) == 1_000
    path = tmp_path / "edge.tsv"
    path.write_text(HEADER + padded + "\n")
    assert read_bars(path, timeframe="M5").rows == 1


def test_every_echoed_value_is_cut(tmp_path: Path) -> None:
    bad = mt5_row("2025.01.02", "01:00")
    bad[2] = "1e" + "3" * 500  # a 502-character price
    bad[1] = "0" * 300  # a 300-character time
    err = refused(write(tmp_path / "echo.tsv", [bad]))
    message = str(err)
    assert len(message) < 700
    assert "(502 characters)" in message and "(311 characters)" in message  # date + time
    assert "3" * 81 not in message


def test_quoted_values_keep_their_length() -> None:
    assert quoted("abc") == "'abc'"
    assert quoted("z" * 100) == repr("z" * 80) + "… (100 characters)"


def test_a_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "big.tsv", _rows(50))
    monkeypatch.setattr(text, "MAX_FILE_BYTES", 1_000)
    with pytest.raises(DataError, match=r"file is .* MiB; the importer takes files up to .*split"):
        read_bars(path, timeframe="M5")


def test_many_batches_parse_as_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(200)
    high, rows[150][3] = rows[150][3], "oops"  # line 152
    rows[7], rows[8] = rows[8], rows[7]  # line 10 earlier than line 9
    path = write(tmp_path / "batches.tsv", rows)
    monkeypatch.setattr(text, "BATCH_LINES", 16)
    monkeypatch.setattr(text, "_BLOCK_CHARS", 100)  # lines split across blocks too
    err = refused(path)
    assert lines_of(err) == [10, 152]
    rows[150][3] = high
    rows[7], rows[8] = rows[8], rows[7]
    parsed = read_bars(write(tmp_path / "ok.tsv", rows), timeframe="M5")
    assert parsed.rows == 200 and parsed.frame["time"].is_monotonic_increasing


def test_the_desk_keeps_nothing_of_a_refused_long_line(desk: Desk, tmp_path: Path) -> None:
    rows = ["\t".join(r) for r in _rows(100)] + ["1" * 2_000]
    path = tmp_path / "tail.tsv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match="line 102"):
        desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", actor="test")
    assert desk.bar_series() == []
