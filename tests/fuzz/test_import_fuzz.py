"""Bar importers on mutated real files: only DataError comes out, with a useful message, and
nothing is written. Runs on the first lines of the real MT5 export (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data.errors import DataError
from engine.services import Desk
from tests.conftest import SHARED_DATA

REAL_M5 = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
RUNS = {"cases": 0, "refused": 0, "accepted": 0}


def _lines() -> list[bytes]:
    if not REAL_M5.exists():
        pytest.skip(f"real data not found at {REAL_M5} (a user's clone has no ../shared)")
    with REAL_M5.open("rb") as handle:
        return [handle.readline() for _ in range(400)]


@st.composite
def mutated(draw: st.DrawFn, lines: list[bytes]) -> bytes:
    body = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        if not body:
            break
        kind = draw(
            st.sampled_from(
                [
                    "drop",
                    "dup",
                    "swap",
                    "number",
                    "nan",
                    "sep",
                    "bom",
                    "huge",
                    "junk",
                    "empty",
                    "crlf",
                ]
            )
        )
        k = draw(st.integers(1, len(body) - 1)) if len(body) > 1 else 0
        if kind == "drop" and len(body) > 2:
            del body[k]
        elif kind == "dup":
            body.insert(k, body[k])
        elif kind == "swap" and len(body) > 2:
            j = draw(st.integers(1, len(body) - 1))
            body[k], body[j] = body[j], body[k]
        elif kind == "number":
            body[k] = body[k].replace(b".", b",", 1)
        elif kind == "nan":
            body[k] = body[k].replace(b"\t", b"\tnan\t", 1)
        elif kind == "sep":
            body[k] = body[k].replace(b"\t", b";")
        elif kind == "bom":
            body[0] = b"\xef\xbb\xbf" + body[0]
        elif kind == "huge":
            body[k] = b"9" * 200_000 + b"\r\n"
        elif kind == "junk":
            body[k] = draw(st.binary(min_size=1, max_size=64)) + b"\r\n"
        elif kind == "empty":
            body = []
        elif kind == "crlf":
            body[k] = body[k].replace(b"\r\n", b"\n")
    return b"".join(body)


@pytest.mark.realdata
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_mt5_files_give_data_errors_and_write_nothing(
    desk: Desk, tmp_path: Path, data: st.DataObject
):
    content = data.draw(mutated(_lines()))
    path = tmp_path / "mutated.tsv"
    path.write_bytes(content)
    before = desk.bar_series()
    RUNS["cases"] += 1
    try:
        report = desk.import_bars(
            str(path), symbol="XAUUSD", timeframe="M5", tz="Europe/Athens", actor="fuzz"
        )
    except DataError as err:
        RUNS["refused"] += 1
        assert str(err) and (
            "line" in str(err)
            or "header" in str(err)
            or "empty" in str(err)
            or "expected" in str(err)
            or "file" in str(err)
        )
        assert desk.bar_series() == before
    else:
        RUNS["accepted"] += 1  # a harmless mutation (e.g. CRLF → LF, a BOM) imports cleanly
        assert report.rows > 0
        with desk.db.session(write=True) as s:
            from engine.data.store import delete_bars

            delete_bars(s, symbol="XAUUSD", timeframe="M5")


def test_report_how_many_cases_ran():
    """Printed for docs/RELIABILITY.md; run after the fuzz test in the same module."""
    print(f"importer fuzz: {RUNS}")
