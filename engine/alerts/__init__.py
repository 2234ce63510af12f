"""Alerts: rules over the desk's state, recorded with de-duplication, delivered to a webhook."""

from engine.alerts.check import AlertCycle, check_alerts, raise_resumed, send_test_alert
from engine.alerts.store import AlertRecord

__all__ = ["AlertCycle", "AlertRecord", "check_alerts", "raise_resumed", "send_test_alert"]
