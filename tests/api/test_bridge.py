"""The HTTP bridge over a real uvicorn server on loopback, driven by an MT5-like client."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete

from engine.api.models import SignalOut
from engine.controller import Phase3Controller
from engine.db.schema import Bar
from engine.registry import NewVersion
from tests.api.conftest import LiveBridge, registered_on, running_server
from tests.api.mt5_client import Mt5LikeClient


def rates(bars: pd.DataFrame) -> list[dict[str, Any]]:
    """Bars as an EA holds them (MqlRates fields, times in UTC seconds)."""
    return [
        {
            "time": int(row.time.timestamp()),
            "open": float(row.open),
            "high": float(row.high),
            "low": float(row.low),
            "close": float(row.close),
            "tick_volume": int(row.tick_volume),
            "spread": int(row.spread_points),
        }
        for row in bars.itertuples()
    ]


def expected(phase3: Phase3Controller, bars: pd.DataFrame) -> dict[str, Any]:
    """The controller's own signal for the same bars, as the API's JSON."""
    sig = phase3.predict_signal(bars.reset_index(drop=True), symbol="XAUUSD", timeframe="M5")
    out = SignalOut(**asdict(sig), lineage="XAUUSD-M5-scalper", symbol="XAUUSD", timeframe="M5")
    return json.loads(out.model_dump_json())


def trade(ticket: str, **values: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "symbol": "XAUUSD",
        "side": "buy",
        "open_time": "2025-02-04T10:00:00Z",
        "close_time": "2025-02-04T10:25:00Z",
        "open_price": 2600.5,
        "close_price": 2603.0,
        "volume": 0.1,
        "profit": 25.0,
        "commission": -0.7,
        **values,
    }


SENT = 800  # bars an EA sends: at least the version's min_history_bars (768 for M5 with H1)


def audit_of(bridge: LiveBridge, action: str) -> list[Any]:
    return [a for a in bridge.desk.audit_log() if a.action == action]


def test_an_mt5_like_client_gets_signals_and_reports_trades_with_a_token(bridge: LiveBridge):
    """Bar by bar over the last 300 bars the client asks for a signal on the 800 bars before
    it; each equals the controller's own signal for those bars, field for field. Each BUY/SELL
    becomes a position closed 3 bars later and reported with the signal's version."""
    history = bridge.desk.bars("XAUUSD", "M5")
    phase3 = Phase3Controller(desk=bridge.desk)
    client = Mt5LikeClient(bridge.url, bridge.token)
    active = client.active()
    assert active.status == 200
    assert [a["version_ref"] for a in active.body["active"]] == ["XAUUSD-M5-scalper:v1"]
    closed = []
    for end in range(len(history) - 300, len(history) - 3):
        window = history.iloc[end - SENT : end]
        reply = client.signal("XAUUSD", "M5", rates(window))
        assert reply.status == 200, reply.body
        assert reply.body == expected(phase3, window)
        if reply.body["side"] != "HOLD":
            entry, exit_ = history.iloc[end - 1], history.iloc[end + 2]
            sign = 1 if reply.body["side"] == "BUY" else -1
            closed.append(
                trade(
                    f"5000{end}",
                    side=reply.body["side"].lower(),
                    open_time=entry.time.isoformat(),
                    close_time=exit_.time.isoformat(),
                    open_price=reply.body["entry_price"],
                    close_price=float(exit_.close),
                    profit=round(sign * (exit_.close - entry.close) * 10, 2),
                    version_id=reply.body["version_id"],
                    confidence=reply.body["confidence"],
                )
            )
    assert closed, "no BUY or SELL in 300 bars: the client test would not report a trade"
    reported = client.report(closed)
    assert reported.status == 200
    assert (reported.body["new"], reported.body["unchanged"]) == (len(closed), 0)
    ledger = {t.ticket: t for t in bridge.desk.trades(1)}
    for sent in closed:
        logged = ledger[sent["ticket"]]
        assert logged.net_profit == pytest.approx(sent["profit"] - 0.7)
        assert (logged.side, logged.version_id, logged.source) == (sent["side"], 1, "live")
    batches = audit_of(bridge, "trades.log_batch")
    assert [(a.actor, a.detail["new"]) for a in batches] == [("api:ea-test", len(closed))]
    client.close()


def test_without_a_valid_token_everything_but_health_is_refused(bridge: LiveBridge):
    window = rates(bridge.desk.bars("XAUUSD", "M5", last=SENT))
    for token in (None, "aur_not-a-token", bridge.token + "x", ""):
        client = Mt5LikeClient(bridge.url, token)
        assert client.call("GET", "/v1/health").status == 200
        for reply in (
            client.active(),
            client.signal("XAUUSD", "M5", window),
            client.report([trade("7001")]),
            client.call("GET", "/v1/report"),
            client.call("POST", "/v1/pause", {"reason": "x"}),
            client.call("POST", "/v1/resume", {"reason": "x"}),
        ):
            assert reply.status == 401
            assert reply.headers["www-authenticate"] == "Bearer"
            assert "aurum token add" in reply.body["detail"]
        client.close()
    assert bridge.desk.trades() == [] and audit_of(bridge, "trades.log_batch") == []
    assert bridge.desk.pause_history() == []


