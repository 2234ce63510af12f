"""GET /v1/versions (filters, orders, pages) and GET /v1/versions/{ref} (the model card) over the
real server, with known answers from a desk of four versions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from engine.registry import NewVersion
from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient
from tests.conftest import spec

L, M1 = "XAUUSD-M5-scalper", "XAUUSD-M1-scalper"


@pytest.fixture
def served(bridge: LiveBridge, small_model: Any) -> Iterator[tuple[LiveBridge, Mt5LikeClient]]:
    """v1 (trained, active) plus v2 (tagged, `staging`), v3 (tagged) and M1:v1 (few trades)."""
    reg = bridge.desk.registry
    reg.register(small_model, spec(sharpe=3.0, max_drawdown_pct=2.0, trades=200.0))
    reg.register(small_model, spec(sharpe=-1.0, max_drawdown_pct=30.0, trades=200.0))
    reg.register(
        small_model,
        NewVersion(lineage=M1, symbol="XAUUSD", timeframe="M1", algorithm="logistic_regression",
                   features=["f0", "f1", "f2", "f3"], metrics={"sharpe": 9.0}, metrics_trades=3),
    )  # fmt: skip
    desk = bridge.desk
    desk.tag(f"{L}:v2", "reviewed=olga", actor="t")
    desk.tag(f"{L}:v2", "regime=trend", actor="t")
    desk.tag(f"{L}:v3", "regime=trend", actor="t")
    desk.set_alias(f"{L}:v2", "staging", actor="t")
    client = Mt5LikeClient(bridge.url, bridge.token)
    yield bridge, client
    client.close()


def listed(client: Mt5LikeClient, **params: Any) -> dict[str, Any]:
    reply = client.call("GET", "/v1/versions?" + urlencode(params, doseq=True))
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def refs(client: Mt5LikeClient, **params: Any) -> list[str]:
    return [v["ref"] for v in listed(client, **params)["versions"]]


def test_the_list_needs_a_token(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, _ = served
    anonymous = Mt5LikeClient(bridge.url, None)
    assert anonymous.call("GET", "/v1/versions").status == 401
    assert anonymous.call("GET", "/v1/versions/1").status == 401
    anonymous.close()


def test_the_default_list_is_the_leaderboard(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, client = served
    page = listed(client)
    assert [v["ref"] for v in page["versions"]] == [v.ref for v in bridge.desk.leaderboard()]
    assert (page["total"], page["limit"], page["offset"], page["next_offset"]) == (4, 50, 0, None)
    v2 = next(v for v in page["versions"] if v["ref"] == f"{L}:v2")
    assert v2["tags"] == {"regime": "trend", "reviewed": "olga"} and v2["aliases"] == ["staging"]
    assert v2["metrics"]["sharpe"] == 3.0 and v2["metrics_trades"] == 100
    assert page["versions"][-1]["ref"] == f"{M1}:v1" and page["versions"][-1]["score"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lineage": M1}, [f"{M1}:v1"]),
        ({"tag": "reviewed"}, [f"{L}:v2"]),
        ({"tag": "reviewed=olga"}, [f"{L}:v2"]),
        ({"tag": "reviewed=vic"}, []),
        ({"tag": ["regime=trend", "reviewed"]}, [f"{L}:v2"]),
        ({"alias": "staging"}, [f"{L}:v2"]),
        ({"alias": "active"}, [f"{L}:v1"]),
        ({"status": "active"}, [f"{L}:v1"]),
        ({"origin": "generated"}, []),  # the bars were stored as imported: no DEMO version
    ],
)
def test_each_filter(served: tuple[LiveBridge, Mt5LikeClient], params: dict[str, Any], expected):
    _, client = served
    assert refs(client, **params) == expected


def test_the_origin_filter_keeps_the_leaderboard_order(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, client = served
    board = [v.ref for v in bridge.desk.leaderboard()]
    assert refs(client, origin="imported") == board and len(board) == 4


def test_tag_filters_keep_the_leaderboard_order(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, client = served
    trend = [v.ref for v in bridge.desk.leaderboard() if v.tags.get("regime") == "trend"]
    assert refs(client, tag="regime=trend") == trend and len(trend) == 2


def test_each_order(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, client = served
    sharpe_v1 = bridge.desk.version(f"{L}:v1").metrics["sharpe"]
    by_sharpe = sorted([(9.0, f"{M1}:v1"), (3.0, f"{L}:v2"), (-1.0, f"{L}:v3"),
                        (sharpe_v1, f"{L}:v1")], reverse=True)  # fmt: skip
    assert refs(client, order="sharpe") == [ref for _, ref in by_sharpe]
    assert refs(client, order="sharpe", direction="asc") == [ref for _, ref in by_sharpe[::-1]]
    lowest_dd = refs(client, order="max_drawdown_pct")
    assert lowest_dd[0] == f"{L}:v2" and lowest_dd[-1] == f"{M1}:v1"  # no drawdown value: last
    newest = [f"{M1}:v1", f"{L}:v3", f"{L}:v2", f"{L}:v1"]
    assert refs(client, order="created") == newest
    assert refs(client, order="created", direction="asc") == newest[::-1]


def test_pages_walk_through_every_version_once(served: tuple[LiveBridge, Mt5LikeClient]):
    _, client = served
    everything = refs(client, order="created")
    first = listed(client, order="created", limit=3)
    assert [v["ref"] for v in first["versions"]] == everything[:3] and first["next_offset"] == 3
    second = listed(client, order="created", limit=3, offset=first["next_offset"])
    assert [v["ref"] for v in second["versions"]] == everything[3:]
    assert second["next_offset"] is None and second["total"] == 4
    assert listed(client, offset=1_000_000)["versions"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"offset": 1_000_001},
        {"order": "luck"},
        {"direction": "up"},
        {"status": "gone"},
        {"origin": "moon"},
        {"alias": "Bad Name"},
        {"tag": "bad key"},
        {"tag": [f"k{n}" for n in range(11)]},
        {"lineage": "x" * 65},
    ],
)
def test_unbounded_or_malformed_queries_get_422(
    served: tuple[LiveBridge, Mt5LikeClient], params: dict[str, Any]
):
    _, client = served
    reply = client.call("GET", "/v1/versions?" + urlencode(params, doseq=True))
    assert reply.status == 422 and reply.body["detail"].startswith("request refused")


def test_one_versions_card_by_id_number_or_alias(served: tuple[LiveBridge, Mt5LikeClient]):
    bridge, client = served
    by_alias = client.call("GET", f"/v1/versions/{L}@staging")
    assert by_alias.status == 200
    card = by_alias.body
    assert (card["ref"], card["tags"], card["aliases"]) == (
        f"{L}:v2", {"regime": "trend", "reviewed": "olga"}, ["staging"],
    )  # fmt: skip
    assert card["files"][0]["sha256"] == bridge.desk.version(f"{L}:v2").artifact_sha256
    trained = client.call("GET", "/v1/versions/1").body
    expected = json.loads(bridge.desk.model_card(1).model_dump_json())
    assert trained == expected
    assert trained["details"]["feature_spec"] and trained["metrics"][0]["source"] == "backtest"
    assert trained["metrics"][0]["trials"] == bridge.desk.version(1).details["n_trials"]
    assert client.call("GET", f"/v1/versions/{L}:v1").body["ref"] == f"{L}:v1"


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        (f"/v1/versions/{L}:v9", 404, "does not exist"),
        (f"/v1/versions/{L}@nope", 404, "has no alias 'nope'"),
        ("/v1/versions/999", 404, "does not exist"),
        ("/v1/versions/v1", 422, "request refused"),
        (f"/v1/versions/{'9' * 13}", 422, "request refused"),
    ],
)
def test_unknown_or_malformed_refs(
    served: tuple[LiveBridge, Mt5LikeClient], path: str, status: int, says: str
):
    _, client = served
    reply = client.call("GET", path)
    assert reply.status == status and says in reply.body["detail"]
