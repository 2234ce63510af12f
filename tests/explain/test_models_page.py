"""The Models page shows a trained version's explanation (AppTest), and the chart builders."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import charts
from dashboard.explain_panel import signals_frame
from engine.services import Desk

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def charts_by_title(at: AppTest) -> dict[str, dict]:
    out = {}
    for element in at.get("plotly_chart"):
        layout = json.loads(element.proto.spec)["layout"]
        out[layout.get("title", {}).get("text", "")] = json.loads(element.proto.spec)
    return out


def test_the_models_page_explains_the_versions_latest_signals(home: Path, desk: Desk):
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("views/models.py").run()
    assert not at.exception, [e.value for e in at.exception]
    active = desk.registry.active_version()
    found = desk.explanations(active.ref)  # the cache the page wrote
    assert any(h.value == "Explanations" for h in at.subheader)
    table = next(d.value for d in at.dataframe if "pushed most" in d.value.columns)
    assert list(table["signal"]) == [s.side for s in reversed(found.signals)]
    shown = charts_by_title(at)
    importance = shown["Feature importance"]
    assert importance["layout"]["xaxis"]["title"]["text"] == "log-loss increase when shuffled"
    assert set(importance["data"][0]["y"]) <= set(active.details["importances"])
    pushed = [t for t in shown if t.startswith(("What pushed this", "HOLD: what moved"))]
    assert len(pushed) == 1
    for curve in found.dependence:
        assert f"Partial dependence on {curve.feature}" in shown
    assert at.selectbox(key="explained_signal").value is not None


def test_the_signals_table_names_what_pushed_each_signal_newest_first(desk: Desk):
    found = desk.explanations(desk.registry.active_version().ref)
    table = signals_frame(found)
    newest = found.signals[-1]
    assert table.iloc[0]["signal"] == newest.side
    first = next(iter(newest.contributions))
    assert table.iloc[0]["pushed most"].startswith(first)


def test_contributions_chart_colours_pushes_for_and_against():
    fig = charts.contributions_figure(
        {"rsi": 0.3, "atr": -0.1, "adx": 0.05}, side="BUY", explained="long", output="probability"
    )
    bar = fig.data[0]
    assert list(bar.y) == ["adx", "atr", "rsi"]  # largest at the top
    assert list(bar.marker.color) == [charts.GREEN, charts.RED, charts.GREEN]
    assert fig.layout.title.text == "What pushed this BUY"
    assert fig.layout.xaxis.title.text == "push toward BUY, probability"


def test_dependence_chart_draws_both_sides_over_the_grid():
    fig = charts.dependence_figure("rsi", [10, 50, 90], [0.2, 0.3, 0.6], [0.5, 0.3, 0.1])
    assert [t.name for t in fig.data] == ["P(long wins)", "P(short wins)"]
    assert list(fig.data[0].y) == [0.2, 0.3, 0.6] and list(fig.data[1].x) == [10, 50, 90]
    assert fig.layout.title.text == "Partial dependence on rsi"
