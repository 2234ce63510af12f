"""Bounded input over HTTP: every integer and number field of a request has a range (422 naming
the field beyond it, never a 500 or a dropped connection); trade times are ISO 8601 or UNIX
seconds, plausible, and not before their version existed; the API's documents need a token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.api import models
from engine.api.bridge import Bridge
from engine.errors import TradeError
from engine.services import Desk
from tests.api.conftest import LiveBridge, running_server
from tests.api.mt5_client import Mt5LikeClient

HUGE = [2**70, -(2**70), 2**63, 2**31, 10**300, 1e308, -1e308]


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
        "version_id": 1,
        **values,
    }


def numeric_fields(schema: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Each integer or number property (array items included) of a request schema, by its
    dotted path below the body, with its JSON-schema bounds."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], path: str) -> None:
        if "$ref" in node:
            walk(schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], path)
        for option in node.get("anyOf", []):
            walk(option, path)
        if node.get("type") in ("integer", "number"):
            found[path] = node
        if node.get("type") == "array":
            walk(node["items"], f"{path}.0")
        for prop, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{prop}" if path else prop)

    walk(schema["components"]["schemas"][name], "")
    return found


def test_every_integer_and_number_of_a_request_has_a_range():
    schema = create_schema()
    fields = {
        **numeric_fields(schema, "SignalRequest"),
        **numeric_fields(schema, "TradesRequest"),
    }
    assert {"bars.time.0", "bars.open.0", "trades.0.version_id", "trades.0.profit"} <= set(fields)
    unbounded = [
        path
        for path, node in fields.items()
        if not ({"minimum", "exclusiveMinimum"} & set(node) and "maximum" in node)
    ]
    assert unbounded == []


def create_schema() -> dict[str, Any]:
    """The OpenAPI components of the bridge's two request bodies (no server needed)."""
    from fastapi import FastAPI
    from fastapi.openapi.utils import get_openapi

    app = FastAPI()

    @app.post("/signal")
    def signal(request: models.SignalRequest) -> None: ...

    @app.post("/trades")
    def trades(request: models.TradesRequest) -> None: ...

    return get_openapi(title="bodies", version="1", routes=app.routes)


def test_version_id_2_to_the_70_is_a_422_naming_the_field_and_the_connection_lives(
    bridge: LiveBridge,
):
    """The probe: this answered 500 (OverflowError in the database driver) and the next
    request on the same connection was reset."""
    client = Mt5LikeClient(bridge.url, bridge.token)
    reply = client.report([trade("7001", version_id=2**70)])
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == ["trades.0.version_id"]
    assert "less than or equal to 2147483647" in reply.body["errors"][0]["message"]
    again = client.call("GET", "/v1/health")  # the same keep-alive connection
    assert again.status == 200
    assert bridge.desk.trades() == []
    client.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version_id", 0),
        ("version_id", 2**31),
        ("volume", 1000.5),
        ("profit", 1e10),
        ("commission", -1e10),
        ("swap", 1e308),
        ("open_price", 1e10),
        ("close_price", 0),
        ("confidence", 1.5),
    ],
)
def test_a_trade_number_past_its_bound_is_named(bridge: LiveBridge, field: str, value: Any):
    client = Mt5LikeClient(bridge.url, bridge.token)
    reply = client.report([trade("7002", **{field: value})])
    assert reply.status == 422, reply.body
    assert [e["field"] for e in reply.body["errors"]] == [f"trades.0.{field}"]
    client.close()


