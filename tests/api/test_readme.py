"""The README's HTTP examples stay true: each parses as the API's own model, and the live server
answers them with the same shapes (compact JSON, which the README's MQL5 reader relies on)."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from typing import Any

from engine.api import models
from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient

README = Path(__file__).resolve().parents[2] / "README.md"


def examples() -> dict[str, Any]:
    """The JSON block after each `<!-- api-example: NAME -->` marker of the README, by name."""
    found = re.findall(
        r"<!-- api-example: ([\w-]+) -->\n```json\n(.*?)```", README.read_text(), re.S
    )
    return {name: json.loads(block) for name, block in found}


def test_the_readme_examples_are_the_api_models():
    shown = examples()
    assert set(shown) == {
        "signal-request",
        "signal-response",
        "trades-request",
        "trades-response",
        "error-422",
    }
    models.SignalRequest.model_validate(shown["signal-request"])
    for name, model in (
        ("signal-response", models.SignalOut),
        ("trades-response", models.TradesOut),
        ("error-422", models.ErrorOut),
    ):
        model.model_validate(shown[name])
        assert list(shown[name]) == list(model.model_fields), name
    models.TradesRequest.model_validate(shown["trades-request"])


def test_the_live_server_answers_the_readme_examples_alike(bridge: LiveBridge):
    shown = examples()
    client = Mt5LikeClient(bridge.url, bridge.token)
    short = client.call("POST", "/v1/signal", shown["signal-request"])
    assert short.status == 422 and short.body["detail"].startswith("3 bars given")
    history = bridge.desk.bars("XAUUSD", "M5", last=800)  # at least min_history_bars (768)
    columns = {
        "time": [int(t.timestamp()) for t in history["time"]],
        **{c: history[c].tolist() for c in ("open", "high", "low", "close")},
    }
    full = client.call(
        "POST", "/v1/signal", {"symbol": "XAUUSD", "timeframe": "M5", "bars": columns}
    )
    assert full.status == 200 and list(full.body) == list(shown["signal-response"])
    logged = client.call("POST", "/v1/trades", shown["trades-request"])
    expected = shown["trades-response"]["trades"][0]
    got = logged.body["trades"][0]
    assert (got["ticket"], got["net_profit"], got["version_id"], got["outcome"]) == (
        expected["ticket"],
        expected["net_profit"],
        expected["version_id"],
        "new",
    )
    client.close()
    conn = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=30)
    conn.request("GET", "/v1/active", headers={"Authorization": f"Bearer {bridge.token}"})
    raw = conn.getresponse().read().decode()
    conn.close()
    assert '"version_id":1,' in raw and ": " not in raw  # compact: what JsonValue() reads
