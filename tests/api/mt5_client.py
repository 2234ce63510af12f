"""An MT5-like client: what an expert advisor's bridge does, written with the standard library
only (no Aurum import), so the tests speak to the server as a foreign program would.

On each new bar it sends the recent rates (as MqlRates gives them, times already in UTC) and
gets a signal; when a position it opened on a signal closes, it reports the trade with the
signal's version. Every call is plain HTTP/1.1 with keep-alive and a bearer token."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class Mt5LikeClient:
    def __init__(self, base_url: str, token: str | None) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )
        self.token = token

    def close(self) -> None:
        self.conn.close()

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Reply:
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        text = payload.decode("utf-8")
        return Reply(
            response.status,
            json.loads(text) if text else None,
            {k.lower(): v for k, v in response.getheaders()},
        )

    def active(self, symbol: str | None = None) -> Reply:
        return self.call("GET", "/v1/active" + (f"?symbol={symbol}" if symbol else ""))

    def signal(self, symbol: str, timeframe: str, rates: list[dict[str, Any]]) -> Reply:
        """`rates`: oldest first, each like MqlRates (time in UTC seconds, open, high, low, close,
        tick_volume, spread)."""
        columns = ("time", "open", "high", "low", "close", "tick_volume", "spread")
        bars = {name: [rate[name] for rate in rates] for name in columns}
        return self.call(
            "POST", "/v1/signal", {"symbol": symbol, "timeframe": timeframe, "bars": bars}
        )

    def report(self, trades: list[dict[str, Any]]) -> Reply:
        return self.call("POST", "/v1/trades", {"trades": trades})