def test_trades_are_idempotent_by_ticket(bridge: LiveBridge):
    """The same batch again is `unchanged`; a ticket with other values is 409 and nothing of
    its batch is written; a trade sent without a version keeps the version it was first logged
    with, even when the active model changed before the retry."""
    client = Mt5LikeClient(bridge.url, bridge.token)
    batch = [trade("9001", version_id=1), trade("9002")]
    first = client.report(batch)
    assert first.status == 200 and (first.body["new"], first.body["unchanged"]) == (2, 0)
    assert [t["version_id"] for t in first.body["trades"]] == [1, 1]
    again = client.report(batch)
    assert again.status == 200 and (again.body["new"], again.body["unchanged"]) == (0, 2)
    assert [t["id"] for t in again.body["trades"]] == [t["id"] for t in first.body["trades"]]
    conflict = client.report([trade("9003"), trade("9001", profit=99.0, version_id=1)])
    assert conflict.status == 409
    assert conflict.body["detail"] == (
        "ticket 9001 was already logged with different profit; tickets are unique"
    )
    assert sorted(t.ticket for t in bridge.desk.trades()) == ["9001", "9002"]

    model, v1 = bridge.desk.registry.load_model(1)
    v2 = bridge.desk.registry.register(
        model,
        NewVersion(
            lineage=v1.lineage,
            symbol="XAUUSD",
            timeframe="M5",
            algorithm=v1.algorithm,
            features=v1.features,
            details=v1.details,
        ),
    )
    registered_on(bridge.desk, v2.id)
    bridge.desk.activate(v2.id, actor="test")
    retry = client.report([trade("9002")])
    assert retry.status == 200 and retry.body["trades"][0]["version_id"] == 1
    assert retry.body["unchanged"] == 1
    fresh = client.report([trade("9004")])
    assert fresh.body["trades"][0]["version_id"] == v2.id
    numeric = client.report([trade(9005, version_id=1)])  # MT5 tickets are numbers
    assert numeric.status == 200 and numeric.body["trades"][0]["ticket"] == "9005"
    body = json.dumps({"trades": [trade("9006", version_id=1)]}).encode() + b"\x00"
    with_nul = client.call("POST", "/v1/trades", raw=body)  # as MQL5 sends a char array
    assert with_nul.status == 200 and with_nul.body["new"] == 1
    client.close()


