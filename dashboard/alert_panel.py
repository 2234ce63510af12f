"""The Overview's recent alerts: a pure table builder and the panel that draws it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.literal import literal
from engine.alerts.store import AlertRecord
from engine.config.alerts import AlertsConfig

SEVERITY_LABELS = {"critical": "🚨 critical", "warning": "⚠️ warning", "info": "ℹ️ info"}
COLUMNS = ["time (UTC)", "severity", "rule", "message", "delivery"]


def delivery_label(alert: AlertRecord) -> str:
    """Where the alert's delivery stands, in a trader's words."""
    tries = f"{alert.attempts} attempt{'s' if alert.attempts != 1 else ''}"
    if alert.status == "delivered":
        at = f" {alert.delivered_at:%H:%M:%S}" if alert.delivered_at else ""
        return f"delivered{at} ({tries})"
    if alert.status == "recorded":
        return "recorded only (no webhook)"
    error = f": {alert.last_error}" if alert.last_error else ""
    if alert.status == "failed":
        return f"failed after {tries}{error}"
    return f"sending ({tries} so far){error}" if alert.attempts else "sending"


def alerts_frame(alerts: Sequence[AlertRecord]) -> pd.DataFrame:
    """One row per alert in the order given (`engine.alerts.store.recent`: newest first, those
    raised together in the order they were raised)."""
    rows = [
        [
            f"{a.created_at:%Y-%m-%d %H:%M:%S}",
            SEVERITY_LABELS.get(a.severity, a.severity),
            a.rule,
            a.message,
            delivery_label(a),
        ]
        for a in alerts
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def show_alerts(alerts: Sequence[AlertRecord], cfg: AlertsConfig, where: str) -> None:
    """The table, where alerts go (`where`: the masked webhook URL, empty when none), and an
    empty state that says what to configure."""
    if not cfg.enabled:
        st.warning("Alerts are switched off (alerts.enabled on the Configuration page).")
    if not alerts:
        st.info(
            "No alerts yet. Rules watching: "
            + literal(", ".join(cfg.rules) or "none")
            + " (alerts.rules). To have alerts sent to Slack, Discord, Telegram or any "
            "webhook, set alerts.webhook_url and alerts.format on the Configuration page (or "
            "the AURUM_ALERTS_WEBHOOK_URL environment variable); `aurum alerts test` checks it."
        )
    else:
        st.dataframe(alerts_frame(alerts), hide_index=True, key="alerts")
    if where:
        st.caption(f"Alerts are sent to {literal(where)} ({literal(cfg.format)} format).")
    elif alerts:
        st.caption(
            "Recorded here only: alerts.webhook_url is empty (set it on the Configuration "
            "page to have alerts sent)."
        )
