"""`GET /v1/report` publishes money rounded to cents and counts as whole numbers, as
`aurum report --json` and the report file do (one `engine.reports.build_report`)."""

from __future__ import annotations

from typing import Any

from engine.reports import COUNT_FIGURES, MONEY_FIGURES
from tests.api.conftest import LiveBridge
from tests.api.mt5_client import Mt5LikeClient
from tests.api.test_bridge import trade


def _figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    active = report["active_model"]
    return [active["backtest"], active["live"], *active["live_by_session"]]


def test_the_report_rounds_money_to_cents_and_counts_whole_trades(bridge: LiveBridge):
    client = Mt5LikeClient(bridge.url, bridge.token)
    sent = [
        trade("9101", profit=12.345, commission=-0.7071, version_id=1),
        trade(
            "9102",
            profit=-7.777,
            commission=-0.3331,
            version_id=1,
            open_time="2025-02-04T16:00:00Z",
            close_time="2025-02-04T16:20:00Z",
        ),
    ]
    assert client.report(sent).status == 200
    reply = client.call("GET", "/v1/report")
    assert reply.status == 200
    live = reply.body["active_model"]["live"]
    assert live["trades"] == 2 and type(live["trades"]) is int
    assert live["net_profit"] == 3.53  # 12.345 - 0.7071 - 7.777 - 0.3331 = 3.5278
    assert live["expectancy"] == 1.76 and live["average_loss"] == -8.11  # -8.1101
    backtest = reply.body["active_model"]["backtest"]
    assert type(backtest["trades"]) is int and backtest["trades"] > 0  # stored as a float
    seen = set()
    for figures in _figures(reply.body):
        for name, value in figures.items():
            if name in MONEY_FIGURES and isinstance(value, float):
                assert value == round(value, 2), (name, value)
                seen.add(name)
            if name in COUNT_FIGURES and value is not None:
                assert type(value) is int, (name, value)
    assert {"net_profit", "expectancy", "max_drawdown", "baseline_expectancy"} <= seen
    client.close()
