"""The Leaderboard page's table (pinned columns, columns on demand, sort, pages of 50), the
comparison's diff, and the Activate / Roll back dialogs' side-by-side figures (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from bench.generate_desk import DeskSize, generate
from dashboard.compare_tables import version_diff
from dashboard.leaderboard_table import more_columns, pinned_columns
from engine.cli.render import fmt_dsr, fmt_metric
from engine.services import Desk
from tests.dashboard.conftest import open_page

V1, V2, V3 = (f"XAUUSD-M5-scalper:v{n}" for n in (1, 2, 3))


def table(at: AppTest, *columns: str) -> Any:
    """The table element whose data has all these columns (AppTest finds tables by order,
    not by key)."""
    for element in at.dataframe:
        if all(c in element.value.columns for c in columns):
            return element
    raise AssertionError(f"no table with columns {columns}")


def board_table(at: AppTest) -> Any:
    return table(at, "version", "source", "DSR (trials)")


def shown_columns(at: AppTest) -> list[str]:
    return list(board_table(at).proto.column_order)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_pinned_columns_show_first_and_more_columns_come_on_demand(home: Path, desk: Desk):
    at = open_page("leaderboard")
    currency = desk.config().account.currency
    pinned = pinned_columns(currency)
    assert shown_columns(at) == [*pinned, "rank", "status"]
    config = json.loads(board_table(at).proto.columns)
    assert [name for name, c in config.items() if c.get("pinned")] == pinned
    at.multiselect(key="board_columns").set_value(["live trades", "backtest Sortino"]).run()
    assert shown_columns(at) == [*pinned, "live trades", "backtest Sortino"]
    table = board_table(at).value.set_index("version")
    for v in desk.leaderboard():
        row = table.loc[v.ref]
        assert (row["source"], row["trades"]) == (v.metrics_source, v.metrics_trades)
        assert row["Sharpe"] == pytest.approx(v.metrics["sharpe"])
        assert row[f"exp. {currency}"] == pytest.approx(v.metrics["expectancy"])
        assert row["DSR (trials)"] == fmt_dsr(v.metrics)
        assert row["max DD %"] == pytest.approx(v.metrics["max_drawdown_pct"])
        assert row["live trades"] == desk.registry.get(v.ref, source="live").metrics_trades


def test_sorting_orders_every_version_by_the_chosen_figure(home: Path, desk: Desk):
    at = open_page("leaderboard")
    board = desk.leaderboard()
    assert list(board_table(at).value["version"]) == [v.ref for v in board]
    at.selectbox(key="board_sort").set_value("Sharpe").run()
    by_sharpe = sorted(board, key=lambda v: v.metrics["sharpe"], reverse=True)
    assert list(board_table(at).value["version"]) == [v.ref for v in by_sharpe]
    at.toggle(key="board_reverse").set_value(True).run()
    assert list(board_table(at).value["version"]) == [v.ref for v in by_sharpe[::-1]]
    assert "sorted by Sharpe (worst first" in captions(at)


def test_the_comparison_lists_what_differs_and_folds_the_rest(home: Path, desk: Desk):
    at = open_page("leaderboard")
    at.multiselect(key="compare_refs").set_value([V3, V1]).run()
    expected = version_diff([desk.version(V3), desk.version(V1)])
    tables = [d.value for d in at.dataframe if "kind" in d.value.columns]
    assert list(tables[-1]["name"]) == list(expected.same["name"])  # folded: the expander's
    assert list(tables[-1].columns) == ["kind", "name", V3, V1]
    if expected.differ.empty:
        assert len(tables) == 1
        assert "share the same algorithm, parameters and features" in captions(at)
    else:
        assert list(tables[0]["name"]) == list(expected.differ["name"])


@pytest.fixture
def many_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated desk of 120 versions (bench/generate_desk.py at a small size)."""
    root = tmp_path / "many"
    generate(root, DeskSize(symbols=1, versions=120, trades=600, bars=3_000), seed=5)
    monkeypatch.setenv("AURUM_HOME", str(root))
    return root


def test_120_versions_show_50_a_page(many_versions: Path):
    at = open_page("leaderboard")
    with Desk.open(str(many_versions)) as desk:
        board = desk.leaderboard()
        ranks = {v.ref: place for place, v in enumerate(board, start=1)}
        page = board_table(at).value
        assert list(page["version"]) == [v.ref for v in board[:50]]
        assert "Rows 1–50 of 120" in captions(at)
        at.number_input(key="board_page").set_value(3).run()
        page = board_table(at).value
        assert list(page["version"]) == [v.ref for v in board[100:]]
        assert list(page["rank"]) == [ranks[ref] for ref in page["version"]]
        assert "Rows 101–120 of 120" in captions(at)
        live = {v.ref: v.metrics_trades for v in desk.registry.list_versions(source="live")}
        assert list(page["live trades"]) == [live.get(ref, 0) for ref in page["version"]]
        # sorting covers all 120 versions, not the page: the newest first on page 1
        at.number_input(key="board_page").set_value(1).run()
        at.selectbox(key="board_sort").set_value("newest").run()
        newest = sorted(board, key=lambda v: v.created_at, reverse=True)[:50]
        assert list(board_table(at).value["version"]) == [v.ref for v in newest]
    # a filter that leaves fewer versions brings the page back within range
    at.number_input(key="board_page").set_value(3).run()
    at.multiselect(key="filter_status").set_value(["active"]).run()
    assert len(board_table(at).value) == 1
    assert not at.exception


def dialog_figures(at: AppTest) -> dict[str, dict[str, str]]:
    return table(at, "figure").value.set_index("figure").to_dict()


def expected_column(desk: Desk, ref: str) -> dict[str, str]:
    v = next(x for x in desk.leaderboard() if x.ref == ref)
    m, currency = v.metrics, desk.config().account.currency
    return {
        "source": "backtest (out of sample)" if v.metrics_source == "backtest" else "live",
        "trained on": "DEMO (generated)" if v.is_demo else v.data_origin,
        "trades": str(v.metrics_trades),
        "expectancy": fmt_metric("expectancy", m["expectancy"], currency),
        "profit factor": fmt_metric("profit_factor", m["profit_factor"]),
        "Sharpe": fmt_metric("sharpe", m["sharpe"]),
        "DSR (trials)": fmt_dsr(m),
        "max DD % of peak": fmt_metric("max_drawdown_pct", m["max_drawdown_pct"]),
    }


def test_activate_shows_the_active_and_the_target_side_by_side(home: Path, desk: Desk):
    at = open_page("models")
    at.selectbox(key="models_version").set_value(V2).run()
    at.button(key="activate").click().run()
    figures = dialog_figures(at)
    assert list(figures) == [f"active now: {V3}", f"to activate: {V2}"]
    assert figures[f"active now: {V3}"] == expected_column(desk, V3)
    assert figures[f"to activate: {V2}"] == expected_column(desk, V2)


def test_roll_back_shows_the_active_and_the_restored_version_side_by_side(home: Path, desk: Desk):
    at = open_page("models")
    at.button(key="rollback").click().run()
    figures = dialog_figures(at)
    assert list(figures) == [f"active now: {V3}", f"back to: {V1}"]
    assert figures[f"back to: {V1}"] == expected_column(desk, V1)
    assert figures[f"active now: {V3}"]["DSR (trials)"].endswith("trials)")


def test_more_columns_offers_every_other_column_once():
    names = more_columns("USD")
    assert len(names) == len(set(names)) and not set(names) & set(pinned_columns("USD"))
