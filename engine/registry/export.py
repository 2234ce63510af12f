"""`aurum export VERSION --out DIR`: the version's model file (verified against its recorded
sha256 before it is copied) and its model card as JSON and Markdown, each written atomically."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ArtifactError, AurumError
from engine.registry.artifacts import read_verified
from engine.registry.card import (
    CARD_JSON,
    CARD_MD,
    MODEL_FILE,
    CardFile,
    MetricSnapshot,
    ModelCard,
    Provenance,
    TrainedOnCard,
    card_json,
)
from engine.registry.card_markdown import render_markdown
from engine.registry.search import version_origin
from engine.registry.types import VersionInfo

if TYPE_CHECKING:
    from engine.registry.registry import ModelRegistry

# Formats an export can hold. Issue 20 adds "onnx" (`aurum export VERSION --onnx`): a writer
# that converts the loaded model and appends its CardFile and bytes in `_model_files`.
EXPORT_FORMATS = ("skops",)


@dataclass(frozen=True)
class ExportResult:
    folder: str
    files: list[str]
    card: ModelCard


def trials_for(source: str, info: VersionInfo, desk_trials: int) -> tuple[int | None, str]:
    """The number of trials a source's deflated Sharpe was computed with, and what it counts."""
    if source == "backtest":
        stored = info.details.get("n_trials")
        if stored is None:
            return None, "not recorded by the learning session that registered it"
        return int(stored), "versions and candidates tried up to its learning session"
    return desk_trials, "versions registered on the exporting desk when it was exported"


def metric_snapshots(
    registry: ModelRegistry, info: VersionInfo, desk_trials: int
) -> list[MetricSnapshot]:
    """The newest metrics of each source the version has (backtest first)."""
    newest: dict[str, dict[str, object]] = {}
    for row in registry.metrics_history(info.id):  # oldest first: the last row per source wins
        newest[str(row["source"])] = row
    sources = sorted(newest, key=lambda s: (s != "backtest", s))
    out = []
    for source in sources:
        current = registry.get(info.id, source=source)
        trials, note = trials_for(source, info, desk_trials)
        row = newest[source]
        out.append(
            MetricSnapshot(
                source=source,
                values=dict(current.metrics),
                trades=current.metrics_trades,
                period_start=row["period_start"],  # type: ignore[arg-type]
                period_end=row["period_end"],  # type: ignore[arg-type]
                trials=trials,
                trials_note=note,
            )
        )
    return out


def build_card(
    registry: ModelRegistry,
    ref: str | int,
    *,
    desk_trials: int,
    purpose: str = "scalper",
    currency: str | None = None,
) -> ModelCard:
    """The model card of a version as this desk knows it now (no export time, not sealed)."""
    info = registry.get(ref)
    lineage = next((x for x in registry.lineages() if x.name == info.lineage), None)
    imported = info.details.get("imported")
    files = []
    if info.artifact_path:
        files.append(CardFile(name=MODEL_FILE, format="skops", size=info.artifact_size,
                              sha256=info.artifact_sha256))  # fmt: skip
    return ModelCard(
        ref=info.ref,
        lineage=info.lineage,
        symbol=info.symbol,
        timeframe=info.timeframe,
        purpose=lineage.purpose if lineage else purpose,
        version=info.version,
        algorithm=info.algorithm,
        status=info.status,
        created_at=info.created_at,
        description=info.description,
        tags=dict(info.tags),
        aliases=list(info.aliases),
        features=list(info.features),
        params=dict(info.params),
        provenance=Provenance(
            train_start=info.train_start,
            train_end=info.train_end,
            data_hash=info.data_hash,
            data_origin=version_origin(info) or _imported_origin(imported),
            trained_on=_trained_on(info),
            session_id=info.session_id,
        ),
        library_versions=dict(info.library_versions),
        metrics=metric_snapshots(registry, info, desk_trials),
        files=files,
        details={k: v for k, v in info.details.items() if k != "imported"},
        imported_from=imported if isinstance(imported, dict) else None,
        currency=currency,
    )


def _imported_origin(imported: object) -> str | None:
    return imported.get("data_origin") if isinstance(imported, dict) else None


def export_version(
    registry: ModelRegistry,
    ref: str | int,
    out: str | Path,
    *,
    desk_trials: int,
    formats: Sequence[str] = ("skops",),
    currency: str | None = None,
) -> ExportResult:
    """Write the model file and the card (JSON, Markdown) into `out`, a new or empty folder."""
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown or "skops" not in formats:
        raise AurumError(f"export formats {list(formats)}: only {list(EXPORT_FORMATS)} for now")
    info = registry.get(ref)
    if not info.artifact_path:
        raise ArtifactError(
            f"{info.ref} has no model file any more (cleaned up): nothing to export"
        )
    data = read_verified(registry.artifacts_dir, info.artifact_path, info.artifact_sha256)
    card = build_card(registry, info.id, desk_trials=desk_trials, currency=currency).model_copy(
        update={"exported_at": datetime.now(UTC), "exported_from": socket.gethostname()}
    )
    card = card.sealed()
    written = [(MODEL_FILE, data), (CARD_JSON, card_json(card).encode()),
               (CARD_MD, render_markdown(card).encode())]  # fmt: skip
    folder, created = _empty_folder(Path(out))
    try:
        for name, content in written:
            _write_atomically(folder / name, content)
    except BaseException:  # nothing half-done: no folder with some of the files
        for name, _ in written:
            (folder / name).unlink(missing_ok=True)
        if created:
            folder.rmdir()
        raise
    return ExportResult(str(folder), [name for name, _ in written], card)


def _empty_folder(folder: Path) -> tuple[Path, bool]:
    """The folder, ready to write into, and whether it was created here."""
    if folder.exists() and not folder.is_dir():
        raise AurumError(f"{folder} is a file: export into a new or empty folder")
    if folder.exists() and any(folder.iterdir()):
        raise AurumError(f"{folder} is not empty: export into a new or empty folder")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AurumError(f"cannot create {folder}: {err.strerror or err}") from err
    return folder, created


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # an export is meant to be read (mkstemp makes it owner-only)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise AurumError(f"cannot write {path}: {err.strerror or err}") from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _trained_on(info: VersionInfo) -> TrainedOnCard:
    """The card's copy of the version's series and first and last bar."""
    bars = info.trained_on
    return TrainedOnCard(
        symbol=bars.symbol, timeframe=bars.timeframe, first=bars.first, last=bars.last
    )
