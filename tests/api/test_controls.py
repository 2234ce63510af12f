"""Trading controls through the HTTP bridge and the controller: a token holder pauses and
resumes, every signal is then HOLD with `paused` and the reason, `/v1/active` says so, and
signals carry the lots and money at risk the sizing function gives for their own stop."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from engine.controller import Phase3Controller
from engine.learner.predict import SignalModel
from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient
from tests.api.test_bridge import rates


def trading_window(desk: Any) -> pd.DataFrame:
    """800 stored bars whose last bar the served model answers BUY or SELL (before controls)."""
    history = desk.bars("XAUUSD", "M5")
    model, info = desk.registry.load_model(1)
    signals = SignalModel(model, info)
    for end in range(len(history), len(history) - 300, -1):
        window = history.iloc[end - 800 : end].reset_index(drop=True)
        if signals.signal(window).side != "HOLD":
            return window
    raise AssertionError("no BUY or SELL in the last 300 bars of the served desk")


def lots_by_hand(budget: float, stop_distance: float) -> tuple[float, float]:
    """Default costs: slippage 2 points each way, commission 7 per lot, 100 oz per lot."""
    per_lot = (stop_distance + 0.04) * 100 + 7.0
    lots = math.floor(budget / per_lot / 0.01 + 1e-6) * 0.01
    return round(lots, 2), round(round(lots, 2) * per_lot, 2)


def test_a_token_holder_pauses_and_every_signal_is_hold_with_the_reason(bridge: LiveBridge):
    window = rates(trading_window(bridge.desk))
    client = Mt5LikeClient(bridge.url, bridge.token)
    before = client.signal("XAUUSD", "M5", window).body
    assert before["side"] in ("BUY", "SELL") and not before["paused"] and before["lots"] == 0.1

    paused = client.call("POST", "/v1/pause", {"reason": "NFP at 13:30 UTC"})
    assert paused.status == 200
    assert {k: paused.body[k] for k in ("paused", "changed", "reason", "actor", "rule")} == {
        "paused": True,
        "changed": True,
        "reason": "NFP at 13:30 UTC",
        "actor": "api:ea-test",
        "rule": None,
    }
    held = client.signal("XAUUSD", "M5", window).body
    assert (held["side"], held["paused"], held["pause_reason"]) == (
        "HOLD",
        True,
        "NFP at 13:30 UTC",
    )
    assert (held["lots"], held["risk_money"], held["stop_loss"], held["take_profit"]) == (
        0.0,
        0.0,
        None,
        None,
    )
    assert held["sizing"] == "HOLD: trading is paused: NFP at 13:30 UTC"
    assert held["p_long"] == before["p_long"]  # the model's view is still shown
    active = client.active().body
    assert active["paused"] is True and active["pause"]["reason"] == "NFP at 13:30 UTC"

    again = client.call("POST", "/v1/pause", {"reason": "twice"})
    assert (again.body["changed"], again.body["reason"]) == (False, "NFP at 13:30 UTC")
    resumed = client.call("POST", "/v1/resume", {"reason": "released"})
    assert (resumed.status, resumed.body["paused"], resumed.body["changed"]) == (200, False, True)
    assert client.signal("XAUUSD", "M5", window).body == before
    assert client.active().body["paused"] is False and client.active().body["pause"] is None

    actions = [(a.action, a.actor) for a in bridge.desk.audit_log() if a.target == "signals"]
    assert actions == [("trading.resume", "api:ea-test"), ("trading.pause", "api:ea-test")]
    alerts = [(a.rule, a.severity) for a in bridge.desk.alerts()]
    assert alerts == [("pause", "info"), ("pause", "critical")]
    client.close()


def test_pause_needs_a_reason_and_a_token(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    empty = client.call("POST", "/v1/pause", {"reason": ""})
    assert empty.status == 422 and empty.body["errors"][0]["field"] == "reason"
    assert client.call("POST", "/v1/pause", {}).status == 422
    blank = client.call("POST", "/v1/pause", {"reason": "   "})
    assert blank.status == 422 and "needs a reason" in blank.body["detail"]
    anonymous = Mt5LikeClient(bridge.url, None)
    for path in ("/v1/pause", "/v1/resume"):
        assert anonymous.call("POST", path, {"reason": "x"}).status == 401
    assert not bridge.desk.pause_state().paused and bridge.desk.pause_history() == []
    client.close()
    anonymous.close()


def test_signals_are_sized_on_the_reported_balance_at_their_own_stop(bridge: LiveBridge):
    desk = bridge.desk
    desk.set_config("risk.sizing", "risk_percent", actor="test")
    desk.set_config("risk.risk_percent", "0.5", actor="test")
    window = rates(trading_window(desk))
    body = {
        "symbol": "XAUUSD",
        "timeframe": "M5",
        "bars": {k: [r[k] for r in window] for k in window[0]},
        "account": {"balance": 40_000.0},
    }
    client = Mt5LikeClient(bridge.url, bridge.token)
    got = client.call("POST", "/v1/signal", body).body
    assert got["side"] in ("BUY", "SELL") and got["stop_distance"] > 0
    want = lots_by_hand(200.0, got["stop_distance"])  # 0.5 % of 40,000
    assert (got["lots"], got["risk_money"]) == want and want[0] >= 0.01
    assert "0.5% of balance $40,000.00 (reported)" in got["sizing"]

    body["account"] = {"balance": 100.0}  # 0.50 of risk: below one minimum lot
    small = client.call("POST", "/v1/signal", body).body
    assert (small["side"], small["lots"], small["paused"]) == ("HOLD", 0.0, False)
    assert small["sizing"].startswith(f"{got['side']} held: 0.5% of balance $100.00")
    assert small["sizing"].endswith("below the minimum risk.min_lots 0.01")

    del body["account"]  # no balance sent: account.initial_balance (10,000)
    default = client.call("POST", "/v1/signal", body).body
    assert (default["lots"], default["risk_money"]) == lots_by_hand(50.0, got["stop_distance"])
    assert "(account.initial_balance)" in default["sizing"]
    client.close()


def test_the_controller_serves_the_pause_and_the_size(api_desk: Any):
    window = trading_window(api_desk)
    phase3 = Phase3Controller(desk=api_desk)
    first = phase3.predict_signal(window)
    assert first.side in ("BUY", "SELL") and first.lots == 0.1  # risk.fixed_lots by default
    assert first.risk_money == pytest.approx(0.1 * ((first.stop_distance + 0.04) * 100 + 7.0))
    assert first.sizing == "fixed 0.1 lots → 0.1 lots"
    api_desk.pause("manual stop", actor="test")  # another process's pause: seen at once
    held = phase3.predict_signal(window)
    assert (held.side, held.paused, held.pause_reason, held.lots) == (
        "HOLD",
        True,
        "manual stop",
        0.0,
    )
    api_desk.resume(actor="test")
    assert phase3.predict_signal(window) == first
    api_desk.set_config("risk.sizing", "risk_percent", actor="test")  # config read again
    sized = phase3.predict_signal(window, balance=20_000.0)
    assert (sized.lots, sized.risk_money) == lots_by_hand(200.0, first.stop_distance)


def test_trades_logged_over_http_trip_the_daily_loss_limit(
    bridge: LiveBridge, monkeypatch: pytest.MonkeyPatch
):
    """The trading side reports a losing day; the next signal is HOLD naming the rule."""
    from datetime import UTC, datetime

    from engine.controls import pause

    monkeypatch.setattr(pause, "now", lambda: datetime(2026, 3, 2, 15, tzinfo=UTC))
    bridge.desk.set_config("risk.daily_loss_limit", "250", actor="test")
    losing = [
        {
            "ticket": f"90{k}",
            "symbol": "XAUUSD",
            "side": "sell",
            "open_time": f"2026-03-02T1{k}:00:00Z",
            "close_time": f"2026-03-02T1{k}:20:00Z",
            "volume": 0.1,
            "profit": -130.0,
            "commission": -0.7,
        }
        for k in range(2)
    ]
    client = Mt5LikeClient(bridge.url, bridge.token)
    assert client.report(losing).status == 200
    window = rates(trading_window(bridge.desk))
    held = client.signal("XAUUSD", "M5", window).body
    assert (held["side"], held["paused"]) == ("HOLD", True)
    assert held["pause_reason"] == (
        "daily loss limit: live trades closed on 2026-03-02 (UTC) lost $261.40, "
        "limit $250.00 (risk.daily_loss_limit)"
    )
    pause_now = client.active().body["pause"]
    assert (pause_now["rule"], pause_now["figure"], pause_now["limit"]) == (
        "daily_loss_limit",
        261.4,
        250.0,
    )
    client.close()


def test_aurum_signal_carries_the_size_and_the_pause(
    api_home: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
):
    import json

    from engine.cli.main import main
    from engine.services import Desk

    with Desk.open(str(api_home)) as desk:
        window = trading_window(desk)
        desk.set_config("risk.sizing", "risk_percent", actor="test")
    path = tmp_path / "recent.csv"
    out = window.assign(time=window["time"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    out.rename(columns={"spread_points": "spread"}).to_csv(path, index=False)
    home = ["--home", str(api_home)]

    assert main(["signal", str(path), *home, "--json", "--balance", "20000"]) == 0
    sized = json.loads(capsys.readouterr().out)
    assert sized["side"] in ("BUY", "SELL") and sized["paused"] is False
    assert (sized["lots"], sized["risk_money"]) == lots_by_hand(200.0, sized["stop_distance"])
    assert main(["signal", str(path), *home]) == 0
    text = capsys.readouterr().out
    assert f"{sized['side']} " in text and "lots," in text and "(account.initial_balance)" in text
    assert main(["signal", str(path), *home, "--balance", "-5"]) == 1
    assert "--balance must be a number above 0" in capsys.readouterr().err

    assert main(["pause", "--reason", "broker maintenance", *home, "--actor", "olga"]) == 0
    capsys.readouterr()
    assert main(["signal", str(path), *home, "--json"]) == 0
    held = json.loads(capsys.readouterr().out)
    assert (held["side"], held["paused"], held["pause_reason"], held["lots"]) == (
        "HOLD",
        True,
        "broker maintenance",
        0.0,
    )
    assert main(["resume", *home]) == 0
