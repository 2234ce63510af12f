"""Actions from the dashboard: each is confirmed, changes the desk, and is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.desk import actor
from engine.data.synthetic import generate_bars
from engine.scheduler.worker import run_next
from engine.services import Desk
from tests.dashboard.conftest import open_page

V1, V2, V3 = (f"XAUUSD-M5-scalper:v{n}" for n in (1, 2, 3))


def messages(at: AppTest) -> str:
    return "\n".join(x.value for x in (*at.success, *at.info, *at.warning, *at.error))


def models_page_on(ref: str) -> AppTest:
    at = open_page("models")
    at.selectbox(key="models_version").set_value(ref).run()
    return at


def test_activate_with_a_reason_moves_the_active_pointer_and_records_it(home: Path, desk: Desk):
    at = models_page_on(V2)
    at.button(key="activate").click().run()
    assert "Make **XAUUSD-M5-scalper:v2** the active model" in "".join(m.value for m in at.markdown)
    at.text_input(key="activate_reason").set_value("v2 trades the London open better")
    at.button(key="activate_confirm").click().run()
    assert not at.exception
    assert desk.registry.active_version().ref == V2
    event = desk.activation_history()[0]
    assert (event.to_ref, event.from_ref, event.actor) == (V2, V3, actor())
    assert event.reason == "v2 trades the London open better"
    audit = desk.audit_log(1)[0]
    assert (audit.action, audit.target) == ("model.activate", V2)
    assert "XAUUSD-M5-scalper:v2 is active (was XAUUSD-M5-scalper:v3)." in messages(at)


def test_activate_without_a_reason_is_refused(home: Path, desk: Desk):
    at = models_page_on(V2)
    at.button(key="activate").click().run()
    at.button(key="activate_confirm").click().run()
    assert "Give a reason" in messages(at)
    assert desk.registry.active_version().ref == V3


def test_cancel_closes_the_dialog_without_acting(home: Path, desk: Desk):
    at = models_page_on(V2)
    at.button(key="activate").click().run()
    at.button(key="activate_cancel").click().run()
    assert not [b for b in at.button if b.key == "activate_confirm"]
    assert desk.registry.active_version().ref == V3


def test_roll_back_restores_the_previous_version(home: Path, desk: Desk):
    at = open_page("models")
    at.button(key="rollback").click().run()
    assert "Re-activate **XAUUSD-M5-scalper:v1**" in "".join(m.value for m in at.markdown)
    at.text_input(key="rollback_reason").set_value("v3 loses live")
    at.button(key="rollback_confirm").click().run()
    assert desk.registry.active_version().ref == V1
    event = desk.activation_history()[0]
    assert (event.kind, event.to_ref, event.reason) == ("rollback", V1, "v3 loses live")
    assert desk.audit_log(1)[0].action == "model.rollback"


def test_pin_and_unpin_wait_for_a_confirmation(home: Path, desk: Desk):
    at = models_page_on(V2)
    assert at.button(key="pin").label == "Pin…"
    at.button(key="pin").click().run()
    assert "Pin **XAUUSD-M5-scalper:v2**" in "".join(m.value for m in at.markdown)
    assert not desk.version(V2).pinned  # nothing yet: the dialog asks first
    at.button(key="pin_cancel").click().run()
    assert not desk.version(V2).pinned
    assert not [b for b in at.button if b.key == "pin_confirm"]
    at.button(key="pin").click().run()
    at.button(key="pin_confirm").click().run()
    assert desk.version(V2).pinned
    assert desk.audit_log(1)[0].action == "model.pin"
    assert "XAUUSD-M5-scalper:v2 pinned: cleanup keeps its file." in messages(at)
    assert at.button(key="pin").label == "Unpin…"
    at.button(key="pin").click().run()
    assert "Unpin **XAUUSD-M5-scalper:v2**" in "".join(m.value for m in at.markdown)
    assert desk.version(V2).pinned
    at.button(key="pin_confirm").click().run()
    assert not desk.version(V2).pinned
    assert desk.audit_log(1)[0].action == "model.unpin"


def test_pin_and_cleanup_keep_what_must_be_kept(home: Path, desk: Desk):
    at = models_page_on(V2)
    at.button(key="pin").click().run()
    at.button(key="pin_confirm").click().run()
    assert desk.version(V2).pinned
    at.button(key="pin").click().run()  # unpin again
    at.button(key="pin_confirm").click().run()
    assert not desk.version(V2).pinned
    at.button(key="cleanup").click().run()
    at.number_input(key="cleanup_keep").set_value(1)
    at.button(key="cleanup_confirm").click().run()
    assert desk.version(V2).status == "cleaned"
    assert {desk.version(V1).status, desk.version(V3).status} == {"archived", "active"}
    assert "Cleanup removed 1 file(s)" in messages(at)


def test_out_of_bounds_config_value_is_refused_at_the_field(home: Path, desk: Desk):
    file = desk.paths.config_file
    before = file.read_bytes()
    at = open_page("configuration")
    at.number_input(key="cfg:max_models_to_keep").set_value(0).run()
    errors = [e.value for e in at.error]
    assert any(
        e.startswith("max_models_to_keep:") and "greater than or equal to 1" in e for e in errors
    )
    assert at.button(key="save_config").disabled
    assert file.read_bytes() == before
    assert len(desk.config_history()) == 1


def test_the_form_reloads_when_the_file_changes_elsewhere(home: Path, desk: Desk):
    at = open_page("configuration")
    desk.set_config("max_models_to_keep", "15", actor="cli")
    at.run()
    assert "changed since this form was drawn" in messages(at)
    assert at.number_input(key="cfg:max_models_to_keep").value == 15
    at.run()
    assert "changed since this form was drawn" not in messages(at)


def test_cross_field_rule_is_refused_with_the_keys_named(home: Path, desk: Desk):
    at = open_page("configuration")
    at.number_input(key="cfg:learning.purge_bars").set_value(3).run()
    assert any("learning.purge_bars must be at least" in e.value for e in at.error)
    assert at.button(key="save_config").disabled


def test_valid_change_is_saved_recorded_and_revertible(home: Path, desk: Desk):
    file = desk.paths.config_file
    at = open_page("configuration")
    at.number_input(key="cfg:max_models_to_keep").set_value(12).run()
    diff = next(d.value for d in at.dataframe if "before" in d.value.columns)
    assert diff.to_dict("records") == [{"key": "max_models_to_keep", "before": "10", "after": "12"}]
    at.button(key="save_config").click().run()
    at.text_input(key="save_config_reason").set_value("keep more models")
    at.button(key="save_config_confirm").click().run()
    assert not at.exception
    assert json.loads(file.read_text())["max_models_to_keep"] == 12
    change = desk.config_history()[0]
    assert (change.actor, change.reason) == (actor(), "keep more models")
    assert change.diff == {"max_models_to_keep": (10, 12)}
    assert at.number_input(key="cfg:max_models_to_keep").value == 12
    assert "changed since this form was drawn" not in messages(at)

    at.selectbox(key="change_pick").set_value(change.id).run()
    at.button(key="revert_config").click().run()
    at.text_input(key="revert_config_reason").set_value("  ten were enough ")
    at.button(key="revert_config_confirm").click().run()
    assert json.loads(file.read_text())["max_models_to_keep"] == 10
    reverted = desk.config_history()[0]
    assert reverted.reason == f"revert change #{change.id}: ten were enough"  # the note typed
    assert desk.audit_log(1)[0].detail["reason"] == reverted.reason
    assert at.number_input(key="cfg:max_models_to_keep").value == 10


def test_retrain_now_asks_first_and_cancel_queues_nothing(home: Path, desk: Desk):
    before = [s.id for s in desk.learning_sessions()]
    at = open_page("learning")
    at.button(key="retrain").click().run()
    assert "Queue a learning session on XAUUSD M5" in "".join(m.value for m in at.markdown)
    assert [s.id for s in desk.learning_sessions()] == before
    at.button(key="retrain_cancel").click().run()
    assert [s.id for s in desk.learning_sessions()] == before
    assert not at.get("progress")


def test_retrain_now_queues_and_the_page_follows_it_to_the_end(home: Path, desk: Desk):
    at = open_page("learning")
    at.button(key="retrain").click().run()
    at.button(key="retrain_confirm").click().run()
    queued = desk.learning_sessions(1)[0]
    assert (queued.status, queued.requested_by, queued.trigger) == ("queued", actor(), "manual")
    progress = at.get("progress")
    assert progress and "waiting for the background worker" in progress[0].proto.text
    assert run_next(desk) == queued.id  # the background worker's job, played by the test
    at.run()
    done = desk.learning_session(queued.id)
    assert done.status in ("succeeded", "no_improvement")
    assert f"Session #{queued.id} finished" in messages(at)
    assert not at.get("progress")
    assert frame_sessions(at)[0] == queued.id


def frame_sessions(at: AppTest) -> list[int]:
    table = next(d.value for d in at.dataframe if "trigger" in d.value.columns)
    return list(table["session"])


def bars_csv(n: int = 300, *, break_row: int | None = None) -> bytes:
    bars = generate_bars(start="2026-01-05", n_bars=n, seed=3)
    bars["time"] = bars["time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    if break_row is not None:
        bars.loc[break_row, "high"] = bars.loc[break_row, "low"] - 1.0
    return bars.to_csv(index=False).encode()


def test_importing_a_bars_file_previews_then_stores_it(home: Path, desk: Desk):
    at = open_page("data")
    at.file_uploader(key="bars_file").set_value(("export.csv", bars_csv(), "text/csv")).run()
    at.text_input(key="bars_symbol").set_value("XAUTEST").run()
    assert "300 valid csv bars" in messages(at)
    preview = next(d.value for d in at.dataframe if "time (UTC)" in d.value.columns)
    assert len(preview) == 10
    at.checkbox(key="bars_confirm").check().run()
    at.button(key="bars_import").click().run()
    assert "Imported 300 XAUTEST M5 bars: 300 new" in messages(at)
    stored = {(s.symbol, s.timeframe): s.bars for s in desk.bar_series()}
    assert stored[("XAUTEST", "M5")] == 300
    event = desk.audit_log(1)[0]
    assert (event.action, event.detail["file"]) == ("data.import_bars", "export.csv")  # not a hash
    assert at.checkbox(key="bars_confirm").value is False  # the next import is confirmed again
    assert at.button(key="bars_import").disabled


def test_a_bad_bars_file_is_refused_with_its_line_number(home: Path, desk: Desk):
    at = open_page("data")
    at.file_uploader(key="bars_file").set_value(
        ("bad.csv", bars_csv(break_row=4), "text/csv")
    ).run()
    refused = [e.value for e in at.error]
    assert refused and "line 6" in refused[0] and "nothing was imported" in refused[0]
    assert refused[0].startswith("bad.csv: refused")  # the file as uploaded, not its kept copy
    assert not [b for b in at.button if b.key == "bars_import"]
    assert len(desk.bar_series()) == 1


@pytest.mark.parametrize("broken", [False, True])
def test_trade_history_import_logs_valid_files_only(home: Path, desk: Desk, broken: bool):
    v3 = desk.version(V3)
    rows = [
        "ticket,side,open_time,close_time,open_price,close_price,volume,profit,version_id",
        f"imp-1,buy,2026-11-20 10:00,2026-11-20 10:30,2650,2652,0.1,20,{v3.id}",
        f"imp-2,{'hold' if broken else 'sell'},2026-11-20 11:00,2026-11-20 11:20,2652,2651,0.1,10,",
    ]
    before = desk.counts()["trades"]
    at = open_page("data")
    at.file_uploader(key="trades_file").set_value(("t.csv", "\n".join(rows).encode(), "text/csv"))
    at.run()
    if broken:
        assert "line 3" in messages(at)
        assert desk.counts()["trades"] == before
        return
    at.checkbox(key="trades_confirm").check().run()
    at.button(key="trades_import").click().run()
    assert "Trades: 2 new, 0 already logged." in messages(at)
    assert desk.counts()["trades"] == before + 2
    assert at.checkbox(key="trades_confirm").value is False


REAL_MT5 = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / ("XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv")
)


@pytest.mark.realdata
def test_a_real_mt5_export_is_imported_from_the_page(fresh_home: Path):
    if not REAL_MT5.exists():
        pytest.skip(f"real MT5 export not found at {REAL_MT5} (a clone has no ../shared/data)")
    at = open_page("data")
    at.selectbox(key="bars_tz").set_value("Europe/Athens")
    at.file_uploader(key="bars_file").set_value(
        (REAL_MT5.name, REAL_MT5.read_bytes(), "text/tab-separated-values")
    ).run()
    assert "58,230 valid mt5 bars, 2025-01-01 23:00 → 2025-10-27 20:55 UTC" in messages(at)
    at.checkbox(key="bars_confirm").check().run()
    at.button(key="bars_import").click().run()
    assert "Imported 58,230 XAUUSD M5 bars: 58,230 new" in messages(at)
    with Desk.open(str(fresh_home)) as desk:
        (series,) = desk.bar_series()
        assert (series.symbol, series.timeframe, series.bars) == ("XAUUSD", "M5", 58_230)


def test_the_models_page_offers_the_version_as_an_onnx_file(home: Path, desk: Desk):
    at = models_page_on(V2)
    assert "onnx_file" not in at.session_state  # built only when asked for
    at.button(key="onnx_prepare").click().run()
    assert not at.exception and not at.error
    offered = at.session_state["onnx_file"]
    assert offered[0] == V2 and offered[1].name == "XAUUSD-M5-scalper-v2.onnx"
    assert len(offered[1].data) > 100_000
