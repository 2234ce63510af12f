"""Request and response bodies of the HTTP bridge: what the EA sends and what it gets back.

Trades reuse the ledger's `TradeInput` (one definition of a trade and its rules); bars come as
columns, read straight into numpy arrays (no per-bar Python objects, no pandas frame)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.ledger import TradeInput
from engine.registry.card import MetricValue
from engine.registry.types import TrainedOn

MAX_BARS = 5000
MAX_TRADES = 1000
UNIX_2100 = 4_102_444_800
Timeframe = Literal["M1", "M5", "M15", "M30", "H1", "H4", "D1"]
DataOrigin = Literal["generated", "imported", "live", "mixed"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


MAX_PRICE = 1e9  # as the ledger's trade prices (engine.ledger.MAX_PRICE)
PositivePrice = Annotated[float, Field(gt=0, le=MAX_PRICE, allow_inf_nan=False)]


class Bars(_Body):
    """Recent bars of one market as columns, oldest first, all of one length (a column per
    field keeps the body small and quick to read). `time` is each bar's open time in UTC unix
    seconds: MQL5's `datetime` minus the broker's offset from UTC."""

    time: list[Annotated[int, Field(ge=0, le=UNIX_2100)]] = Field(
        min_length=1, max_length=MAX_BARS, examples=[[1718000100]]
    )
    open: list[PositivePrice] = Field(min_length=1, max_length=MAX_BARS, examples=[[2331.2]])
    high: list[PositivePrice] = Field(min_length=1, max_length=MAX_BARS, examples=[[2332.0]])
    low: list[PositivePrice] = Field(min_length=1, max_length=MAX_BARS, examples=[[2330.9]])
    close: list[PositivePrice] = Field(min_length=1, max_length=MAX_BARS, examples=[[2331.7]])
    tick_volume: list[Annotated[int, Field(ge=0, le=10**15)]] | None = Field(
        None, max_length=MAX_BARS
    )
    spread: list[Annotated[int, Field(ge=0, le=10**6)]] | None = Field(
        None, max_length=MAX_BARS, description="Spread in points, as MT5 reports it."
    )

    @model_validator(mode="after")
    def _one_length(self) -> Bars:
        n = len(self.time)
        for name in ("open", "high", "low", "close", "tick_volume", "spread"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"bars.{name} has {len(column)} values, bars.time has {n}")
        return self


Money = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]


class AccountIn(_Body):
    """The trading side's account when it asks for a signal: the balance a `risk_percent`
    size is taken of (without it: `account.initial_balance` of the desk's config), and the money
    its open positions lose if their stops are hit (needed when `risk.max_open_risk_percent` is
    on: MQL5 sums each position's |open - SL| x volume x contract size, plus costs)."""

    balance: Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)] | None = Field(
        None, examples=[10250.0]
    )
    open_risk: Money | None = Field(None, examples=[0.0])


class SignalRequest(_Body):
    """Recent bars of one market; the signal is for the last bar."""

    symbol: str = Field(min_length=1, max_length=32, examples=["XAUUSD"])
    timeframe: Timeframe = Field(examples=["M5"])
    lineage: str | None = Field(
        None, min_length=1, max_length=64, description="Only when several lineages serve it."
    )
    bars: Bars
    account: AccountIn | None = Field(
        None, description="The account now, for the signal's size (recommended)."
    )


class SignalOut(BaseModel):
    """BUY, SELL or HOLD with its probabilities; stop-loss and take-profit prices for BUY/SELL
    (a BUY enters at the ask = close + spread); the version to report trades with."""

    side: Literal["BUY", "SELL", "HOLD"]
    confidence: float
    p_long: float
    p_short: float
    min_confidence: float
    bar_time: datetime
    entry_price: float
    stop_loss: float | None
    take_profit: float | None
    version_id: int
    version_ref: str
    lineage: str
    symbol: str
    timeframe: str
    stop_distance: float | None = Field(
        description="Price distance from the fill (the ask for a BUY) to the stop-loss."
    )
    lots: float = Field(description="Lots to trade (0 for HOLD), from the desk's risk section.")
    risk_money: float | None = Field(
        description="Money lost if the stop is hit at that size, after slippage and commission "
        "(null when the model gives no stop)."
    )
    sizing: str = Field(description="How the size was found, or why the signal is HOLD.")
    paused: bool = Field(description="Trading is paused: every signal is HOLD until resumed.")
    pause_reason: str | None
    demo: bool = Field(
        description="The version was trained on generated bars (DEMO): without "
        "serving.allow_demo_models every signal of it is HOLD with `reason`."
    )
    data_origin: DataOrigin = Field(description="What the version's training bars were.")
    trained_on: TrainedOn | None = Field(
        description="The series (symbol, timeframe) and first and last bar it learnt from."
    )
    reason: str | None = Field(
        None, description="Why the answer is HOLD whatever the model says (null otherwise)."
    )


