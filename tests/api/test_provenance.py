"""Provenance over the bridge: every signal and `/v1/active` say what the version learnt from; a
version trained on generated bars (DEMO) answers HOLD with the reason unless
serving.allow_demo_models is set; the recorder never puts live bars into a generated series."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text

from engine.controller import Phase3Controller
from engine.errors import DemoModelRefusedError
from engine.services import Desk
from tests.api.conftest import LiveBridge, running_server
from tests.api.mt5_client import Mt5LikeClient
from tests.api.test_bridge import _cut, _post_windows, rates

REASON = (
    "the active model XAUUSD-M5-scalper:v1 was trained on generated bars; set "
    "serving.allow_demo_models to serve it"
)


def _iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_demo(desk: Desk, *, bars_too: bool = False) -> None:
    """Mark version 1 as trained on generated bars (and, with `bars_too`, its series as the
    demo's generated bars), as `aurum demo` would have stored them."""
    with desk.db.engine.begin() as conn:
        conn.execute(text("UPDATE model_versions SET data_origin = 'generated' WHERE id = 1"))
        if bars_too:
            conn.execute(text("UPDATE bars SET origin = 'generated'"))
            conn.execute(text("UPDATE bar_origins SET origin = 'generated'"))


def test_a_signal_says_what_its_version_learnt_from(bridge: LiveBridge):
    info = bridge.desk.registry.get(1)
    client = Mt5LikeClient(bridge.url, bridge.token)
    reply = client.signal("XAUUSD", "M5", rates(bridge.desk.bars("XAUUSD", "M5", last=800)))
    assert reply.status == 200
    body = reply.body
    assert (body["demo"], body["data_origin"], body["reason"]) == (False, "imported", None)
    assert body["trained_on"] == {
        "symbol": "XAUUSD",
        "timeframe": "M5",
        "first": _iso(info.train_start),
        "last": _iso(info.train_end),
    }
    assert body["trained_on"]["first"] == "2025-01-06T00:00:00Z"  # the first stored bar
    client.close()


def test_a_demo_version_answers_hold_with_the_reason_without_the_opt_in(api_desk: Desk):
    from engine.api.tokens import add_token

    make_demo(api_desk)
    token = add_token(api_desk, "ea-demo", actor="test").token
    window = api_desk.bars("XAUUSD", "M5", last=800)
    with running_server(api_desk) as url:
        client = Mt5LikeClient(url, token)
        reply = client.signal("XAUUSD", "M5", rates(window))
        assert reply.status == 200
        body = reply.body
        assert (body["side"], body["demo"], body["data_origin"]) == ("HOLD", True, "generated")
        assert body["reason"] == REASON
        assert (body["p_long"], body["p_short"], body["confidence"]) == (0.0, 0.0, 0.0)
        assert (body["stop_loss"], body["take_profit"]) == (None, None)
        assert body["bar_time"] == _iso(window["time"].iloc[-1])
        assert body["entry_price"] == float(window["close"].iloc[-1])
        (active,) = client.active().body["active"]
        assert (active["demo"], active["data_origin"], active["reason"]) == (
            True,
            "generated",
            REASON,
        )
        client.close()


def test_with_the_opt_in_a_demo_version_is_served_and_flagged(api_desk: Desk):
    from engine.api.tokens import add_token

    make_demo(api_desk)
    api_desk.set_config("serving.allow_demo_models", "true", actor="test")
    token = add_token(api_desk, "ea-demo", actor="test").token
    window = api_desk.bars("XAUUSD", "M5", last=800)
    own = Phase3Controller(desk=api_desk).predict_signal(window, symbol="XAUUSD", timeframe="M5")
    assert own.reason is None and own.demo and own.p_long + own.p_short > 0.5
    with running_server(api_desk) as url:
        client = Mt5LikeClient(url, token)
        body = client.signal("XAUUSD", "M5", rates(window)).body
        assert (body["side"], body["p_long"], body["p_short"]) == (
            own.side,
            own.p_long,
            own.p_short,
        )
        assert (body["demo"], body["data_origin"], body["reason"]) == (True, "generated", None)
        assert client.active().body["active"][0]["reason"] is None
        client.close()


def test_the_controller_refuses_a_demo_model_without_the_opt_in(api_desk: Desk):
    make_demo(api_desk)
    phase3 = Phase3Controller(desk=api_desk)
    bars = api_desk.bars("XAUUSD", "M5", last=800)
    with pytest.raises(DemoModelRefusedError, match=r"set serving\.allow_demo_models to serve"):
        phase3.get_active_model_for_prediction()
    held = phase3.predict_signal(bars)
    assert (held.side, held.reason, held.demo, held.version_id) == ("HOLD", REASON, True, 1)
    api_desk.set_config("serving.allow_demo_models", "true", actor="test")
    model, metadata = phase3.get_active_model_for_prediction()
    assert hasattr(model, "predict_proba") and metadata["demo"] is True
    assert metadata["data_origin"] == "generated" and metadata["trained_on"].symbol == "XAUUSD"
    served = phase3.predict_signal(bars)
    assert served.reason is None and served.p_long + served.p_short > 0.5


def test_aurum_signal_answers_hold_for_a_demo_model(
    api_desk: Desk, tmp_path: Any, capsys: pytest.CaptureFixture[str]
):
    import json

    from engine.cli.main import main

    make_demo(api_desk)
    recent = api_desk.bars("XAUUSD", "M5", last=800)
    path = tmp_path / "recent.csv"
    recent.rename(columns={"spread_points": "spread"}).to_csv(path, index=False)
    home = str(api_desk.paths.root)
    assert main(["signal", str(path), "--home", home, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["side"], out["reason"], out["demo"]) == ("HOLD", REASON, True)
    assert main(["signal", str(path), "--home", home]) == 0
    last = recent["time"].iloc[-1]
    assert capsys.readouterr().out.startswith(f"HOLD at bar {last:%Y-%m-%d %H:%M} UTC: {REASON}")


def test_live_bars_never_join_a_generated_series(api_desk: Desk):
    """The recorder skips a market whose series holds generated bars, says so once in the log
    and in /v1/health, stores nothing there, and the signal is answered all the same."""
    from engine.api.tokens import add_token

    make_demo(api_desk, bars_too=True)
    api_desk.set_config("serving.allow_demo_models", "true", actor="test")
    history = api_desk.bars("XAUUSD", "M5")
    keep = len(history) - 20
    _cut(api_desk, history, keep)
    token = add_token(api_desk, "ea-live", actor="test").token
    with running_server(api_desk) as url:
        _post_windows(url, token, [history.iloc[len(history) - 800 :]])
        client = Mt5LikeClient(url, token)
        deadline = time.monotonic() + 20
        notes: list[str] = []
        while not notes and time.monotonic() < deadline:
            notes = client.call("GET", "/v1/health").body["notes"]
            time.sleep(0.05)
        client.close()
    assert notes == [
        "live XAUUSD M5 bars are not stored: the series holds generated (demo) bars, which real "
        f"bars never join. `aurum demo --remove --home {api_desk.paths.root}` takes the demo out."
    ]
    assert len(api_desk.bars("XAUUSD", "M5")) == keep
    assert [s.origin for s in api_desk.bar_series()] == ["generated"]


def test_live_bars_beside_imported_ones_make_a_mixed_series_and_version(api_desk: Desk):
    """Imported and live bars share a series; a version trained over both is `mixed`."""
    from engine.api.tokens import add_token
    from engine.registry import NewVersion

    history = api_desk.bars("XAUUSD", "M5")
    keep = len(history) - 20
    _cut(api_desk, history, keep)
    token = add_token(api_desk, "ea-mixed", actor="test").token
    with running_server(api_desk) as url:
        _post_windows(url, token, [history.iloc[len(history) - 800 :]])
        deadline = time.monotonic() + 20
        while len(api_desk.bars("XAUUSD", "M5")) < len(history) and time.monotonic() < deadline:
            time.sleep(0.05)
    (series,) = api_desk.bar_series()
    assert (series.origin, series.origins, series.bars) == (
        "mixed",
        ("imported", "live"),
        len(history),
    )
    with api_desk.db.engine.connect() as conn:
        live = conn.execute(text("SELECT COUNT(*) FROM bars WHERE origin = 'live'")).scalar()
    assert live == 20  # the bars after the newest stored one
    model, _ = api_desk.registry.load_model(1)
    times = history["time"]
    spans = {
        "mixed": (times.iloc[0], times.iloc[-1]),
        "imported": (times.iloc[0], times.iloc[keep - 1]),
        "live": (times.iloc[keep], times.iloc[-1]),
    }
    for expected, (start, end) in spans.items():
        info = api_desk.registry.register(
            model,
            NewVersion(
                lineage="XAUUSD-M5-scalper",
                symbol="XAUUSD",
                timeframe="M5",
                algorithm="logistic_regression",
                train_start=start.to_pydatetime(),
                train_end=end.to_pydatetime(),
            ),
        )
        assert (info.data_origin, info.is_demo) == (expected, False)
        assert api_desk.version(info.id).data_origin == expected