def test_hypothesis_fuzzes_the_integer_and_number_bounds(bridge: LiveBridge):
    """Values drawn around each field's bounds and far beyond them, in trades and in bars:
    inside the range the server answers 200 (or a 4xx for another reason), outside it 422
    naming that field; never a 5xx, and the connection always serves the next request."""
    schema = create_schema()
    trade_fields = {
        path.removeprefix("trades.0."): node
        for path, node in numeric_fields(schema, "TradesRequest").items()
    }
    client = Mt5LikeClient(bridge.url, bridge.token)
    seen: list[int] = []
    tickets = iter(range(10**6))

    def near(node: dict[str, Any]) -> st.SearchStrategy[Any]:
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node["maximum"]
        edges = [low, high, low - 1, high + 1, low - 1e-9, high * 1.000001 + 1]
        if node["type"] == "integer":
            edges = [int(e) for e in edges]
        return st.one_of(st.sampled_from(edges + HUGE), st.integers(-(2**80), 2**80))

    @given(data=st.data())
    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(data: Any) -> None:
        field = data.draw(st.sampled_from(sorted(trade_fields)))
        node = trade_fields[field]
        value = data.draw(near(node))
        low = node.get("minimum", node.get("exclusiveMinimum"))
        inside = (
            (value > low if "exclusiveMinimum" in node else value >= low)
            and value <= node["maximum"]
            and (node["type"] == "number" or isinstance(value, int))
        )
        reply = client.report([trade(f"f{next(tickets)}", **{field: value})])
        seen.append(reply.status)
        assert reply.status < 500, reply.body
        if not inside:
            assert reply.status == 422, (field, value, reply.body)
            assert f"trades.0.{field}" in [e["field"] for e in reply.body["errors"]]
        assert client.call("GET", "/v1/health").status == 200

    check()
    client.close()
    assert 200 in seen and 422 in seen


def test_bar_numbers_past_their_bounds_are_named(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    good = {"time": [1738664100], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]}
    for field, value in [("time", 2**70), ("open", 1e10), ("close", 1e308), ("high", -1.0)]:
        bars = {**good, field: [value]}
        reply = client.call(
            "POST", "/v1/signal", {"symbol": "XAUUSD", "timeframe": "M5", "bars": bars}
        )
        assert reply.status == 422 and reply.body["errors"][0]["field"] == f"bars.{field}.0"
    for field, value in [("tick_volume", 10**16), ("spread", 2**70)]:
        bars = {**good, field: [value]}
        reply = client.call(
            "POST", "/v1/signal", {"symbol": "XAUUSD", "timeframe": "M5", "bars": bars}
        )
        assert reply.status == 422 and reply.body["errors"][0]["field"] == f"bars.{field}.0"
    client.close()


def test_an_unexpected_error_is_a_500_without_a_traceback_and_the_connection_lives(
    api_desk: Desk, monkeypatch: pytest.MonkeyPatch
):
    from engine.api.tokens import add_token

    def broken(self: Bridge) -> dict[str, Any]:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(Bridge, "report", broken)
    token = add_token(api_desk, "ea-test", actor="test").token
    with running_server(api_desk) as url:
        client = Mt5LikeClient(url, token)
        reply = client.call("GET", "/v1/report")
        assert reply.status == 500
        assert reply.body == {
            "detail": "internal error: the server's log has the details",
            "errors": [],
        }
        assert client.call("GET", "/v1/health").status == 200  # same connection
        client.close()


# --- trade times --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (10**12, "after the year 9999: send seconds, not milliseconds"),
        ("1000000000000", "after the year 9999"),
        (0, "before 2000"),
        ("1970-01-01T00:00:00Z", "before 2000"),
        ("1999-12-31T23:59:59Z", "before 2000"),
        (float("nan"), "not a time"),
    ],
)
def test_implausible_trade_times_are_refused_naming_the_field(
    bridge: LiveBridge, when: Any, reason: str
):
    client = Mt5LikeClient(bridge.url, bridge.token)
    body = trade("7100", open_time=when, close_time="2025-02-04T10:25:00Z")
    reply = client.call("POST", "/v1/trades", raw=_json({"trades": [body]}))
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "trades.0.open_time"
    assert reason in reply.body["errors"][0]["message"]
    client.close()


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value, allow_nan=True).encode()


