"""Request and response bodies of the HTTP bridge: what the EA sends and what it gets back.

Trades reuse the ledger's `TradeInput` (one definition of a trade and its rules); bars come as
columns, read straight into numpy arrays (no per-bar Python objects, no pandas frame)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.ledger import TradeInput

MAX_BARS = 5000
MAX_TRADES = 1000
UNIX_2100 = 4_102_444_800
Timeframe = Literal["M1", "M5", "M15", "M30", "H1", "H4", "D1"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


PositivePrice = Annotated[float, Field(gt=0, allow_inf_nan=False)]


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


class SignalRequest(_Body):
    """Recent bars of one market; the signal is for the last bar."""

    symbol: str = Field(min_length=1, max_length=32, examples=["XAUUSD"])
    timeframe: Timeframe = Field(examples=["M5"])
    lineage: str | None = Field(
        None, min_length=1, max_length=64, description="Only when several lineages serve it."
    )
    bars: Bars


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


class ActiveList(BaseModel):
    active: list[ActiveOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    time: datetime
    active_models: int


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every refusal: `detail` says what is wrong and what to do; `errors` names each bad field
    of a refused body (dotted path, e.g. `bars.17.high`)."""

    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)
