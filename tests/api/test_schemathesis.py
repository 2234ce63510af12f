"""Schemathesis against the bridge's own OpenAPI document, over the real server: no input, valid
or not, with a token or without, gets a 5xx, and every answer matches the document (status
codes, content type, body schema). Bounded: 25 examples per operation and mode."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


OPERATIONS = [
    ("GET", "/v1/health"),
    ("GET", "/v1/active"),
    ("POST", "/v1/signal"),
    ("POST", "/v1/trades"),
    ("GET", "/v1/report"),
    ("GET", "/v1/versions"),
    ("GET", "/v1/versions/{ref}"),
    ("POST", "/v1/pause"),
    ("POST", "/v1/resume"),
    ("GET", "/v1/versions/{ref}/onnx"),
]


def served_market(case: Any) -> Any:
    """Point every other generated signal or trade at the served market, so generated values
    also reach the serving path and the ledger (a random symbol stops at "no active model")."""
    body = case.body
    if isinstance(body, dict) and zlib.crc32(repr(body).encode()) % 2:
        if isinstance(body.get("bars"), dict):
            body.update(symbol="XAUUSD", timeframe="M5", lineage=None)
        for trade in body.get("trades") or []:
            if isinstance(trade, dict):
                trade.update(symbol="XAUUSD", version_id=None, lineage=None, timeframe=None)
    return case


CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if path != "/v1/health" or mode == GenerationMode.POSITIVE  # no input to get wrong
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_no_request_gets_a_server_error(bridge: LiveBridge, method: str, path: str, mode: Any):
    """Generated requests (fitting the schema, or deliberately not) with the token and without;
    the document is read from the running server, as a client would."""
    schema = schemathesis.openapi.from_url(
        f"{bridge.url}/openapi.json", headers={"Authorization": f"Bearer {bridge.token}"}
    )
    operation = schema[path][method]
    seen: list[int] = []

    @given(case=operation.as_strategy(mode).map(served_market))
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        for headers in ({"Authorization": f"Bearer {bridge.token}"}, {}):
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen.append(response.status_code)

    check()
    assert seen and max(seen) < 500


DRAWN = 60


def random_bars(draw: Any, n: int) -> dict[str, list[Any]]:
    """n bars with increasing UTC times and consistent OHLC, prices anywhere from 1e-6 to 6e8
    (a high of up to 1.5 times that stays inside the API's 1e9 bound).
    Hypothesis draws the newest `DRAWN` bars; a generator seeded by it fills the older ones in
    the same ranges (a signal needs hundreds of bars, more than Hypothesis draws at once)."""
    price = st.floats(1e-6, 6e8, allow_nan=False, allow_infinity=False)
    ratio = st.floats(0, 0.5, allow_nan=False)
    k = min(n, DRAWN)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    old = n - k

    def column(values: st.SearchStrategy[Any], filler: Any) -> list[Any]:
        return [*filler(old).tolist(), *draw(st.lists(values, min_size=k, max_size=k))]

    gaps = column(st.integers(1, 86_400), lambda m: rng.integers(1, 86_401, m))
    opens = column(price, lambda m: 10 ** rng.uniform(-6, 8.7, m))
    closes = column(price, lambda m: 10 ** rng.uniform(-6, 8.7, m))
    ups = column(ratio, lambda m: rng.uniform(0, 0.5, m))
    downs = column(ratio, lambda m: rng.uniform(0, 0.5, m))
    start = 1_600_000_000
    times = [start + sum(gaps[: k + 1]) for k in range(n)]
    return {
        "time": times,
        "open": opens,
        "high": [max(o, c) * (1 + u) for o, c, u in zip(opens, closes, ups, strict=True)],
        "low": [min(o, c) * (1 - d) for o, c, d in zip(opens, closes, downs, strict=True)],
        "close": closes,
        "spread": column(st.integers(0, 10**6), lambda m: rng.integers(0, 10**6 + 1, m)),
    }


def test_random_bars_for_the_served_market_never_crash_the_server(bridge: LiveBridge):
    """Enough well-formed bars to reach the features and the model, with extreme prices,
    gaps and spreads: a signal or a 422 with the reason, never a 5xx."""
    client = Mt5LikeClient(bridge.url, bridge.token)
    statuses: list[int] = []

    @given(data=st.data())
    @settings(max_examples=25, deadline=None, derandomize=True, database=None)
    def check(data: Any) -> None:
        n = data.draw(st.integers(768, 830))  # from the min_history_bars of the version
        bars = data.draw(st.composite(random_bars)(n))
        body = {"symbol": "XAUUSD", "timeframe": "M5", "bars": bars}
        reply = client.call("POST", "/v1/signal", body)
        assert reply.status in (200, 422), reply.body
        statuses.append(reply.status)

    check()
    client.close()
    assert 200 in statuses
