"""The demo desk's versions learnt on generated bars: every page says DEMO (the frame's banner
on each page, and the page's own mark where it shows a version); a desk whose versions learnt
on real bars shows none of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engine.services import Desk
from tests.dashboard.conftest import PAGES, open_page
from tests.dashboard.test_pages import frame, texts

BANNER = "**DEMO desk** — the active model XAUUSD-M5-scalper:v3 was trained on generated bars"
DEMO_V3 = "**DEMO** — XAUUSD-M5-scalper:v3 was trained on generated bars, not market data"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_of_the_demo_desk_says_demo(home: Path, name: str):
    at = open_page(name)
    assert not at.error, [e.value for e in at.error]
    assert any(w.value.startswith(BANNER) for w in at.warning)
    assert ":orange-badge[DEMO]" in "\n".join(m.value for m in at.sidebar.markdown)


def test_the_overview_marks_the_active_model(home: Path):
    shown = texts(open_page("overview"))
    assert DEMO_V3 in shown
    assert "trained on DEMO (generated) bars" in shown


def test_leaderboard_rows_and_the_comparison_say_demo(home: Path):
    at = open_page("leaderboard")
    assert (
        list(frame(at, "rank", "version")["data"]) == ["DEMO"] * 3
    )  # the short mark: the table keeps its pinned columns narrow
    assert "**DEMO** — 3 of these versions were trained on generated bars" in texts(at)
    refs = ["XAUUSD-M5-scalper:v3", "XAUUSD-M5-scalper:v1"]
    at.multiselect(key="compare_refs").set_value(refs).run()
    compared = frame(at, "metric", "better").set_index("metric")
    titles = [f"{ref} (backtest)" for ref in refs]  # one source per comparison, in the titles
    assert list(compared.loc["trained on", titles]) == ["DEMO (generated)"] * 2
    assert f"**DEMO** — {', '.join(refs)}: trained on generated bars" in texts(at)


def test_performance_and_models_mark_the_version_shown(home: Path):
    assert DEMO_V3 in texts(open_page("performance"))
    at = open_page("models")
    assert DEMO_V3 in texts(at)
    facts = frame(at, "field", "value").set_index("field")["value"]
    assert facts["trained on"] == "DEMO (generated) bars of XAUUSD M5"


def test_learning_marks_the_sessions_and_their_candidates(home: Path):
    at = open_page("learning")
    assert list(frame(at, "session", "data")["data"]) == ["DEMO (generated)"] * 3
    assert any(
        w.value.startswith("**DEMO** — session #3 learnt on generated bars") for w in at.warning
    )


def test_the_data_page_shows_each_series_origin(home: Path):
    at = open_page("data")
    assert list(frame(at, "symbol", "origin")["origin"]) == ["generated"]


def test_versions_trained_on_real_bars_are_not_marked(home: Path, desk: Desk):
    with desk.db.engine.begin() as conn:  # as if the same versions had learnt on imported bars
        conn.execute(text("UPDATE model_versions SET data_origin = 'imported'"))
    for name in ("overview", "leaderboard", "models"):
        at = open_page(name)
        shown = texts(at) + "\n".join(m.value for m in at.sidebar.markdown)
        assert "**DEMO" not in shown and "DEMO (generated)" not in shown
        assert "badge[DEMO]" not in shown
    assert list(frame(open_page("leaderboard"), "rank", "version")["data"]) == ["imported"] * 3
