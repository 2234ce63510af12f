"""The Data page's time zone is a checked choice (common clocks, or one typed and validated),
and the hour a DST fall-back repeats is refused with its lines unless a policy is chosen."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.services import Desk
from tests.dashboard.conftest import open_page

HEADER = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"
# Europe/Athens goes back from 04:00 to 03:00 on Sunday 2025-10-26: 03:00 and 03:30 occur twice
CLOCKS = ["02:00", "02:30", "03:00", "03:30", "04:00", "04:30"]
FILE = "\n".join(
    [HEADER, *(f"2025.10.26\t{c}:00\t10.0\t11.0\t9.0\t10.5\t100\t0\t20" for c in CLOCKS)]
).encode()


def shown(at: AppTest) -> str:
    return "\n".join(x.value for x in (*at.success, *at.info, *at.warning, *at.error, *at.caption))


def test_the_ambiguous_hour_is_refused_then_read_by_the_chosen_policy(fresh_home: Path) -> None:
    at = open_page("data")
    at.selectbox(key="bars_tz").set_value("Europe/Athens")
    at.selectbox(key="bars_tf").set_value("M30")
    at.file_uploader(key="bars_file").set_value(("fb.tsv", FILE, "text/plain")).run()
    text = shown(at)
    assert "line 4: local time 2025-10-26 03:00 occurs twice on Europe/Athens" in text
    assert "line 5:" in text and "nothing was imported" in text
    at.selectbox(key="bars_ambiguous").set_value("Later (winter time)").run()
    assert "6 valid mt5 bars, 2025-10-25 23:00 → 2025-10-26 02:30 UTC" in shown(at)
    at.checkbox(key="bars_confirm").check().run()
    at.button(key="bars_import").click().run()
    with Desk.open(str(fresh_home)) as desk:
        times = desk.bars("XAUUSD", "M30", last=None)["time"].dt.strftime("%H:%M").tolist()
    assert times == ["23:00", "23:30", "01:00", "01:30", "02:00", "02:30"]


def test_another_clock_is_typed_and_checked(fresh_home: Path) -> None:
    at = open_page("data")
    at.selectbox(key="bars_tz").set_value("Other (type it)").run()
    at.text_input(key="bars_tz_other").set_value("Mars/Olympus").run()
    assert "unknown time zone 'Mars/Olympus'" in shown(at) and "NY+7" in shown(at)
    at.text_input(key="bars_tz_other").set_value("utc-03:30").run()
    assert "Times read as UTC-03:30: UTC-03:30 all year (no DST)." in shown(at)
    at.selectbox(key="bars_tz").set_value("NY+7").run()
    assert "UTC+2 in the US winter, UTC+3 in the US summer" in shown(at)


def test_a_typed_clock_that_is_not_one_stops_the_import_before_it_starts(fresh_home: Path):
    at = open_page("data")
    at.selectbox(key="bars_tf").set_value("M30")
    at.selectbox(key="bars_tz").set_value("Other (type it)").run()
    assert not at.error  # nothing typed yet: asked for, not refused
    assert "Type the time zone of the file's times" in shown(at)
    at.file_uploader(key="bars_file").set_value(("fb.tsv", FILE, "text/plain")).run()
    assert not [b for b in at.button if b.key == "bars_import"]
    at.text_input(key="bars_tz_other").set_value("Europe/Atlantis").run()
    (refused,) = [e.value for e in at.error]
    assert refused.startswith("unknown time zone 'Europe/Atlantis'; use ")
    assert not [b for b in at.button if b.key == "bars_import"]  # no preview, no import
    at.text_input(key="bars_tz_other").set_value("UTC+2").run()
    assert "6 valid mt5 bars, 2025-10-26 00:00 → 2025-10-26 02:30 UTC" in shown(at)
    assert at.button(key="bars_import").disabled  # offered now, once the import is ticked
    with Desk.open(str(fresh_home)) as desk:
        assert desk.bar_series() == []  # nothing was written on the way