def test_epoch_seconds_and_iso_8601_are_the_same_time(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    seconds = int(datetime(2025, 2, 4, 10, 0, tzinfo=UTC).timestamp())
    reply = client.report(
        [
            trade("7201", open_time=seconds, close_time=seconds + 1500),
            trade("7202", open_time=str(seconds), close_time="2025-02-04T12:25:00+02:00"),
        ]
    )
    assert reply.status == 200, reply.body
    logged = {t.ticket: t for t in bridge.desk.trades()}
    for ticket in ("7201", "7202"):
        assert logged[ticket].open_time == datetime(2025, 2, 4, 10, 0, tzinfo=UTC)
        assert logged[ticket].close_time == datetime(2025, 2, 4, 10, 25, tzinfo=UTC)
    client.close()


def test_a_trade_dated_far_in_the_future_is_refused(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    reply = client.report([trade("7300", close_time="2200-01-01T00:00:00Z")])
    assert reply.status == 422
    assert reply.body["detail"].startswith("trades.0.close_time: trade 7300 is dated 2200-01-01")
    assert "more than a day after this server's clock" in reply.body["detail"]
    assert bridge.desk.trades() == []
    client.close()


def test_a_trade_dated_before_its_version_existed_is_refused(bridge: LiveBridge):
    """The served version counts as registered on 2025-01-06 (tests/api/conftest.py)."""
    client = Mt5LikeClient(bridge.url, bridge.token)
    early = trade("7400", open_time="2024-09-02T10:00:00Z", close_time="2024-09-02T10:30:00Z")
    reply = client.report([trade("7401"), early])
    assert reply.status == 422
    assert reply.body["detail"] == (
        "trades.1.open_time: trade 7400 opened 2024-09-02 10:00:00 UTC, before "
        "XAUUSD-M5-scalper:v1 was registered (2025-01-06 00:00:00 UTC): no signal of that "
        "version can have opened it; send the signal's version_id and UTC times"
    )
    unattributed = {**early, "ticket": "7402"}
    del unattributed["version_id"]  # attributed to the active version: the same rule
    assert client.report([unattributed]).status == 422
    assert bridge.desk.trades() == []  # all or nothing
    client.close()


def test_the_future_limit_is_a_day_after_the_servers_clock(api_desk: Desk):
    """With the bridge's clock fixed (Monday 2025-03-03 12:00 UTC): 23 h ahead is accepted,
    25 h ahead refused, whatever day the test runs."""
    noon = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    bridge = Bridge(api_desk, clock=lambda: noon)

    def request(ticket: str, close: str) -> models.TradesRequest:
        body = trade(ticket, open_time="2025-03-03T11:00:00Z", close_time=close)
        return models.TradesRequest.model_validate({"trades": [body]})

    assert bridge.log_trades(request("7500", "2025-03-04T11:00:00Z"), actor="t").new == 1
    with pytest.raises(TradeError, match="more than a day after this server's clock"):
        bridge.log_trades(request("7501", "2025-03-04T13:00:00Z"), actor="t")


# --- the API's own documents ---------------------------------------------------------------
DOCUMENTS = ("/openapi.json", "/docs", "/redoc")


def test_the_documents_need_a_token(bridge: LiveBridge):
    anonymous = Mt5LikeClient(bridge.url, None)
    for path in DOCUMENTS:
        anonymous.conn.request("GET", path)
        answer = anonymous.conn.getresponse()
        answer.read()
        assert answer.status == 401, path
    anonymous.close()
    holder = Mt5LikeClient(bridge.url, bridge.token)
    doc = holder.call("GET", "/openapi.json")
    assert doc.status == 200 and "/v1/trades" in doc.body["paths"]
    assert set(doc.body["paths"]).isdisjoint(DOCUMENTS)  # not listed as endpoints
    for path in ("/docs", "/redoc"):
        holder.conn.request("GET", path, headers={"Authorization": f"Bearer {bridge.token}"})
        answer = holder.conn.getresponse()
        assert answer.status == 200 and b"/openapi.json" in answer.read()
    holder.close()


def test_serve_api_docs_opens_the_documents_to_anyone(api_desk: Desk):
    with running_server(api_desk, docs=True) as url:
        anonymous = Mt5LikeClient(url, None)
        for path in DOCUMENTS:
            anonymous.conn.request("GET", path)
            answer = anonymous.conn.getresponse()
            answer.read()
            assert answer.status == 200, path
        assert anonymous.call("GET", "/v1/report").status == 401  # the rest still needs one
        anonymous.close()
