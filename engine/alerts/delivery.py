"""Webhook delivery: payload shapes, one POST with a timeout, retries with exponential backoff.

An attempt is due at `created_at + retry_seconds x (2^attempts - 1)`: the first at once, then
after 1, 3, 7, 15 … x retry_seconds, so a webhook that is down for a while is not hammered,
and the schedule needs no state beyond the attempts counted in the table (any process, after
any restart, agrees on it). After `alerts.max_attempts` the alert is marked failed.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from engine.alerts import store
from engine.alerts.store import AlertRecord
from engine.config.alerts import AlertsConfig

URL_ENV = "AURUM_ALERTS_WEBHOOK_URL"
ICONS = {
    "slack": {
        "info": ":information_source:",
        "warning": ":warning:",
        "critical": ":rotating_light:",
    },
    "text": {"info": "ℹ️", "warning": "⚠️", "critical": "🚨"},
}
USER_AGENT = "aurum-alerts/1"


class DeliveryError(Exception):
    """One failed attempt: what the webhook said (never its URL). `transient` errors (no
    answer, 5xx, 429) mean the webhook itself is unwell: the rest of the pass waits."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt: the alert as recorded after it, and its error if it failed."""

    alert: AlertRecord
    error: DeliveryError | None


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery pass did (alert ids)."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def webhook_url(cfg: AlertsConfig) -> str:
    """The environment's AURUM_ALERTS_WEBHOOK_URL, else `alerts.webhook_url` (may be empty)."""
    return os.environ.get(URL_ENV, "").strip() or cfg.webhook_url.strip()


def masked_url(url: str) -> str:
    """Scheme and host only: webhook paths carry their secret (Slack, Discord, Telegram)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{'/…' if parts.path not in ('', '/') else ''}"


def _title(alert: AlertRecord) -> str:
    return f"Aurum {alert.severity.upper()} · {alert.rule}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(alert: AlertRecord, cfg: AlertsConfig) -> dict[str, Any]:
    """The JSON body for `alerts.format`."""
    icon = ICONS["text"].get(alert.severity, "")
    if cfg.format == "slack":
        slack_icon = ICONS["slack"].get(alert.severity, "")
        return {"text": f"{slack_icon} *{_title(alert)}*\n{_slack_escape(alert.message)}"}
    if cfg.format == "discord":
        text = f"{icon} **{_title(alert)}**\n{alert.message}"
        return {"content": text[:2000], "username": "Aurum", "allowed_mentions": {"parse": []}}
    if cfg.format == "telegram":
        text = f"{icon} {_title(alert)}\n{alert.message}"
        return {
            "chat_id": cfg.telegram_chat_id,
            "text": text[:4096],
            "disable_web_page_preview": True,
        }
    return {
        "source": "aurum",
        "id": alert.id,
        "rule": alert.rule,
        "severity": alert.severity,
        "message": alert.message,
        "text": f"{icon} {_title(alert)}: {alert.message}",
        "detail": alert.detail,
        "created_at": alert.created_at.isoformat(),
    }


def post_json(url: str, body: dict[str, Any], *, timeout: float) -> None:
    """POST `body` as JSON; any answer but 2xx raises DeliveryError (the URL is never in it)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("the webhook URL must start with http:// or https://", transient=False)
    data = json.dumps(body, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read(4096)
    except urllib.error.HTTPError as err:
        said = err.read(300).decode("utf-8", "replace").strip()
        raise DeliveryError(
            f"HTTP {err.code} {err.reason}" + (f": {said}" if said else ""),
            transient=err.code >= 500 or err.code == 429,
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise DeliveryError(f"no answer within {timeout:g} s", transient=True) from None
        raise DeliveryError(f"could not reach the webhook: {reason}", transient=True) from None


def next_attempt_at(alert: AlertRecord, retry_seconds: float) -> datetime:
    return alert.created_at + timedelta(seconds=retry_seconds * (2**alert.attempts - 1))


def attempt(
    db: Any, alert: AlertRecord, cfg: AlertsConfig, url: str, now: datetime
) -> Attempt | None:
    """Claim one attempt and make it; the outcome is recorded on the alert. None when another
    process claimed this attempt first."""
    if not store.claim_attempt(db, alert):
        return None
    error: DeliveryError | None = None
    try:
        post_json(url, payload(alert, cfg), timeout=cfg.timeout_seconds)
    except DeliveryError as err:
        error = err
    record = store.finish_attempt(
        db,
        alert.id,
        error=None if error is None else str(error),
        now=now,
        max_attempts=cfg.max_attempts,
    )
    return Attempt(record, error)


def deliver_due(
    db: Any,
    cfg: AlertsConfig,
    now: datetime,
    *,
    limit: int = 20,
    rules: set[str] | None = None,
) -> DeliveryReport:
    """Send every pending alert whose next attempt is due (at most `limit`). A webhook that
    does not answer ends the pass (the others keep their attempts); nothing is raised."""
    url = webhook_url(cfg)
    report = DeliveryReport()
    if not url:
        return report
    for alert in store.pending(db, limit, rules):
        if alert.attempts >= cfg.max_attempts or next_attempt_at(alert, cfg.retry_seconds) > now:
            continue
        done = attempt(db, alert, cfg, url, now)
        if done is None:
            continue
        if done.error is None:
            report.delivered.append(alert.id)
        elif done.alert.status == "failed":
            report.failed.append(alert.id)
        else:
            report.retrying.append(alert.id)
        if done.error is not None and done.error.transient:
            break
    return report
