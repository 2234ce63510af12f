"""The Overview's recent alerts: severity, UTC time, message and delivery status, and an empty
state that says what to configure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.alerts import store
from engine.alerts.rules import AlertCandidate
from engine.services import Desk
from tests.conftest import spec
from tests.dashboard.conftest import open_page


def desk_with_a_model(home: Path, model: Any) -> Desk:
    desk = Desk.open(str(home))
    version = desk.registry.register(model, spec())
    desk.activate(version.id, actor="alice")
    return desk


def texts(at: Any) -> str:
    return "\n".join(x.value for x in (*at.info, *at.warning, *at.caption))


def test_no_alerts_says_what_to_configure(fresh_home: Path, small_model: Any):
    desk_with_a_model(fresh_home, small_model).close()
    at = open_page("overview")
    assert "Recent alerts" in [h.value for h in at.subheader]
    (info,) = [i.value for i in at.info if i.value.startswith("No alerts yet")]
    assert "Rules watching: live_metrics, drawdown, drift, session_failed, promotion," in info
    assert "set alerts.webhook_url and alerts.format on the Configuration page" in info


def test_recent_alerts_show_severity_time_message_and_delivery(fresh_home: Path, small_model: Any):
    desk = desk_with_a_model(fresh_home, small_model)
    cfg = desk.config().alerts
    first = datetime(2025, 6, 2, 9, 30, 5, tzinfo=UTC)
    store.raise_alerts(
        desk.db,
        [AlertCandidate("drawdown", "drawdown:v1", "critical", "live equity 12.0% below peak")],
        cfg,
        first,
        deliverable=False,
    )
    (pending,) = store.raise_alerts(
        desk.db,
        [AlertCandidate("promotion", "promotion:1", "info", "v1 is now the active model")],
        cfg,
        datetime(2025, 6, 2, 10, 0, 0, tzinfo=UTC),
        deliverable=True,
    )
    assert store.claim_attempt(desk.db, pending)
    store.finish_attempt(
        desk.db, pending.id, error="HTTP 500 Internal Server Error", now=first, max_attempts=5
    )
    desk.close()
    at = open_page("overview")
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "delivery" in d.value.columns)
    assert table.to_dict("records") == [
        {
            "time (UTC)": "2025-06-02 10:00:00",
            "severity": "ℹ️ info",
            "rule": "promotion",
            "message": "v1 is now the active model",
            "delivery": "sending (1 attempt so far): HTTP 500 Internal Server Error",
        },
        {
            "time (UTC)": "2025-06-02 09:30:05",
            "severity": "🚨 critical",
            "rule": "drawdown",
            "message": "live equity 12.0% below peak",
            "delivery": "recorded only (no webhook)",
        },
    ]
    assert "Recorded here only: alerts.webhook_url is empty" in texts(at)


def test_alerts_raised_together_are_listed_in_the_order_they_were_raised(
    fresh_home: Path, small_model: Any
):
    desk = desk_with_a_model(fresh_home, small_model)
    cfg = desk.config().alerts
    found = [
        AlertCandidate("drawdown", "drawdown:v1", "critical", "first found"),
        AlertCandidate("live_metrics", "live:v1", "warning", "second found"),
        AlertCandidate("drift", "drift:M5", "warning", "third found"),
    ]
    at_nine = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    store.raise_alerts(desk.db, found, cfg, at_nine, deliverable=False)
    later = [AlertCandidate("promotion", "promotion:1", "info", "a later check")]
    store.raise_alerts(desk.db, later, cfg, at_nine + timedelta(minutes=5), deliverable=False)
    desk.close()
    at = open_page("overview")
    table = next(d.value for d in at.dataframe if "delivery" in d.value.columns)
    assert list(table["message"]) == ["a later check", "first found", "second found", "third found"]


def test_delivery_labels_say_where_each_alert_stands():
    from dashboard.alert_panel import delivery_label
    from engine.alerts.store import AlertRecord

    at = datetime(2025, 6, 2, 10, 0, 0, tzinfo=UTC)

    def alert(status: str, attempts: int, error: str | None = None) -> AlertRecord:
        delivered = at if status == "delivered" else None
        return AlertRecord(
            1, "drift", "k", "warning", "m", {}, status, attempts, error, at, delivered
        )

    assert delivery_label(alert("delivered", 1)) == "delivered 10:00:00 (1 attempt)"
    assert delivery_label(alert("failed", 5, "HTTP 404 Not Found")) == (
        "failed after 5 attempts: HTTP 404 Not Found"
    )
    assert delivery_label(alert("pending", 0)) == "sending"
    assert delivery_label(alert("recorded", 0)) == "recorded only (no webhook)"
