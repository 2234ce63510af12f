"""`GET /v1/versions/{ref}/onnx` (token): the file, its sha256, or why there is none."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.tokens import add_token
from engine.services import Desk
from tests.conftest import spec
from tests.onnx_export.test_cli_export import _register


def test_the_bridge_offers_the_file_to_a_token_holder(desk: Desk, small_model: Any) -> None:
    version_id, fitted = _register(desk)
    plain = desk.registry.register(small_model, spec()).id
    token = add_token(desk, "ea-test", actor="test").token
    with TestClient(create_app(desk, store_bars=False)) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get(f"/v1/versions/{version_id}/onnx").status_code == 401
        got = client.get("/v1/versions/XAUUSD-M5-scalper:v1/onnx", headers=auth)
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["x-aurum-sha256"] == hashlib.sha256(got.content).hexdigest()
        assert 'filename="XAUUSD-M5-scalper-v1.onnx"' in got.headers["content-disposition"]
        assert len(got.content) == len(fitted.onnx.data)
        refused = client.get(f"/v1/versions/{plain}/onnx", headers=auth)
        assert refused.status_code == 422
        assert "not trained by a learning session" in refused.json()["detail"]
        assert client.get("/v1/versions/999/onnx", headers=auth).status_code == 404
