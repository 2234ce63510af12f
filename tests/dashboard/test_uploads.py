"""Uploads are kept under their content hash; what the trader reads names the file they gave."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.uploads import as_uploaded, save_upload, shown_name
from engine.data.errors import DataError, RowProblem
from engine.errors import TicketConflictError, TradeError
from engine.trade_import import read_trade_file


def test_shown_name_is_the_last_part_cut_to_80_characters():
    assert shown_name("export.csv") == "export.csv"
    assert shown_name("C:\\Users\\ann\\XAUUSD M5.tsv") == "XAUUSD M5.tsv"
    assert shown_name("a/b/../c.csv") == "c.csv"
    assert shown_name("x" * 100 + ".csv") == "x" * 80 + "…"
    assert shown_name("") == "upload"


def test_a_refusal_of_the_kept_copy_names_the_uploaded_file():
    kept = Path("/tmp/aurum-uploads/0123abcd.csv")
    problems = [RowProblem(6, "high below low")]
    with pytest.raises(DataError) as raised, as_uploaded(kept, "my bars.csv"):
        raise DataError("refused, nothing was imported", problems, source=kept.name)
    err = raised.value
    assert str(err) == "my bars.csv: refused, nothing was imported\n  line 6: high below low"
    assert (err.problems, err.source) == (problems, "my bars.csv")


def test_errors_about_anything_else_pass_unchanged():
    kept = Path("/tmp/aurum-uploads/0123abcd.csv")
    other = DataError("bad timeframe", source="another.csv")
    with pytest.raises(DataError) as raised, as_uploaded(kept, "mine.csv"):
        raise other
    assert raised.value is other
    conflict = TicketConflictError(f"{kept.name}: ticket 7 differs")
    with pytest.raises(TicketConflictError) as kept_type, as_uploaded(kept, "mine.csv"):
        raise conflict
    assert kept_type.value is conflict


def test_a_refused_trade_file_names_the_uploaded_file():
    kept = save_upload("trades.csv", b"ticket,side\n")
    with pytest.raises(TradeError) as raised, as_uploaded(kept, "june trades.csv"):
        read_trade_file(kept)
    assert str(raised.value).startswith("june trades.csv: ")
    assert kept.name not in str(raised.value)
