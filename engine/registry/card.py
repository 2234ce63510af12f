"""The model card: what a version is, as one validated document (JSON) and its Markdown reading.

Export writes it next to the model file, import checks it, and `GET /v1/versions/{ref}` returns
it. Its `digest` is the sha256 of the card without the digest, so a card edited after export is
recognised; its `files` list each file with its sha256 (one skops file now; room for an ONNX
file beside it).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

CARD_FORMAT: Literal[1] = 1
CARD_JSON = "model-card.json"
CARD_MD = "model-card.md"
MODEL_FILE = "model.skops"


def _number_in(value: Any) -> Any:
    """ "inf"/"-inf" (how the card writes them) back to floats."""
    if isinstance(value, str) and value in ("inf", "-inf"):
        return float(value)
    return value


def _number_out(value: float | None) -> float | str | None:
    if value is None or math.isnan(value):
        return None
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


MetricValue = Annotated[
    float | None,
    BeforeValidator(_number_in),
    PlainSerializer(_number_out, return_type=float | Literal["inf", "-inf"] | None),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CardFile(_Part):
    """A file of the export: its name in the folder, format, size and sha256."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    format: Literal["skops", "onnx"]
    size: int = Field(ge=0)
    sha256: Sha256


class MetricSnapshot(_Part):
    """The newest metrics of one source (backtest = out of sample after costs, live, ...), the
    trades they rest on and the number of trials the deflated Sharpe was computed with."""

    source: str = Field(max_length=16)
    values: dict[str, MetricValue]
    trades: int = Field(ge=0)
    period_start: datetime | None = None
    period_end: datetime | None = None
    trials: int | None = Field(None, ge=0)
    trials_note: str = ""


class TrainedOnCard(_Part):
    """The bars a version learnt from: its series and the first and last bar (UTC)."""

    symbol: str = Field(max_length=32)
    timeframe: str = Field(max_length=8)
    first: datetime | None = None
    last: datetime | None = None


class Provenance(_Part):
    """What the version learnt from: the training window, the data's hash and origin."""

    train_start: datetime | None
    train_end: datetime | None
    data_hash: str = Field(max_length=64)
    data_origin: str | None = None
    trained_on: TrainedOnCard | None = None
    session_id: int | None = None


class ModelCard(_Part):
    """One version, exported or shown: identity, what it learnt from, how it did, its files."""

    card_format: Literal[1] = CARD_FORMAT
    ref: str = Field(max_length=100)
    lineage: str = Field(max_length=64)
    symbol: str = Field(max_length=32)
    timeframe: str = Field(max_length=8)
    purpose: str = Field(max_length=32)
    version: int = Field(ge=1)
    algorithm: str = Field(max_length=64)
    status: str = Field(max_length=16)
    created_at: datetime
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    features: list[str]
    params: dict[str, Any]
    provenance: Provenance
    library_versions: dict[str, str]
    metrics: list[MetricSnapshot]
    files: list[CardFile]
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="What serving needs (feature spec, threshold, barriers, costs) and the "
        "learning session's summary.",
    )
    imported_from: dict[str, Any] | None = None
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="The exporting desk's account.currency: the unit of the money metrics "
        "(cards written before it was recorded have none, and their digests leave it out).",
    )
    exported_at: datetime | None = None
    exported_from: str = ""
    digest: str = ""

    def content_digest(self) -> str:
        """sha256 of the card's canonical JSON without its digest."""
        left_out = {"digest"} if self.currency is not None else {"digest", "currency"}
        body = self.model_dump(mode="json", exclude=left_out)
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def sealed(self) -> ModelCard:
        """The card with its digest set."""
        return self.model_copy(update={"digest": self.content_digest()})

    def model_file(self) -> CardFile | None:
        """The skops file the version serves from."""
        return next((f for f in self.files if f.format == "skops"), None)

    def snapshot(self, source: str) -> MetricSnapshot | None:
        return next((m for m in self.metrics if m.source == source), None)


def card_json(card: ModelCard) -> str:
    """The card as the JSON file holds it (stable key order, indented)."""
    return json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
