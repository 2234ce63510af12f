"""The `alerts` section of the configuration: rules, thresholds, webhook and delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from engine.config.schema import Phase3Config

AlertRule = Literal[
    "live_metrics", "drawdown", "drift", "session_failed", "promotion", "rollback", "heartbeat"
]
ALERT_RULES: tuple[str, ...] = get_args(AlertRule)


def _default_rules() -> list[AlertRule]:
    return [
        "live_metrics",
        "drawdown",
        "drift",
        "session_failed",
        "promotion",
        "rollback",
        "heartbeat",
    ]


class AlertsConfig(BaseModel):
    """Which alerts are raised, and where and how they are delivered."""

    # a Telegram chat id given as a number (`config set alerts.telegram_chat_id -100123`)
    model_config = ConfigDict(extra="forbid", validate_assignment=True, coerce_numbers_to_str=True)

    enabled: bool = Field(
        True,
        description="Raise alerts: always recorded and shown on the Overview page, also sent "
        "when alerts.webhook_url is set.",
    )
    rules: list[AlertRule] = Field(
        default_factory=_default_rules,
        description="Rules that raise alerts (the README's Alerts section says what each means).",
    )
    webhook_url: str = Field(
        "",
        max_length=500,
        description="Where alerts are POSTed (http or https); empty = only recorded and shown. "
        "The environment variable AURUM_ALERTS_WEBHOOK_URL overrides it (keeps a secret URL "
        "out of the config file and its history).",
    )
    format: Literal["generic", "slack", "discord", "telegram"] = Field(
        "generic",
        description="Payload shape: generic JSON, Slack or Discord incoming webhook, or the "
        "Telegram Bot API's sendMessage (needs alerts.telegram_chat_id).",
    )
    telegram_chat_id: str = Field(
        "", max_length=64, description="Telegram chat the bot posts to (format=telegram)."
    )
    check_seconds: int = Field(
        60, ge=5, le=3600, description="How often the services check the rules and deliver."
    )
    min_live_trades: int = Field(
        30,
        ge=1,
        le=1_000_000,
        description="Live trades an active model needs before live_metrics judges it.",
    )
    min_win_rate: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Live win rate (0-1) below which live_metrics alerts (0 = not judged).",
    )
    min_profit_factor: float = Field(
        0.9,
        ge=0,
        le=100,
        description="Live profit factor below which live_metrics alerts (0 = not judged).",
    )
    min_sharpe: float | None = Field(
        0.0,
        ge=-20,
        le=20,
        description="Live Sharpe ratio (daily, annualised) below which live_metrics alerts "
        "(null = not judged).",
    )
    max_drawdown_pct: float = Field(
        10.0,
        gt=0,
        le=100,
        description="Live drawdown (percent below the peak of account.initial_balance plus "
        "the active model's live trades) beyond which drawdown alerts.",
    )
    heartbeat_stale_seconds: int = Field(
        180,
        ge=10,
        le=86_400,
        description="Seconds without a services heartbeat after which heartbeat alerts.",
    )
    lookback_hours: float = Field(
        24.0,
        gt=0,
        le=720,
        description="Events (promotions, rollbacks, failed sessions, drift checks) older than "
        "this are not alerted.",
    )
    dedup_minutes: int = Field(
        360,
        ge=0,
        le=43_200,
        description="An alert with the same key (rule and subject) is not raised again within "
        "this time.",
    )
    max_attempts: int = Field(
        5, ge=1, le=50, description="Delivery attempts per alert before it is marked failed."
    )
    retry_seconds: float = Field(
        30.0,
        ge=0,
        le=86_400,
        description="Wait before the first retry; each next wait doubles (exponential backoff).",
    )
    timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="How long one delivery attempt waits for the webhook."
    )


def alert_problems(cfg: Phase3Config) -> list[str]:
    """The alerts section's cross-field rules; each message names the keys."""
    alerts, problems = cfg.alerts, []
    url = alerts.webhook_url
    if url and (not url.startswith(("http://", "https://")) or any(c.isspace() for c in url)):
        problems.append("alerts.webhook_url must be empty or an http:// or https:// URL")
    if alerts.format == "telegram" and not alerts.telegram_chat_id:
        problems.append("alerts.telegram_chat_id is required when alerts.format=telegram")
    if alerts.heartbeat_stale_seconds < 2 * cfg.scheduler.heartbeat_seconds:
        problems.append(
            "alerts.heartbeat_stale_seconds must be at least 2 x scheduler.heartbeat_seconds"
        )
    return problems
