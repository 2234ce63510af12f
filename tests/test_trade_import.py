"""Trade history import: all or nothing, errors with line numbers, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import TradeError
from engine.services import Desk
from engine.trade_import import import_trades

HEADER = "Ticket;Symbol;Type;Open Time;Close Time;Lots;Profit;Commission\n"


def test_a_good_file_imports_and_a_second_import_changes_nothing(desk: Desk, tmp_path: Path):
    path = tmp_path / "history.csv"
    path.write_text(
        HEADER + "1;XAUUSD;BUY;2025-03-03 08:00;2025-03-03 08:20;0.1;12.5;-0.7\n"
        "2;XAUUSD;sell;2025-03-03 09:00;2025-03-03 09:05;0.1;-8;-0.7\n"
    )
    report = import_trades(desk, path, actor="t")
    assert (report.rows, report.new) == (2, 2)
    assert [t.net_profit for t in desk.trades(source=None)] == [11.8, -8.7]
    assert import_trades(desk, path, actor="t").unchanged == 2


def test_a_bad_row_refuses_the_file_with_its_line(desk: Desk, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "1;XAUUSD;BUY;2025-03-03 08:00;2025-03-03 08:20;0.1;12.5;-0.7\n"
        "2;XAUUSD;hold;2025-03-03 09:00;2025-03-03 09:05;0.1;-8;-0.7\n"
        "3;XAUUSD;buy;2025-03-03 09:00;2025-03-03 08:05;0.1;-8;-0.7\n"
    )
    with pytest.raises(TradeError, match=r"line 3: side.*\n.*line 4: .*close_time"):
        import_trades(desk, path, actor="t")
    assert desk.counts()["trades"] == 0


def test_unknown_columns_and_empty_files_are_refused(desk: Desk, tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("ticket,colour\n1,red\n")
    with pytest.raises(TradeError, match="unknown column"):
        import_trades(desk, path, actor="t")
    path.write_text("")
    with pytest.raises(TradeError, match="empty file"):
        import_trades(desk, path, actor="t")
