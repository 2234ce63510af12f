"""The ORM tables. Rows never leave the engine: stores convert them to dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns timezone-aware UTC; refuses naive input to avoid silent shifts."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Lineage(Base):
    """A model name per symbol/timeframe/purpose; versions are numbered within it."""

    __tablename__ = "lineages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelVersion(Base):
    """One immutable trained model: what it is, what it learnt from, where its file is."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("lineage_id", "version", name="uq_model_versions_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lineage_id: Mapped[int] = mapped_column(ForeignKey("lineages.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(64))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    features_json: Mapped[str] = mapped_column(Text, default="[]")
    train_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    train_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    data_hash: Mapped[str] = mapped_column(String(64), default="")
    library_versions_json: Mapped[str] = mapped_column(Text, default="{}")
    artifact_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    artifact_format: Mapped[str] = mapped_column(String(16), default="skops")
    artifact_size: Mapped[int] = mapped_column(BigInteger, default=0)
    artifact_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    # what a person wrote about the version (`aurum describe`): metadata, not what it is
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_sessions.id"), nullable=True, index=True
    )
    # what its training bars were: generated | imported | live | mixed (engine.data.origin)
    data_origin: Mapped[str] = mapped_column(
        String(16), default="imported", server_default="imported"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Alias(Base):
    """A named pointer per lineage (`active`, or a name such as `staging`); the primary key
    makes it exactly one of each name per lineage."""

    __tablename__ = "aliases"
    lineage_id: Mapped[int] = mapped_column(ForeignKey("lineages.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(32), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActivationEvent(Base):
    """Append-only history of each pointer (`alias`): who moved it, when, from, to and why.
    `to_version_id` is empty only when a named alias was removed."""

    __tablename__ = "activation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lineage_id: Mapped[int] = mapped_column(ForeignKey("lineages.id"), index=True)
    alias: Mapped[str] = mapped_column(String(32), default="active", server_default="active")
    kind: Mapped[str] = mapped_column(String(16))
    from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id"), nullable=True
    )
    to_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VersionTag(Base):
    """A `key=value` label on a version (`aurum tag`): metadata about it, audited, editable."""

    __tablename__ = "version_tags"
    __table_args__ = (Index("ix_version_tags_key_value", "key", "value"),)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VersionMetric(Base):
    """Metrics history per version: (source, period, name, value, trades analysed)."""

    __tablename__ = "version_metrics"
    __table_args__ = (Index("ix_version_metrics_lookup", "version_id", "source", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    source: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    name: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    trades: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CurrentMetrics(Base):
    """The newest metrics snapshot per version and source, kept beside the history so the
    leaderboard reads one row per version instead of scanning every metric ever recorded."""

    __tablename__ = "current_metrics"
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    metrics_json: Mapped[str] = mapped_column(Text, default="{}")
    trades: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Trade(Base):
    """The trade ledger: one row per closed trade, idempotent on its ticket."""

    __tablename__ = "trades"
    __table_args__ = (
        Index("ix_trades_version_close", "version_id", "close_time"),
        Index("ix_trades_logged_at", "logged_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    open_time: Mapped[datetime] = mapped_column(UTCDateTime())
    close_time: Mapped[datetime] = mapped_column(UTCDateTime())
    open_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    close_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume: Mapped[float] = mapped_column(Float)
    profit: Mapped[float] = mapped_column(Float)
    commission: Mapped[float] = mapped_column(Float, default=0.0)
    swap: Mapped[float] = mapped_column(Float, default=0.0)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="live")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConfigChange(Base):
    """Every saved configuration change: the diff, the whole before/after, who and when."""

    __tablename__ = "config_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    diff_json: Mapped[str] = mapped_column(Text)
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(Base):
    """Audit trail of every action a person or service took (activation has its own table too)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), default="")
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Bar(Base):
    """Market bars in UTC, keyed by symbol, timeframe and open time."""

    __tablename__ = "bars"
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    timeframe: Mapped[str] = mapped_column(String(8), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    tick_volume: Mapped[int] = mapped_column(BigInteger, default=0)
    spread_points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # generated | imported | live (engine.data.origin); generated never shares a series
    origin: Mapped[str] = mapped_column(String(16), default="imported", server_default="imported")


class BarOrigin(Base):
    """The origins each bar series holds (one row per series and origin): the origin check and
    the series listing read these instead of scanning the bars."""

    __tablename__ = "bar_origins"
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    timeframe: Mapped[str] = mapped_column(String(8), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16), primary_key=True)


class LearningSession(Base):
    """One learning session: why it ran, on what, what it tried, what came out, how long."""

    __tablename__ = "learning_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(64), default="system")
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(64), default="")
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    config_hash: Mapped[str] = mapped_column(String(64), default="")
    config_json: Mapped[str] = mapped_column(Text, default="{}")
    config_diff_json: Mapped[str] = mapped_column(Text, default="{}")
    result_json: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str] = mapped_column(Text, default="")
    library_versions_json: Mapped[str] = mapped_column(Text, default="{}")
    seed: Mapped[int] = mapped_column(Integer, default=0)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    runner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # candidates, search trials and ensembles it evaluated: the deflated Sharpe counts them all
    trials: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ServiceLease(Base):
    """Leadership of the background services: one holder at a time, kept alive by heartbeats."""

    __tablename__ = "service_leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_runs_json: Mapped[str] = mapped_column(Text, default="{}")


class TriggerCheck(Base):
    """One evaluation of the retraining triggers: which fired and why."""

    __tablename__ = "trigger_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    fired: Mapped[str] = mapped_column(String(128), default="")
    results_json: Mapped[str] = mapped_column(Text, default="[]")
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PromotionDecision(Base):
    """Champion/challenger: whether a new version replaced the active one, and why."""

    __tablename__ = "promotion_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    challenger_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    champion_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    evidence_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A dashboard user: argon2 password hash (never the password), role viewer or operator."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginAttempt(Base):
    """Every login attempt (for rate limiting and the audit), without the password."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A token of the HTTP bridge (`aurum token add NAME`): only its sha256 is kept (a token is 32
    random bytes, so a slow hash adds nothing); revoked tokens stay for the audit trail."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise a token
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Alert(Base):
    """An alert raised by a rule; delivered to the webhook with retries, de-duplicated by key."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_dedup_key_created", "dedup_key", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShadowTrade(Base):
    """A challenger's paper trade on live bars: same costs and exits as a backtest, never mixed
    with the real ledger. One per (version, symbol, timeframe, entry bar)."""

    __tablename__ = "shadow_trades"
    __table_args__ = (
        UniqueConstraint(
            "version_id", "symbol", "timeframe", "open_time", name="uq_shadow_trades_entry"
        ),
        Index("ix_shadow_trades_version_close", "version_id", "close_time"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    side: Mapped[str] = mapped_column(String(4))
    open_time: Mapped[datetime] = mapped_column(UTCDateTime())
    close_time: Mapped[datetime] = mapped_column(UTCDateTime())
    open_price: Mapped[float] = mapped_column(Float)
    close_price: Mapped[float] = mapped_column(Float)
    profit: Mapped[float] = mapped_column(Float)  # after costs, in account currency
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    exit_reason: Mapped[str] = mapped_column(String(16), default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TradingPause(Base):
    """The pause switch's history: every pause and resume, who, when, why; the newest row is
    the switch's state. An automatic pause names its rule, the figure that tripped it and the
    limit."""

    __tablename__ = "trading_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str | None] = mapped_column(String(32), nullable=True)
    figure: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BacktestRun(Base):
    """A backtest on demand: one stored version replayed over stored bars, queued or run now,
    with its window, costs, progress, metrics and how much of it the version trained on."""

    __tablename__ = "backtest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_bar: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_bar: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bars: Mapped[int] = mapped_column(Integer, default=0)
    in_sample_bars: Mapped[int] = mapped_column(Integer, default=0)
    overrides_json: Mapped[str] = mapped_column(Text, default="{}")
    costs_json: Mapped[str] = mapped_column(Text, default="{}")
    requested_by: Mapped[str] = mapped_column(String(64), default="system")
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(64), default="")
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    metrics_json: Mapped[str] = mapped_column(Text, default="{}")
    trades: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BacktestTrade(Base):
    """A trade of a backtest run (source "manual backtest"): never in the ledger, never among
    the version's out-of-sample or paper trades. Gross, costs and net in account currency."""

    __tablename__ = "backtest_trades"
    __table_args__ = (Index("ix_backtest_trades_run_close", "run_id", "close_time"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("backtest_runs.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    source: Mapped[str] = mapped_column(String(16), default="manual backtest")
    side: Mapped[str] = mapped_column(String(4))
    open_time: Mapped[datetime] = mapped_column(UTCDateTime())
    close_time: Mapped[datetime] = mapped_column(UTCDateTime())
    open_price: Mapped[float] = mapped_column(Float)
    close_price: Mapped[float] = mapped_column(Float)
    gross_profit: Mapped[float] = mapped_column(Float)
    costs: Mapped[float] = mapped_column(Float)
    profit: Mapped[float] = mapped_column(Float)  # after costs
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    exit_reason: Mapped[str] = mapped_column(String(16), default="")
