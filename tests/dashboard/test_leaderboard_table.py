"""The leaderboard's pinned columns, sort and pages, the comparison's parameter and feature
diff, and the side-by-side figures of the Activate and Roll back dialogs (pure builders)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from dashboard.compare_tables import flat_params, key_figures_frame, version_diff
from dashboard.leaderboard_table import (
    PAGE_SIZE,
    PINNED_WIDTH,
    leaderboard_columns,
    leaderboard_frame,
    more_columns,
    page_count,
    page_of,
    pinned_columns,
    sort_versions,
)

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def version(n: int, source: str = "backtest", origin: str = "imported", **metrics: Any) -> Any:
    return SimpleNamespace(
        id=n, ref=f"m:v{n}", status="candidate", metrics_source=source, algorithm="rf",
        symbol="XAUUSD", timeframe="M5", metrics_trades=int(metrics.get("trades", 0)),
        metrics=metrics, created_at=NOW + timedelta(hours=n), data_origin=origin,
        params={"n_estimators": 100}, features=["ret_1", "atr_14"],
    )  # fmt: skip


def test_the_pinned_columns_hold_each_versions_own_figures_with_their_source():
    live = version(2, "live", trades=40, expectancy=-2.0, profit_factor=0.8, sharpe=-1.0,
                   dsr=0.1, dsr_trials=7, max_drawdown_pct=12.5)  # fmt: skip
    demo = version(1, origin="generated", trades=120, expectancy=3.0, sharpe=1.5)
    frame = leaderboard_frame([live, demo], currency="EUR", ranks={2: 7, 1: 9})
    assert list(frame.columns[:9]) == pinned_columns("EUR")
    first = frame.iloc[0]
    assert (first["version"], first["data"], first["source"], first["trades"]) == (
        "m:v2", "imported", "live", 40,
    )  # fmt: skip
    assert (first["exp. EUR"], first["PF"], first["Sharpe"]) == (-2.0, 0.8, -1.0)
    assert (first["DSR (trials)"], first["max DD %"]) == ("0.10 (7 trials)", 12.5)
    assert frame.iloc[1]["data"] == "DEMO"
    assert pd.isna(frame.iloc[1]["PF"])
    assert list(frame["rank"]) == [7, 9]  # the engine's places, not the page's rows


def test_only_the_pinned_columns_are_pinned_and_the_rest_come_on_demand():
    config = leaderboard_columns("EUR")
    pinned = [name for name, c in config.items() if c.get("pinned")]
    assert pinned == pinned_columns("EUR")
    # Streamlit pins nothing once pinned columns pass 60 % of the table (1,240 px at 1,400)
    assert sum(config[name]["width"] for name in pinned) == PINNED_WIDTH <= 0.6 * 1240
    extra = more_columns("EUR")
    assert not set(extra) & set(pinned)
    frame = leaderboard_frame([version(1, trades=1)], {}, {}, currency="EUR")
    assert list(frame.columns) == [*pinned, *extra]  # every column, in the page's order


def test_sort_puts_the_best_first_and_missing_figures_last():
    a = version(1, sharpe=0.5, max_drawdown_pct=20.0, trades=10)
    b = version(2, sharpe=2.0, max_drawdown_pct=5.0, trades=5)
    c = version(3, trades=50)  # no Sharpe, no drawdown
    d = version(4, sharpe=float("nan"), max_drawdown_pct=9.0, trades=1)
    ranked = [c, a, d, b]  # the engine's order
    assert sort_versions(ranked, "rank") == ranked
    assert sort_versions(ranked, "rank", reverse=True) == ranked[::-1]
    assert sort_versions(ranked, "Sharpe") == [b, a, c, d]
    assert sort_versions(ranked, "Sharpe", reverse=True) == [a, b, c, d]
    assert sort_versions(ranked, "max DD %") == [b, d, a, c]  # lower drawdown is better
    assert sort_versions(ranked, "trades") == [c, a, b, d]
    assert sort_versions(ranked, "newest") == [d, c, b, a]


def test_pages_of_fifty_build_only_their_rows():
    versions = [version(n, trades=n) for n in range(1, 10_001)]
    assert page_count(len(versions)) == 200 and page_count(0) == 1 and page_count(51) == 2
    second = page_of(versions, 2)
    assert [v.id for v in second] == list(range(51, 101))
    assert [v.id for v in page_of(versions, 999)] == list(range(9951, 10_001))  # clamped
    assert len(leaderboard_frame(page_of(versions, 200), {}, {})) == PAGE_SIZE


def test_the_diff_lists_what_differs_and_folds_what_is_shared():
    a = version(1)
    b = version(2)
    b.params = {"n_estimators": 300, "inner": {"depth": 4}}
    b.features = ["ret_1", "rsi_14"]
    diff = version_diff([a, b])
    differ = diff.differ.set_index("name")
    assert differ.loc["n_estimators", ["m:v1", "m:v2"]].tolist() == ["100", "300"]
    assert differ.loc["inner.depth", ["m:v1", "m:v2"]].tolist() == ["—", "4"]
    assert differ.loc["atr_14", ["kind", "m:v1", "m:v2"]].tolist() == ["feature", "used", "—"]
    assert differ.loc["rsi_14", ["m:v1", "m:v2"]].tolist() == ["—", "used"]
    same = diff.same.set_index("name")
    assert set(same.index) == {"algorithm", "ret_1"}
    assert same.loc["algorithm", "m:v1"] == "rf"
    assert flat_params({"a": {"b": {"c": 1}}, "d": [1, 2]}) == {"a.b.c": 1, "d": [1, 2]}


def test_identical_versions_have_nothing_in_the_diff():
    diff = version_diff([version(1), version(2)])
    assert diff.differ.empty and len(diff.same) == 4  # algorithm, n_estimators, two features


def test_the_dialog_figures_sit_side_by_side_with_their_source():
    current = version(3, "live", trades=250, expectancy=-1.5, profit_factor=0.9, sharpe=-0.4,
                      dsr=0.05, dsr_trials=12, max_drawdown_pct=8.0)  # fmt: skip
    target = version(1, origin="generated", trades=400, expectancy=2.25, profit_factor=1.6,
                     sharpe=1.8, dsr=0.7, dsr_trials=12, max_drawdown_pct=4.0)  # fmt: skip
    frame = key_figures_frame(
        {"active now: m:v3": current, "to activate: m:v1": target}, "EUR"
    ).set_index("figure")
    assert frame.loc["source"].tolist() == ["live", "backtest (out of sample)"]
    assert frame.loc["trained on"].tolist() == ["imported", "DEMO (generated)"]
    assert frame.loc["trades"].tolist() == ["250", "400"]
    assert frame.loc["expectancy"].tolist() == ["-€1.50", "€2.25"]
    assert frame.loc["profit factor"].tolist() == ["0.90", "1.60"]
    assert frame.loc["Sharpe"].tolist() == ["-0.40", "1.80"]
    assert frame.loc["DSR (trials)"].tolist() == ["0.05 (12 trials)", "0.70 (12 trials)"]
    assert frame.loc["max DD % of peak"].tolist() == ["8.0 %", "4.0 %"]
    nothing = key_figures_frame({"active now: none": None, "to activate: m:v1": target})
    assert nothing.set_index("figure").loc["source", "active now: none"] == "no stored figures"


@pytest.mark.parametrize("by", ["expectancy", "profit factor", "DSR"])
def test_every_sort_key_orders_by_its_figure(by: str):
    name = {"expectancy": "expectancy", "profit factor": "profit_factor", "DSR": "dsr"}[by]
    low, high = version(1, **{name: 0.1}), version(2, **{name: 0.9})
    assert sort_versions([low, high], by) == [high, low]