def test_a_trade_of_a_market_without_a_model_is_refused(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    reply = client.report([trade("8001", symbol="EURUSD")])
    assert reply.status == 422
    assert reply.body["detail"].startswith("trade 8001: no model to attribute it to (no active")
    assert "send the signal's version_id" in reply.body["detail"]
    unknown = client.report([trade("8002", version_id=77)])
    assert unknown.status == 422 and "77" in unknown.body["detail"]
    assert bridge.desk.trades() == []
    client.close()


def test_bodies_over_the_limit_get_413_before_they_are_read(bridge: LiveBridge):
    """The test server's limit is 256 KiB: a declared larger body is refused from its
    Content-Length; a chunked body is refused once it streams past the limit."""
    client = Mt5LikeClient(bridge.url, bridge.token)
    big = rates(bridge.desk.bars("XAUUSD", "M5", last=5000))
    reply = client.signal("XAUUSD", "M5", big)
    assert reply.status == 413
    assert reply.body["detail"] == (
        "the request body is larger than this server's limit of 262144 bytes"
    )
    client.close()

    body = json.dumps({"trades": [trade(str(n)) for n in range(2000)]}).encode()
    assert len(body) > 256 * 1024
    with socket.create_connection(("127.0.0.1", bridge.port), timeout=30) as sock:
        sock.sendall(
            b"POST /v1/trades HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + bridge.token.encode() + b"\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        status = _stream_chunks(sock, body)
    assert status.startswith(b"HTTP/1.1 413")
    assert bridge.desk.trades() == []


def _stream_chunks(sock: socket.socket, body: bytes) -> bytes:
    """Send `body` in 16 KiB chunks until the server answers; its status line."""
    try:
        for start in range(0, len(body), 16384):
            chunk = body[start : start + 16384]
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the whole body was sent
    return sock.recv(65536).split(b"\r\n", 1)[0]


def test_bad_bodies_get_422_naming_the_field(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    window = rates(bridge.desk.bars("XAUUSD", "M5", last=300))
    bad_close = [dict(r) for r in window]
    bad_close[3]["close"] = -1.0
    cases = [
        (client.signal("XAUUSD", "M5", bad_close), "bars.close.3", "greater than 0"),
        (client.signal("XAUUSD", "M7", window), "timeframe", "'M1'"),
        (client.call("POST", "/v1/signal", {"symbol": "XAUUSD", "timeframe": "M5"}), "bars", ""),
        (
            client.call(
                "POST",
                "/v1/signal",
                {"symbol": "XAUUSD", "timeframe": "M5", "bars": {"time": [1], "close": [2.0]}},
            ),
            "bars.open",
            "Field required",
        ),
        (client.report([trade("1", side="long")]), "trades.0.side", "'buy' or 'sell'"),
        (client.report([trade("1", colour="red")]), "trades.0.colour", "Extra inputs"),
        (client.report([]), "trades", "at least 1 item"),
        (client.call("POST", "/v1/trades", raw=b'{"trades": ['), "body", "not valid JSON"),
    ]
    for reply, field, words in cases:
        assert reply.status == 422, reply.body
        assert field in [e["field"] for e in reply.body["errors"]], reply.body
        assert words in reply.body["detail"] and reply.body["detail"].startswith("request refused")
    ragged = {"time": [1, 2], "open": [1.0], "high": [1.0, 1.0], "low": [1.0, 1.0]}
    body = {"symbol": "XAUUSD", "timeframe": "M5", "bars": {**ragged, "close": [1.0, 1.0]}}
    lengths = client.call("POST", "/v1/signal", body)
    assert lengths.status == 422
    assert "bars.open has 1 values, bars.time has 2" in lengths.body["detail"]
    client.close()


def test_bars_that_cannot_give_a_signal_are_refused_with_the_reason(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    window = rates(bridge.desk.bars("XAUUSD", "M5", last=SENT))
    now = int(datetime.now(UTC).timestamp()) // 300 * 300
    live = [dict(r, time=now - 300 * (len(window) - 1 - k)) for k, r in enumerate(window)]
    broker_time = [dict(r, time=r["time"] + 3 * 3600) for r in live]  # UTC+3 sent as UTC
    unordered = [*window[:-2], window[-1], window[-2]]
    bad_high = [dict(r) for r in window]
    bad_high[10]["high"] = bad_high[10]["low"] - 1
    cases = [
        (broker_time, "h after this server's clock: bar times must be UTC; subtract the broker"),
        (unordered, f"bars.time.{SENT - 1}: bar times must be strictly increasing"),
        (bad_high, "bars.high.10/bars.low.10: high must be the highest"),
        (window[-767:], "767 bars given; XAUUSD-M5-scalper:v1 needs at least 768 M5 bars"),
    ]
    for sent, detail in cases:
        reply = client.signal("XAUUSD", "M5", sent)
        assert reply.status == 422 and detail in reply.body["detail"], reply.body
    assert client.signal("XAUUSD", "M5", live).status == 200  # UTC times up to now are fine
    missing = client.signal("XAGUSD", "M5", window)
    assert missing.status == 404
    assert missing.body["detail"].startswith("no active model for XAGUSD M5 (no lineage)")
    client.close()


def test_a_refused_model_file_is_503_with_the_reason_and_no_traceback(api_desk: Any):
    """A tampered model file is never loaded: the server still starts, says why it cannot
    serve, and answers signals with 503 and the engine's message."""
    from engine.api.tokens import add_token

    token = add_token(api_desk, "ea-test", actor="test").token
    info = api_desk.registry.get(1)
    path = api_desk.paths.artifacts_dir / info.artifact_path
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with running_server(api_desk) as url:
        client = Mt5LikeClient(url, token)
        reply = client.signal("XAUUSD", "M5", rates(api_desk.bars("XAUUSD", "M5", last=SENT)))
        assert reply.status == 503
        assert "sha256" in reply.body["detail"] and "Traceback" not in json.dumps(reply.body)
        assert set(reply.body) == {"detail", "errors"}
        client.close()


def test_active_and_report(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    active = client.active()
    (only,) = active.body["active"]
    info = bridge.desk.registry.get(1)
    assert only == {
        "lineage": "XAUUSD-M5-scalper",
        "symbol": "XAUUSD",
        "timeframe": "M5",
        "version_id": 1,
        "version_ref": "XAUUSD-M5-scalper:v1",
        "algorithm": "logistic_regression",
        "trained_to": info.train_end.isoformat().replace("+00:00", "Z"),
        "min_confidence": info.details["min_confidence"],
        "bars_needed": 768,
        "bars_used": 768,
        "min_history_bars": 768,  # the fixed window: more bars never change the signal
        "fixed_window": True,
        "demo": False,
        "data_origin": "imported",
        "trained_on": {
            "symbol": "XAUUSD",
            "timeframe": "M5",
            "first": info.train_start.isoformat().replace("+00:00", "Z"),
            "last": info.train_end.isoformat().replace("+00:00", "Z"),
        },
        "reason": None,
    }
    assert client.active("XAGUSD").body == {"active": [], "paused": False, "pause": None}
    report = client.call("GET", "/v1/report")
    assert report.status == 200
    assert report.body["phase3_status"]["active_model"] == "XAUUSD-M5-scalper:v1"
    assert report.body["phase3_status"]["registered_versions"] == 1
    assert list((bridge.desk.paths.logs_dir).glob("phase3_report_*.json")) == []  # GET wrote none
    health = client.call("GET", "/v1/health").body
    assert (health["status"], health["active_models"], health["notes"]) == ("ok", 1, [])
    client.close()


def test_the_openapi_document_describes_the_bridge(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    doc = client.call("GET", "/openapi.json").body
    assert set(doc["paths"]) == {
        "/v1/health",
        "/v1/active",
        "/v1/signal",
        "/v1/trades",
        "/v1/report",
        "/v1/pause",
        "/v1/resume",
        "/v1/versions",
        "/v1/versions/{ref}",
        "/v1/versions/{ref}/onnx",
    }
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    signal = doc["paths"]["/v1/signal"]["post"]
    assert signal["security"] == [{"HTTPBearer": []}]
    assert {"401", "404", "409", "413", "422", "503"} <= set(signal["responses"])
    health = doc["paths"]["/v1/health"]["get"]
    assert "security" not in health and set(health["responses"]) == {"200", "503"}
    client.close()


def _signal_body(window: pd.DataFrame) -> dict[str, Any]:
    cols = rates(window)
    return {
        "symbol": "XAUUSD",
        "timeframe": "M5",
        "bars": {k: [r[k] for r in cols] for k in cols[0]},
    }


def _post_windows(url: str, token: str, windows: list[pd.DataFrame]) -> None:
    import httpx

    for window in windows:
        reply = httpx.post(
            f"{url}/v1/signal",
            json=_signal_body(window),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert reply.status_code == 200, reply.text


def _cut(desk: Any, history: pd.DataFrame, keep: int) -> None:
    """The desk holds only the first `keep` bars of its history."""
    with desk.db.session(write=True) as s:
        s.execute(delete(Bar).where(Bar.ts >= history["time"].iloc[keep].to_pydatetime()))


def test_the_bars_of_signal_requests_are_stored_from_the_newest_stored_bar_on(api_desk: Any):
    """The live feed reaches the bar store (shadow trading, drift and sessions read it): bars
    after the newest stored one are inserted, a newest bar sent again changed (it was still
    forming) is updated, an older window adds nothing."""
    from engine.api.tokens import add_token

    history = api_desk.bars("XAUUSD", "M5")
    keep = len(history) - 40
    _cut(api_desk, history, keep)
    forming = history.iloc[keep + 10 - SENT : keep + 10].copy()
    last = forming.index[-1]
    forming.loc[last, "close"] = forming.loc[last, "high"]  # the bar still moving
    token = add_token(api_desk, "ea-bars", actor="test").token
    with running_server(api_desk) as url:
        _post_windows(url, token, [forming])
        deadline = time.monotonic() + 20
        while len(api_desk.bars("XAUUSD", "M5")) < keep + 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert api_desk.bars("XAUUSD", "M5")["close"].iloc[-1] == forming.loc[last, "close"]
        final = history.iloc[keep + 10 - SENT : keep + 10]
        older = history.iloc[keep - SENT - 5 : keep - 5]
        newest = history.iloc[len(history) - SENT :]
        _post_windows(url, token, [final, older, newest])
        columns = ["time", "open", "high", "low", "close", "tick_volume", "spread_points"]
        while time.monotonic() < deadline:
            stored = api_desk.bars("XAUUSD", "M5")
            if (
                len(stored) == len(history)
                and stored.iloc[keep + 9]["close"] == final.iloc[-1]["close"]
            ):
                break
            time.sleep(0.05)
    pd.testing.assert_frame_equal(
        stored[columns].reset_index(drop=True),
        history[columns].reset_index(drop=True),
        check_dtype=False,
    )


def test_with_store_bars_off_the_bar_store_is_left_alone(api_desk: Any):
    from engine.api.tokens import add_token

    history = api_desk.bars("XAUUSD", "M5")
    keep = len(history) - 20
    _cut(api_desk, history, keep)
    token = add_token(api_desk, "ea-off", actor="test").token
    with running_server(api_desk, store_bars=False) as url:
        _post_windows(url, token, [history.iloc[len(history) - SENT :]])
        time.sleep(0.5)
    assert len(api_desk.bars("XAUUSD", "M5")) == keep