class TradeIn(TradeInput):
    """One closed trade. `version_id` should be the signal's; without it the trade goes to the
    active version of its symbol (and `timeframe`, or `lineage`) when first logged."""

    ticket: str = Field(min_length=1, max_length=64, examples=["50231187"])
    source: Literal["live"] = "live"
    timeframe: Timeframe | None = None
    lineage: str | None = Field(None, min_length=1, max_length=64)

    @field_validator("ticket", mode="before")
    @classmethod
    def _ticket(cls, value: Any) -> Any:
        """MT5 tickets are numbers: accept them as such."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class TradesRequest(_Body):
    """One or many closed trades, logged all or nothing; a ticket sent again is `unchanged`."""

    trades: list[TradeIn] = Field(min_length=1, max_length=MAX_TRADES)


class LoggedOut(BaseModel):
    ticket: str
    id: int
    version_id: int | None
    net_profit: float
    outcome: Literal["new", "unchanged"]


class TradesOut(BaseModel):
    new: int
    unchanged: int
    trades: list[LoggedOut]


class ActiveOut(BaseModel):
    """The active version of one lineage and how many bars a signal needs."""

    lineage: str
    symbol: str
    timeframe: str
    version_id: int
    version_ref: str
    algorithm: str
    trained_to: datetime | None
    min_confidence: float | None
    bars_needed: int | None = Field(description="Fewest bars a signal request must send.")
    bars_used: int | None = Field(description="Bars the features are computed on (send these).")
    demo: bool = Field(description="Trained on generated bars (DEMO).")
    data_origin: DataOrigin = Field(description="What the version's training bars were.")
    trained_on: TrainedOn | None = Field(
        description="The series (symbol, timeframe) and first and last bar it learnt from."
    )
    reason: str | None = Field(
        None, description="Why its signals are HOLD whatever it says (null: it is served)."
    )
    min_history_bars: int | None = Field(
        None,
        description="The version's fixed window: its signal for a bar is computed from that bar "
        "and the bars before it, this many in all, and sending more never changes it.",
    )
    fixed_window: bool | None = Field(
        None,
        description="False for a version trained before fixed windows: its signal still moves "
        "with the number of bars sent (send exactly bars_used; retrain to end that).",
    )


class PauseOut(BaseModel):
    """The pause switch: whether every signal is HOLD now, since when, by whom and why (an
    automatic pause names its rule, the figure that tripped it and the limit)."""

    paused: bool
    changed: bool = Field(False, description="Whether this request moved the switch.")
    reason: str | None = None
    actor: str | None = None
    at: datetime | None = None
    rule: str | None = None
    figure: float | None = None
    limit: float | None = None


class PauseRequest(_Body):
    reason: str = Field(min_length=1, max_length=500, examples=["news: NFP at 13:30 UTC"])


class ResumeRequest(_Body):
    reason: str = Field("", max_length=500, examples=["spreads back to normal"])


class ActiveList(BaseModel):
    active: list[ActiveOut]
    paused: bool = Field(False, description="Trading is paused: every signal is HOLD.")
    pause: PauseOut | None = Field(None, description="The pause, while paused.")


class HealthOut(BaseModel):
    status: Literal["ok"]
    time: datetime
    active_models: int
    notes: list[str] = Field(
        default_factory=list,
        description="What the bridge is not doing and why, e.g. live bars not stored because "
        "the series holds generated (demo) bars.",
    )


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every refusal: `detail` says what is wrong and what to do; `errors` names each bad field
    of a refused body (dotted path, e.g. `bars.17.high`)."""

    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


# --- the registry over HTTP: GET /v1/versions and /v1/versions/{ref} -------------------------
VersionOrder = Literal[
    "score", "created", "trades", "net_profit", "win_rate", "win_rate_low", "win_rate_high",
    "profit_factor", "expectancy", "average_win", "average_loss", "max_drawdown",
    "max_drawdown_pct", "sharpe", "sortino", "calmar", "psr", "dsr",
]  # fmt: skip
VersionStatus = Literal["candidate", "active", "archived", "pinned", "cleaned"]
LINEAGE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
ALIAS_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
TAG_FILTER_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}(=[^\x00-\x1f]{1,256})?$"
VERSION_REF_PATTERN = (
    r"^([0-9]{1,12}|[A-Za-z0-9][A-Za-z0-9._-]{0,63}(:v[0-9]{1,9}|@[a-z][a-z0-9_-]{0,31}))$"
)


class VersionOut(BaseModel):
    """One version as the leaderboard knows it: identity, status, score, current metrics
    (live once it has selection.min_live_trades live trades, else out-of-sample backtest;
    non-finite values as "inf"/"-inf"), and what people noted about it."""

    id: int
    ref: str
    lineage: str
    symbol: str
    timeframe: str
    version: int
    algorithm: str
    status: str
    pinned: bool
    created_at: datetime
    train_start: datetime | None
    train_end: datetime | None
    score: float | None
    eligible: bool
    metrics: dict[str, MetricValue]
    metrics_source: str
    metrics_trades: int
    data_origin: str | None
    description: str
    tags: dict[str, str]
    aliases: list[str]
    artifact_sha256: str


class VersionPageOut(BaseModel):
    """A page of matching versions in the asked order; `next_offset` is null on the last."""

    versions: list[VersionOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    order: str
    direction: str
